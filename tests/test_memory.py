"""The suite's memory pass: ASan+UBSan and valgrind over the unit tests and
every manifest of the corpus (valid and invalid), as make check's last word
on crashes, undefined behaviour and leaks.

The sanitizer build is build-san/ (make san, which make check runs first);
valgrind runs the normal build/ binaries with --leak-check=full.
"""
import os
import subprocess
from pathlib import Path

import pytest

from conftest import BUILD, ROOT

SAN_BUILD = ROOT / "build-san"
UNITS = sorted(p.stem for p in (ROOT / "tests" / "unit").glob("test_*.c"))
# Unit programs that drive external peers or long loops run in their own
# test modules; here every unit program runs, since none needs the network.
MANIFESTS = sorted((ROOT / "tests" / "manifests").glob("*/*.yaml")) + [ROOT / "sparta.yaml.example"]
SAN_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:exitcode=86:abort_on_error=0",
    "LSAN_OPTIONS": f"suppressions={ROOT / 'tests' / 'lsan.supp'}",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=87",
}


@pytest.fixture(scope="module")
def san_build():
    if os.environ.get("SPARTAC_SANITIZER"):
        return BUILD  # the whole suite already runs sanitized
    # make check builds it first (make san); pytest never runs make.
    if not (SAN_BUILD / "spartac").exists():
        pytest.fail(f"{SAN_BUILD} is missing: run 'make san' (make check does)")
    return SAN_BUILD


def _check_clean(r, what):
    bad = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer")
    out = r.stdout + r.stderr
    assert not any(b in out for b in bad), f"{what}:\n{out[-4000:]}"
    assert r.returncode not in (86, 87, 99) and r.returncode >= 0, f"{what}: status {r.returncode}\n{out[-4000:]}"


@pytest.mark.parametrize("name", UNITS)
def test_unit_sanitized(san_build, name):
    r = subprocess.run([str(san_build / "tests" / name)], cwd=ROOT, capture_output=True,
                       text=True, timeout=600, env={**os.environ, **SAN_ENV})
    _check_clean(r, name)
    assert r.returncode == 0, r.stdout + r.stderr


def test_corpus_sanitized(san_build):
    assert MANIFESTS, "no manifests found"
    for m in MANIFESTS:
        r = subprocess.run([str(san_build / "spartac"), "validate", "--no-color", m.name],
                           cwd=m.parent, capture_output=True, text=True, timeout=120,
                           env={**os.environ, **SAN_ENV})
        _check_clean(r, str(m))
        assert r.returncode in (0, 1), f"{m}: status {r.returncode}\n{r.stderr[-2000:]}"


VALGRIND = ["valgrind", "-q", f"--suppressions={ROOT / 'tests' / 'valgrind.supp'}", "--leak-check=full", "--show-leak-kinds=definite,indirect,possible",
            "--errors-for-leak-kinds=definite,indirect,possible", "--error-exitcode=99"]


@pytest.mark.parametrize("name", UNITS)
def test_unit_valgrind(name):
    r = subprocess.run([*VALGRIND, str(BUILD / "tests" / name)], cwd=ROOT,
                       capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]


def test_corpus_valgrind():
    assert MANIFESTS, "no manifests found"
    for m in MANIFESTS:
        r = subprocess.run([*VALGRIND, str(BUILD / "spartac"), "validate", "--no-color", m.name],
                           cwd=m.parent, capture_output=True, text=True, timeout=300)
        assert r.returncode in (0, 1), f"{m}: status {r.returncode}\n{r.stderr[-3000:]}"


# Verbs beyond validate that need no network: each runs clean under both.
OFFLINE_RUNS = [
    ["describe", "-o", "{tmp}/page.html", str(ROOT / "sparta.yaml.example")],
    ["completion", "bash"],
    ["schema"],
    ["init", "{tmp}/svc"],
]


@pytest.mark.parametrize("args", OFFLINE_RUNS, ids=lambda a: a[0])
def test_offline_verbs_sanitized(san_build, args, tmp_path):
    argv = [a.format(tmp=tmp_path) for a in args]
    r = subprocess.run([str(san_build / "spartac"), *argv], cwd=tmp_path, capture_output=True,
                       text=True, timeout=300, env={**os.environ, **SAN_ENV})
    _check_clean(r, " ".join(argv))
    assert r.returncode == 0, r.stderr[-3000:]


@pytest.mark.parametrize("args", OFFLINE_RUNS, ids=lambda a: a[0])
def test_offline_verbs_valgrind(args, tmp_path):
    argv = [a.format(tmp=tmp_path) for a in args]
    r = subprocess.run([*VALGRIND, str(BUILD / "spartac"), *argv], cwd=tmp_path,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
