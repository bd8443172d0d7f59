"""Shared fixtures: where the binary is, how to run it, free ports.

SPARTAC_BUILD names the build directory (make check sets it); under
SPARTAC_VALGRIND=1 every spartac run goes through valgrind with leak checks.
"""
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
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


@contextlib.contextmanager
def moto_server(tmp_path_factory, name, ordered=False):
    """moto server on loopback, for the suite's moto fixtures: yields its
    URL once it answers; stops it on the way out, whatever happened. With
    ordered, through tests/tools/moto_server_ordered.py (three moto bugs
    fixed in the server; see there)."""
    need("moto_server")
    port = free_port()
    if ordered:
        argv = [sys.executable, str(ROOT / "tests" / "tools" / "moto_server_ordered.py")]
    else:
        argv = ["moto_server"]
    log = open(tmp_path_factory.mktemp(name) / "moto.log", "w")
    proc = subprocess.Popen([*argv, "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("moto_server exited: run 'sh tools/setup.sh test'")
                if time.monotonic() > deadline:
                    pytest.fail("moto_server did not start in 60 s")
                time.sleep(0.1)
        yield url
    finally:
        proc.kill()
        proc.wait()
        log.close()


def offline_aws_env(home, region):
    """Test credentials and a region for moto, with nothing read from the
    real machine: no shared files, no instance metadata; HOME is home."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "HOME": str(home),
    }


def run_on_terminal(args, cwd, env, answer, what, limit=240):
    """spartac ARGS on a pseudo-terminal; writes answer (bytes, or None to
    close the terminal's input with an end of file) when it asks [y/N]; a
    list of them answers each question in turn. Returns (questions
    answered, wait status, output). A run that has not ended
    limit seconds after it started, or 30 s after its terminal closed, is
    killed and the test fails: a hang becomes a failure."""
    import pty
    import select
    import signal
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        cmd = spartac_cmd(*args)
        os.execvpe(cmd[0], cmd, env)
    answers = answer if isinstance(answer, list) else [answer]
    out, answered = b"", 0
    deadline = time.time() + limit
    try:
        while time.time() < deadline:
            ready, _, _ = select.select([fd], [], [], 1)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if answered < len(answers) and out.count(b"[y/N]") > answered:
                # ^D at the start of a line: the reader gets end of file
                a = answers[answered]
                os.write(fd, a if a is not None else b"\x04")
                answered += 1
        status = None
        end = min(deadline, time.time() + 30)
        while status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
            elif time.time() >= end:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail(f"spartac {what} did not end; killed:\n" +
                            out.decode("utf-8", "replace"))
            else:
                time.sleep(0.1)
    finally:
        os.close(fd)
    return answered, status, out.decode("utf-8", "replace")


def run_peer(endpoint, project, *args, timeout=300):
    """spartac ARGS in project against the local peer at endpoint, with
    offline_aws_env(project, "us-east-1")."""
    return run(*args, "--endpoint-url", endpoint, cwd=project,
               env=offline_aws_env(project, "us-east-1"), timeout=timeout)
