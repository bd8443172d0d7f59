"""The command line: help for every verb (and in step with the man page),
--version, usage errors, choosing the manifest (-f, -C, positional FILE),
output formats, colour, exit statuses."""
import json
import os
import pty
import re
import select
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, run, spartac_cmd

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 64

VALID = "service: cli-test\nfunctions:\n  hello:\n    symbol: hello_world\n"
# One loader error, at a known place.
INVALID = "service: cli-test\nfunctions:\n  hello:\n    symbol: a\n    symbol: b\n"
INVALID_AT = (5, 5)


def main_help():
    r = run("--help")
    assert r.returncode == EXIT_OK
    return r.stdout


def verbs():
    """Verbs as `spartac --help` lists them (the table in src/cli/cli.c)."""
    text = main_help()
    block = text.split("Verbs:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in block.splitlines() if line.strip()]


def built_commit():
    """The commit the Makefile gives spartac: git's, else a tarball's COMMIT file."""
    if (ROOT / ".git").exists():
        try:
            r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                               capture_output=True, text=True)
        except FileNotFoundError:  # no git: the Makefile says unknown too
            return "unknown"
        return r.stdout.strip() or "unknown"
    commit = ROOT / "COMMIT"
    return commit.read_text().strip() if commit.exists() else "unknown"


def test_version():
    version = (ROOT / "VERSION").read_text().strip()
    for args in (["--version"], ["validate", "--version"]):
        r = run(*args)
        assert r.returncode == EXIT_OK
        assert r.stdout == f"spartac {version} (commit {built_commit()})\n"
        assert r.stderr == ""


def test_main_help():
    for args in (["--help"], ["-h"], ["help"]):
        r = run(*args)
        assert r.returncode == EXIT_OK, args
        assert r.stdout.startswith("usage: spartac ")
        assert r.stderr == ""
    assert {"validate", "schema", "help"} <= set(verbs())


def test_every_verb_has_help():
    for verb in verbs():
        r = run(verb, "--help")
        assert r.returncode == EXIT_OK, verb
        assert r.stderr == ""
        assert r.stdout.startswith(f"usage: spartac {verb}"), r.stdout[:80]
        assert run(verb, "-h").stdout == r.stdout
        assert run("help", verb).stdout == r.stdout
        # --help wins over everything else on the line and reads no file.
        assert run(verb, "--help", "-f", "/nonexistent").returncode == EXIT_OK


def _man():
    return (ROOT / "man" / "spartac.1").read_text()


def _man_section(name):
    m = re.search(rf"^\.Sh {name}\n(.*?)(?=^\.Sh |\Z)", _man(), re.M | re.S)
    assert m, f"man page has no {name} section"
    return m.group(1)


def test_help_and_man_page_name_the_same_verbs():
    man_verbs = re.findall(r"^\.Ss (\S+)", _man_section("VERBS"), re.M)
    assert sorted(man_verbs) == sorted(verbs())


def test_help_and_man_page_name_the_same_global_options():
    helped = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])\b", main_help()
                            .split("Global options", 1)[1]))
    m = re.search(r"^\.Ss Global options\n(.*?)(?=^\.S[sh] )", _man(), re.M | re.S)
    assert m, "man page has no 'Global options' subsection"
    man = set()
    for line in re.findall(r"^\.It (Fl .*)$", m.group(1), re.M):
        for flag in re.findall(r"Fl (\\-[a-z-]+|[a-zA-Z])", line):
            man.add("-" + flag.replace("\\-", "-"))
    assert sorted(helped) == sorted(man)


def test_exit_statuses_are_documented():
    enum = (ROOT / "src" / "base" / "exit_status.h").read_text()
    statuses = {int(v) for v in re.findall(r"EXIT_\w+\s*=\s*(\d+)", enum)}
    documented = {int(v) for v in re.findall(r"^\.It (\d+)$", _man_section("EXIT STATUS"), re.M)}
    assert statuses == documented


# ---- usage errors: one line, then the pointer to --help, status 64 ----

USAGE_ERRORS = [
    [],
    ["frobnicate"],
    ["--bogus"],
    ["-x"],
    ["--format", "xml", "validate"],
    ["--format"],
    ["-l", "loud", "validate"],
    ["-C", "/nonexistent/dir", "validate"],
    ["--no-color=yes", "validate"],
    ["help", "nope"],
    ["validate", "--bogus"],
    ["validate", "-Z"],
    ["validate", "-f"],
    ["validate", "--format=yaml"],
    ["validate", "a.yaml", "b.yaml"],
    ["validate", "-f", "a.yaml", "b.yaml"],
    ["schema", "--bogus"],
]


