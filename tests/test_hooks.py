"""Workflow hooks: order, environment, working directory, no shell, output
passing through, the archive staging directory, and the diagnostics of a
hook that fails, dies from a signal or cannot be started."""
import json
import os
import sys
import zipfile

from conftest import need, run
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
