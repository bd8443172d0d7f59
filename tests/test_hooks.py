"""Workflow hooks: order, environment, working directory, no shell, output
passing through, the archive staging directory, and the diagnostics of a
hook that fails, dies from a signal or cannot be started."""
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import need, run, spartac_cmd
from test_build import line_col, make_project

# A hook program: records its name, argv, cwd and SPARTAC_* environment.
RECORDER = r"""import json, os, sys
rec = {"argv": sys.argv[1:], "cwd": os.getcwd(),
       "env": {k: v for k, v in os.environ.items() if k.startswith("SPARTAC_")},
       "stdin": sys.stdin.read()}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "hooks.log"), "a") as f:
    f.write(json.dumps(rec) + "\n")
print("OUT-FROM-" + os.environ["SPARTAC_HOOK"])
staging = os.environ.get("SPARTAC_STAGING_DIR")
if staging:
    os.makedirs(os.path.join(staging, "conf"), exist_ok=True)
    with open(os.path.join(staging, "conf", "settings.json"), "w") as f:
        f.write('{"from": "archive hook"}\n')
    with open(os.path.join(staging, "tool.sh"), "w") as f:
        f.write("#!/bin/sh\n")
    os.chmod(os.path.join(staging, "tool.sh"), 0o700)
"""

HOOKS = ("prebuild", "postbuild", "archive", "premarshal", "postmarshal")


def project_with_hooks(root, hooks):
    make_project(root, files={"tools/rec.py": RECORDER})
    with open(root / "sparta.yaml", "a") as f:
        f.write("hooks:\n")
        for name, argv in hooks.items():
            f.write(f"  {name}: {json.dumps(argv)}\n")
    return root


def build(root, *args, env=None):
    need("musl-gcc")
    return run("build", *args, root / "sparta.yaml", env=env, timeout=120)


def records(root):
    return [json.loads(line) for line in (root / "tools" / "hooks.log").read_text().splitlines()]


def test_every_hook_runs_in_order_with_its_environment(tmp_path):
    # Run from another directory: hooks still start in the project directory.
    root = project_with_hooks(tmp_path / "svc", {
        h: [sys.executable, "tools/rec.py", h, "$(touch pwned)", "*"] for h in HOOKS})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = run("build", root / "sparta.yaml", cwd=elsewhere, timeout=120,
            env={"SPARTAC_STAGING_DIR": "/inherited/must/not/leak",
                 "SPARTAC_ARCHIVE_DIR": "/inherited/must/not/leak"})
    assert r.returncode == 0, r.stderr
    recs = records(root)
    assert [x["env"]["SPARTAC_HOOK"] for x in recs] == list(HOOKS)
    real = os.path.realpath(root)
    for rec, name in zip(recs, HOOKS):
        # No shell: the arguments arrive exactly as written.
        assert rec["argv"] == [name, "$(touch pwned)", "*"]
        assert rec["cwd"] == real
        assert rec["stdin"] == ""
        env = rec["env"]
        assert env["SPARTAC_SERVICE"] == "hello-world"
        assert env["SPARTAC_STAGE"] == ""
        assert env["SPARTAC_PROJECT_DIR"] == real
        assert env["SPARTAC_BUILD_DIR"] == os.path.join(real, ".spartac")
        assert env["SPARTAC_TEMPLATE"] == os.path.join(real, ".spartac", "template.json")
        assert env["SPARTAC_ARCHIVE"] == os.path.join(real, ".spartac", "code.zip")
        if name == "archive":
            assert env["SPARTAC_STAGING_DIR"] == os.path.join(real, ".spartac", "work", "staging")
            # The alias the schema's description named: the same directory.
            assert env["SPARTAC_ARCHIVE_DIR"] == env["SPARTAC_STAGING_DIR"]
        else:
            assert "SPARTAC_STAGING_DIR" not in env
            assert "SPARTAC_ARCHIVE_DIR" not in env
    assert not (root / "pwned").exists() and not (elsewhere / "pwned").exists()
    # A hook's stdout goes to spartac's stderr; spartac's stdout stays clean.
    for name in HOOKS:
        assert f"OUT-FROM-{name}" in r.stderr
        assert f"OUT-FROM-{name}" not in r.stdout