@pytest.mark.parametrize("args", USAGE_ERRORS, ids=[" ".join(a) or "no-verb" for a in USAGE_ERRORS])
def test_usage_error(args, tmp_path):
    r = run(*args, cwd=tmp_path)
    assert r.returncode == EXIT_USAGE, r.stderr
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 2, r.stderr
    assert lines[0].startswith("spartac: ") and len(lines[0]) > len("spartac: ")
    assert re.fullmatch(r"try 'spartac( [a-z]+)? --help'", lines[1]), lines[1]
    assert list(tmp_path.iterdir()) == []


def test_unknown_verb_suggests_the_close_one():
    r = run("validat")
    assert r.returncode == EXIT_USAGE
    assert r.stderr == ("spartac: unknown verb 'validat' (did you mean 'validate'?)\n"
                        "try 'spartac --help'\n")


def test_unknown_option_is_named():
    r = run("validate", "--colour")
    assert "--colour" in r.stderr.splitlines()[0]
    assert r.stderr.splitlines()[1] == "try 'spartac validate --help'"


def test_option_argument_missing_is_named():
    r = run("validate", "-f")
    assert r.returncode == EXIT_USAGE
    assert "-f" in r.stderr.splitlines()[0] and "argument" in r.stderr.splitlines()[0]


# ---- which manifest ----

@pytest.fixture
def project(tmp_path):
    (tmp_path / "sparta.yaml").write_text(VALID)
    (tmp_path / "bad.yaml").write_text(INVALID)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "sparta.yaml").write_text(INVALID)
    (tmp_path / "-dash.yaml").write_text(INVALID)
    return tmp_path


def _diag_where(stderr):
    m = re.match(r"^(\S+?):(\d+):(\d+): error: ", stderr)
    assert m, stderr
    return m.group(1), int(m.group(2)), int(m.group(3))


def test_default_manifest_is_sparta_yaml(project):
    r = run("--no-color", "validate", cwd=project)
    assert r.returncode == EXIT_OK, r.stderr
    assert r.stdout == ""


def test_missing_default_manifest(tmp_path):
    r = run("--no-color", "validate", cwd=tmp_path)
    assert r.returncode == EXIT_INVALID
    assert r.stderr.startswith("sparta.yaml: error: cannot read: No such file or directory [E-FILE-READ]")


@pytest.mark.parametrize("args", [
    ["validate", "bad.yaml"],
    ["validate", "-f", "bad.yaml"],
    ["validate", "--file", "bad.yaml"],
    ["validate", "--file=bad.yaml"],
    ["-f", "bad.yaml", "validate"],
    ["validate", "-f", "bad.yaml", "bad.yaml"],
], ids=lambda a: " ".join(a))
def test_manifest_chosen_on_the_command_line(project, args):
    r = run("--no-color", *args, cwd=project)
    assert r.returncode == EXIT_INVALID, r.stderr
    assert _diag_where(r.stderr) == ("bad.yaml", *INVALID_AT)


@pytest.mark.parametrize("args", [
    ["-C", "sub", "validate"],
    ["validate", "-C", "sub"],
    ["-C", "sub", "validate", "sparta.yaml"],
    ["-C", "sub", "validate", "-f", "sparta.yaml"],
], ids=lambda a: " ".join(a))
def test_dash_c_changes_directory_first(project, args):
    r = run("--no-color", *args, cwd=project)
    assert r.returncode == EXIT_INVALID, r.stderr
    assert _diag_where(r.stderr) == ("sparta.yaml", *INVALID_AT)


def test_double_dash_ends_options(project):
    r = run("--no-color", "validate", "--", "-dash.yaml", cwd=project)
    assert r.returncode == EXIT_INVALID, r.stderr
    assert _diag_where(r.stderr) == ("-dash.yaml", *INVALID_AT)


def test_path_is_printed_as_given(project):
    r = run("--no-color", "validate", str(project / "bad.yaml"))
    assert _diag_where(r.stderr) == (str(project / "bad.yaml"), *INVALID_AT)
    r = run("--no-color", "validate", "./sub/../bad.yaml", cwd=project)
    assert _diag_where(r.stderr) == ("./sub/../bad.yaml", *INVALID_AT)


# ---- formats ----

def test_text_goes_to_stderr(project):
    r = run("--no-color", "validate", "bad.yaml", cwd=project)
    assert r.stdout == ""
    assert "[E-YAML-DUPLICATE-KEY]" in r.stderr


