"""Progress on a terminal, plain lines elsewhere: spartac build seen through a
pseudo-terminal and through a pipe."""
import os
import pty
import select
import shutil
import subprocess

from conftest import ROOT, spartac_cmd, run


def _service(tmp_path):
    r = run("init", str(tmp_path / "svc"))
    assert r.returncode == 0, r.stderr
    return tmp_path / "svc"


def test_pipe_gets_plain_lines_only(tmp_path):
    svc = _service(tmp_path)
    r = run("build", cwd=svc)
    assert r.returncode == 0, r.stderr
    assert "compiling" in r.stderr
    assert "\r" not in r.stderr and "\x1b" not in r.stderr


def test_terminal_gets_live_counts(tmp_path):
    svc = _service(tmp_path)
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "SPARTAC_METER_FORCE")}
    env["TERM"] = "xterm"
    p = subprocess.Popen(spartac_cmd("build"), cwd=svc, stdin=slave, stdout=slave,
                         stderr=slave, env=env)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    assert p.wait(60) == 0, out.decode(errors="replace")
    text = out.decode(errors="replace")
    assert "\r\x1b[Kcompiling 0/9" in text, text
    assert "\r\x1b[Kcompiling 9/9" in text, text
