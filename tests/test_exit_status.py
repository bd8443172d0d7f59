"""One table of exit statuses (issue 19, item 5): man/spartac.1's EXIT
STATUS and src/base/exit_status.h list the same numbers, and real runs
exit with the status the man page gives for what happened."""
import os
import re
import subprocess

import pytest

from conftest import ROOT, run
from test_deploy_site_state import SOURCE as GOOD

MANIFEST = "service: exit-status\nfunctions:\n  hello:\n    symbol: hello\n"


def man_table():
    """{status: text} from the man page's EXIT STATUS list."""
    text = (ROOT / "man" / "spartac.1").read_text()
    body = text.split(".Sh EXIT STATUS", 1)[1].split(".El", 1)[0]
    table, cur = {}, None
    for line in body.splitlines():
        m = re.match(r"\.It (\d+)$", line)
        if m:
            cur = int(m.group(1))
            table[cur] = ""
        elif cur is not None and not line.startswith(".Bl"):
            table[cur] += re.sub(r"^\.\w+ ", "", line) + " "
    return table


def header_table():
    """{status: name} from exit_status.h's enum."""
    text = (ROOT / "src" / "base" / "exit_status.h").read_text()
    return {int(v): k for k, v in re.findall(r"(EXIT_\w+) = (\d+)", text)}


TABLE = man_table()


def test_the_man_page_and_the_header_list_the_same_statuses():
    assert set(TABLE) == set(header_table()), (sorted(TABLE), sorted(header_table()))
    assert len(TABLE) >= 10


def project(tmp_path, source=GOOD):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "h.c").write_text(source)
    (tmp_path / "sparta.yaml").write_text(MANIFEST)
    return tmp_path


def status(r, expected, words):
    """The run exited with expected, and the man page's line for it says
    words (so the case is the one documented)."""
    assert r.returncode == expected, (r.returncode, r.stderr)
    assert expected in TABLE, expected
    for w in words:
        assert w in TABLE[expected], (expected, TABLE[expected])


def test_valid_is_0(tmp_path):
    status(run("validate", cwd=project(tmp_path)), 0, ["Success"])


def test_a_manifest_with_errors_is_1(tmp_path):
    (tmp_path / "sparta.yaml").write_text("service: 'no spaces allowed'\n")
    status(run("validate", cwd=tmp_path), 1, ["manifest has errors"])


def test_a_missing_manifest_is_1(tmp_path):
    r = run("validate", "missing.yaml", cwd=tmp_path)
    status(r, 1, ["cannot be read", "missing manifest"])
    assert "missing.yaml" in r.stderr and "[E-FILE-READ]" in r.stderr


def test_a_compile_error_is_3(tmp_path):
    p = project(tmp_path, source=GOOD.replace("return 0;", "return nope;"))
    r = run("build", cwd=p, timeout=120)
    status(r, 3, ["Compiling"])


def test_a_usage_error_is_64(tmp_path):
    status(run("validate", "--no-such-option", cwd=tmp_path), 64, ["Usage error"])


def test_no_region_is_4(tmp_path):
    p = project(tmp_path)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    r = run("deploy", cwd=p, env=env, timeout=120)
    status(r, 4, ["AWS call"])
    assert "NoRegion" in r.stderr


def test_a_full_disk_on_stdout_is_74(tmp_path):
    with open("/dev/full", "w") as full:
        r = subprocess.run([os.environ.get("SPARTAC_BUILD", str(ROOT / "build")) + "/spartac",
                            "schema"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    status(r, 74, ["could not be read or written"])


def test_an_unwritable_build_directory_is_74_and_names_the_path(tmp_path):
    # root ignores permission bits: a directory nobody may create files in
    # (procfs) stands in for a read-only .spartac/work, whoever runs this
    p = project(tmp_path)
    (p / ".spartac").mkdir()
    os.symlink("/proc/1", p / ".spartac" / "work")
    r = run("build", cwd=p, timeout=120)
    status(r, 74, ["read-only", "full disk"])
    assert f"cannot write {p}/.spartac/work/" in r.stderr or \
        f"cannot create {p}/.spartac/work" in r.stderr, r.stderr
    assert "[E-BUILD-IO]" in r.stderr
    assert "compiler" not in r.stderr.lower(), r.stderr


@pytest.mark.parametrize("sig,code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_signal_statuses_are_documented(sig, code):
    # the runs themselves are in test_deploy_site_state.py and test_hooks.py
    assert sig in TABLE[code]