def test_json_format(project):
    r = run("--format", "json", "validate", "bad.yaml", cwd=project)
    assert r.returncode == EXIT_INVALID
    assert r.stderr == ""
    diags = json.loads(r.stdout)
    assert isinstance(diags, list) and len(diags) == 1
    d = diags[0]
    assert {"file", "line", "column", "path", "severity", "code", "message"} <= set(d)
    assert (d["file"], d["line"], d["column"]) == ("bad.yaml", *INVALID_AT)
    assert (d["severity"], d["code"]) == ("error", "E-YAML-DUPLICATE-KEY")
    assert "symbol" in d["message"]


def test_json_format_when_valid_is_an_empty_array(project):
    r = run("validate", "--format=json", cwd=project)
    assert r.returncode == EXIT_OK
    assert json.loads(r.stdout) == []
    assert r.stderr == ""


def test_github_format(project):
    r = run("--format", "github", "validate", "bad.yaml", cwd=project)
    assert r.returncode == EXIT_INVALID
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    assert len(lines) == 1
    m = re.fullmatch(r"::error file=([^,]+),line=(\d+),col=(\d+),title=([^:]+)::(.+)", lines[0])
    assert m, lines[0]
    assert (m.group(1), int(m.group(2)), int(m.group(3))) == ("bad.yaml", *INVALID_AT)
    assert m.group(4) == "E-YAML-DUPLICATE-KEY"


def test_github_format_escapes_properties_and_data(tmp_path):
    d = tmp_path / "a,b:c"
    d.mkdir()
    (d / "x.yaml").write_text(INVALID)
    r = run("--format", "github", "validate", "a,b:c/x.yaml", cwd=tmp_path)
    assert r.stdout.startswith("::error file=a%2Cb%3Ac/x.yaml,line=5,col=5,"), r.stdout
    assert "\n" not in r.stdout.rstrip("\n")


def test_github_format_without_position(tmp_path):
    # A file that cannot be read has no line: GitHub wants no line=0.
    r = run("--format", "github", "validate", "missing.yaml", cwd=tmp_path)
    assert r.returncode == EXIT_INVALID
    assert r.stdout.startswith("::error file=missing.yaml,")
    assert "line=0" not in r.stdout and "col=0" not in r.stdout, r.stdout


# ---- colour ----

def run_on_tty(args, cwd, env_extra=None):
    """Runs spartac with stderr on a pseudo-terminal; returns (status, bytes)."""
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env["TERM"] = "xterm"
    env.update(env_extra or {})
    master, slave = pty.openpty()
    p = subprocess.Popen(spartac_cmd(*args), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(timeout=30), out


def test_color_on_a_terminal(project):
    status, out = run_on_tty(["validate", "bad.yaml"], project)
    assert status == EXIT_INVALID
    assert b"\x1b[" in out
    assert b"E-YAML-DUPLICATE-KEY" in out


@pytest.mark.parametrize("how", ["--no-color", "NO_COLOR", "TERM=dumb", "verb --no-color"])
def test_no_color(project, how):
    args, env = ["validate", "bad.yaml"], {}
    if how == "--no-color":
        args = ["--no-color", *args]
    elif how == "verb --no-color":
        args = [*args, "--no-color"]
    elif how == "NO_COLOR":
        env = {"NO_COLOR": "1"}
    else:
        env = {"TERM": "dumb"}
    status, out = run_on_tty(args, project, env)
    assert status == EXIT_INVALID
    assert b"E-YAML-DUPLICATE-KEY" in out
    assert b"\x1b" not in out


def test_no_color_when_piped(project):
    r = run("validate", "bad.yaml", cwd=project)
    assert "\x1b" not in r.stderr


# ---- levels and exit statuses ----

def test_level_error_silences_info(project):
    r = run("--no-color", "validate", cwd=project)
    assert r.returncode == EXIT_OK
    quiet = run("--no-color", "-l", "error", "validate", cwd=project)
    assert quiet.returncode == EXIT_OK
    assert quiet.stderr == ""
    for level in ("warn", "info", "debug"):
        assert run("-l", level, "validate", cwd=project).returncode == EXIT_OK


def test_exit_statuses(project):
    assert run("validate", cwd=project).returncode == EXIT_OK
    assert run("validate", "bad.yaml", cwd=project).returncode == EXIT_INVALID
    assert run("validate", "--nope", cwd=project).returncode == EXIT_USAGE


def test_schema_prints_the_embedded_schema():
    r = run("schema")
    assert r.returncode == EXIT_OK
    assert r.stderr == ""
    assert json.loads(r.stdout) == json.loads((ROOT / "schema" / "sparta.schema.json").read_text())


def test_validate_writes_nothing(project):
    before = sorted(p.name for p in project.rglob("*"))
    run("validate", cwd=project)
    run("validate", "bad.yaml", "--format", "json", cwd=project)
    assert sorted(p.name for p in project.rglob("*")) == before
