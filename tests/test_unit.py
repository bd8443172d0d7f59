"""Runs every C unit-test program (tests/unit/test_*.c, built by make unit)."""
import subprocess
from pathlib import Path

import pytest

from conftest import BUILD, ROOT, VALGRIND

UNITS = sorted(p.stem for p in (ROOT / "tests" / "unit").glob("test_*.c"))


@pytest.mark.parametrize("name", UNITS)
def test_unit(name):
    exe = BUILD / "tests" / name
    assert exe.exists(), f"{exe} missing: run make unit"
    cmd = [str(exe)]
    if VALGRIND:
        cmd = ["valgrind", "-q", "--leak-check=full", "--error-exitcode=99", *cmd]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
