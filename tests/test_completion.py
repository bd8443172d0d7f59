"""spartac completion: the scripts load in their shells and complete verbs,
options and the manifest's function names."""
import os
import shutil
import subprocess

import pytest

from conftest import BUILD, ROOT, need, run

EXAMPLE = ROOT / "sparta.yaml.example"


def _complete_bash(words, cword):
    script = run("completion", "bash").stdout
    env = {**os.environ, "PATH": f"{BUILD}:{os.environ['PATH']}"}
    words_sh = " ".join(f"'{w}'" for w in words)
    cmd = f"{script}\nCOMP_WORDS=({words_sh}); COMP_CWORD={cword}; _spartac; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 0, r.stderr
    return sorted(x for x in r.stdout.split("\n") if x)


def test_bash_completes_verbs():
    assert "validate" in _complete_bash(["spartac", "va"], 1)
    got = _complete_bash(["spartac", ""], 1)
    for verb in ("validate", "schema", "completion", "help"):
        assert verb in got


def test_bash_completes_global_and_verb_options():
    got = _complete_bash(["spartac", "validate", "--fo"], 2)
    assert got == ["--format"]
    got = _complete_bash(["spartac", "--le"], 1)
    assert got == ["--level"]


def test_bash_completes_values():
    assert _complete_bash(["spartac", "--format", ""], 2) == ["github", "json", "text"]
    assert _complete_bash(["spartac", "completion", "z"], 2) == ["zsh"]


def test_bash_completes_function_names_from_the_manifest():
    got = _complete_bash(["spartac", "-f", str(EXAMPLE), "invoke", ""], 4)
    assert got == ["audit", "hello", "nightly", "notes", "uploads", "worker"]
    assert _complete_bash(["spartac", "-f", str(EXAMPLE), "invoke", "no"], 4) == ["notes"]
    assert _complete_bash(["spartac", "-f", str(EXAMPLE), "logs", "wo"], 4) == ["worker"]


def test_functions_listing_needs_a_valid_manifest(tmp_path):
    bad = tmp_path / "sparta.yaml"
    bad.write_text("service: [\n")
    r = run("completion", "--functions", "-f", str(bad))
    assert r.returncode == 1 and r.stdout == ""


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_script_parses_in_its_shell(shell):
    need(shell)
    r = run("completion", shell)
    assert r.returncode == 0
    check = subprocess.run([shell, "-n"], input=r.stdout, capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr


def test_fish_completes_verbs():
    need("fish")
    script = run("completion", "fish").stdout
    env = {**os.environ, "PATH": f"{BUILD}:{os.environ['PATH']}", "HOME": "/tmp"}
    r = subprocess.run(["fish", "-c", script + "\ncomplete -C 'spartac vali'"], capture_output=True,
                       text=True, env=env, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("validate"), r.stdout


def test_unknown_shell_is_a_usage_error():
    r = run("completion", "tcsh")
    assert r.returncode == 64
    assert "unknown shell 'tcsh'" in r.stderr and "try 'spartac completion --help'" in r.stderr