def test_archive_hook_files_go_into_the_zip(tmp_path):
    root = project_with_hooks(tmp_path / "svc", {"archive": [sys.executable, "tools/rec.py"]})
    r = build(root)
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(root / ".spartac" / "code.zip") as z:
        assert z.namelist() == ["bootstrap", "conf/settings.json", "tool.sh"]
        assert z.read("conf/settings.json") == b'{"from": "archive hook"}\n'
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
        assert modes == {"bootstrap": 0o100755, "conf/settings.json": 0o100644,
                         "tool.sh": 0o100755}
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    # Same staged content on a rebuild: the archive is not rewritten.
    before = os.stat(root / ".spartac" / "code.zip").st_mtime_ns
    assert build(root).returncode == 0
    assert os.stat(root / ".spartac" / "code.zip").st_mtime_ns == before


def test_archive_hook_may_not_stage_a_symlink(tmp_path):
    root = make_project(tmp_path / "svc")
    with open(root / "sparta.yaml", "a") as f:
        f.write('hooks:\n  archive: [sh, -c, \'ln -s /etc/passwd "$SPARTAC_STAGING_DIR/passwd"\']\n')
    r = build(root)
    assert r.returncode == 3
    assert "passwd is a symbolic link, not a regular file; it is not archived [E-ARCHIVE-ENTRY]" in r.stderr


def test_archive_hook_may_not_replace_the_bootstrap(tmp_path):
    root = make_project(tmp_path / "svc")
    with open(root / "sparta.yaml", "a") as f:
        f.write('hooks:\n  archive: [sh, -c, \'echo x > "$SPARTAC_STAGING_DIR/bootstrap"\']\n')
    r = build(root)
    assert r.returncode == 3
    assert "two files would be archived as 'bootstrap'" in r.stderr


def test_failing_hook_stops_the_build_naming_it_and_its_status(tmp_path):
    root = make_project(tmp_path / "svc")
    with open(root / "sparta.yaml", "a") as f:
        f.write('hooks:\n  prebuild: [sh, -c, "echo generating; exit 7"]\n')
    r = build(root)
    assert r.returncode == 3
    line, col = line_col((root / "sparta.yaml").read_text(), "[sh, -c")
    assert "generating" in r.stderr
    assert (f"sparta.yaml:{line}:{col}: error: hooks.prebuild: hook 'prebuild' "
            f"(sh -c echo generating; exit 7) exited with status 7 [E-HOOK-FAILED]") in r.stderr
    # Stopped before compiling anything.
    assert "compiling" not in r.stderr
    assert not (root / ".spartac" / "bootstrap").exists()


def test_hook_killed_by_a_signal(tmp_path):
    root = make_project(tmp_path / "svc")
    with open(root / "sparta.yaml", "a") as f:
        f.write('hooks:\n  postbuild: [sh, -c, "kill -TERM $$"]\n')
    r = build(root)
    assert r.returncode == 3
    assert "hook 'postbuild' (sh -c kill -TERM $$) was killed by signal 15 (SIGTERM) [E-HOOK-FAILED]" in r.stderr
    assert not (root / ".spartac" / "code.zip").exists()


def test_hook_program_not_found(tmp_path):
    root = make_project(tmp_path / "svc")
    with open(root / "sparta.yaml", "a") as f:
        f.write("hooks:\n  prebuild: [no-such-generator-xyz, --all]\n")
    r = build(root)
    assert r.returncode == 3
    assert ("hook 'prebuild' could not run 'no-such-generator-xyz': No such file or "
            "directory [E-HOOK-NOT-FOUND]") in r.stderr


