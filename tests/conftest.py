"""Shared fixtures: where the binary is, how to run it, free ports.

SPARTAC_BUILD names the build directory (make check sets it); under
SPARTAC_VALGRIND=1 every spartac run goes through valgrind with leak checks.
"""
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("SPARTAC_BUILD") or ROOT / "build")
SPARTAC = BUILD / "spartac"
VALGRIND = os.environ.get("SPARTAC_VALGRIND") == "1"


def spartac_cmd(*args):
    cmd = [str(SPARTAC), *map(str, args)]
    if VALGRIND:
        cmd = ["valgrind", "-q", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
               "--error-exitcode=99", *cmd]
    return cmd


def run(*args, cwd=None, input=None, env=None, timeout=60):
    """Runs spartac with args; returns the CompletedProcess (text mode)."""
    full_env = dict(os.environ)
    full_env.pop("NO_COLOR", None)
    if env:
        full_env.update(env)
    return subprocess.run(spartac_cmd(*args), cwd=cwd, input=input, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def spartac():
    if not SPARTAC.exists():
        pytest.fail(f"{SPARTAC} is missing: run make first")
    return SPARTAC


def need(tool):
    """Fails (never skips) when a peer the suite depends on is missing."""
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed: run 'sh tools/setup.sh test'")