# A hook that starts a child of its own, notes both PIDs and waits forever.
SLEEPER = "sleep 1000 & echo $! > child.pid; echo $$ > hook.pid; wait"


def default_signals():
    """For Popen's preexec_fn: spartac keeps a signal that was ignored when
    it started ignored (nohup), and a job a non-interactive shell put in the
    background starts with SIGINT ignored; these tests are about a signal
    that is not."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def gone(pid, within=10.0):
    """Polls (bounded) until pid no longer runs; a zombie counts as gone."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def wait_for_file(path, within=30.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.05)
    raise AssertionError(f"{path} was never written")


def test_hook_is_ended_at_its_timeout(tmp_path):
    root = make_project(tmp_path / "svc")
    with open(root / "sparta.yaml", "a") as f:
        f.write(f"hooks:\n  prebuild: {{command: [sh, -c, '{SLEEPER}'], timeout: 1}}\n")
    t0 = time.monotonic()
    r = build(root)
    assert time.monotonic() - t0 < 30
    assert r.returncode == 3
    line, col = line_col((root / "sparta.yaml").read_text(), "{command")
    assert (f"sparta.yaml:{line}:{col}: error: hooks.prebuild: hook 'prebuild' "
            f"(sh -c {SLEEPER}) was still running after 1 s; it was ended "
            "[E-HOOK-TIMEOUT]") in r.stderr
    assert "compiling" not in r.stderr
    # The hook and the child it started: its whole process group.
    for name in ("hook.pid", "child.pid"):
        assert gone(int((root / name).read_text())), name


def test_hook_timeout_must_be_positive_and_its_default_is_documented(tmp_path):
    root = make_project(tmp_path / "svc")
    with open(root / "sparta.yaml", "a") as f:
        f.write("hooks:\n  prebuild: {command: [sh, -c, 'exit 0'], timeout: 0}\n")
    r = run("validate", root / "sparta.yaml")
    assert r.returncode == 1 and "hooks.prebuild" in r.stderr
    man = (Path(__file__).resolve().parent.parent / "man" / "spartac.1").read_text()
    assert "A hook may run 600 seconds" in man and "E-HOOK-TIMEOUT" in man


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_to_spartac_ends_the_running_hook(tmp_path, sig):
    need("musl-gcc")
    root = make_project(tmp_path / "svc")
    with open(root / "sparta.yaml", "a") as f:
        f.write(f"hooks:\n  prebuild: [sh, -c, '{SLEEPER}']\n")
    p = subprocess.Popen(spartac_cmd("build", root / "sparta.yaml"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=default_signals)
    try:
        hook = wait_for_file(root / "hook.pid")
        child = wait_for_file(root / "child.pid")
        p.send_signal(sig)
        _, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 128 + sig, err
    assert "interrupted: ending the programs it started" in err
    assert gone(hook) and gone(child)


def test_signal_to_spartac_ends_the_running_compilers(tmp_path):
    need("musl-gcc")
    root = make_project(tmp_path / "svc")
    pids = tmp_path / "cc.pids"
    cc = tmp_path / "slowcc"
    # Queries (--version and the like) pass through; compiles hang, each
    # with a child of its own, noting both PIDs.
    cc.write_text('#!/bin/sh\ncase " $* " in *" -c "*)\n'
                  f'  sleep 1000 & echo "$$ $!" >> {pids}; wait;;\n'
                  'esac\nexec musl-gcc "$@"\n')
    cc.chmod(0o755)
    env = dict(os.environ, SPARTAC_CC=str(cc))
    env.pop("NO_COLOR", None)
    p = subprocess.Popen(spartac_cmd("build", root / "sparta.yaml"), env=env,
                         preexec_fn=default_signals,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
                pids.exists() and pids.read_text().count("\n") >= 1):
            time.sleep(0.05)
        time.sleep(0.3)  # let the other compiles start too
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 143, err
    started = [int(x) for x in pids.read_text().split()]
    assert started
    assert all(gone(pid) for pid in started)
