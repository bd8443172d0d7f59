"""Helpers for the runtime and invoke tests: compiling test bootstraps from
the runtime sources, the Go peer built on aws-lambda-go, and the
cargo-lambda Runtime API server (a third-party Lambda emulator).

The test functions live in tests/runtime/handlers.c (C) and
tests/runtime/go/main.go (Go), with the same names and behaviour.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import BUILD, ROOT, free_port, need, run, spartac_cmd

RUNTIME = ROOT / "src" / "runtime"
HANDLERS = ROOT / "tests" / "runtime"
CFLAGS = ["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra",
          "-Wstrict-prototypes", "-Wmissing-prototypes", "-Wwrite-strings", "-Wshadow", "-Werror"]
RESPONSE_LIMIT = 6291556

# The test manifest: one function per test handler (name -> symbol t_name).
FUNCTIONS = ["hello", "echo", "fail", "sleep", "big", "text", "ctx", "api", "crash", "rc", "badjson"]


def compile_bootstrap(out, cc="musl-gcc", extra=()):
    """Compiles the runtime + test handlers + dispatch table, static."""
    need(cc)
    srcs = sorted(str(p) for p in RUNTIME.glob("*.c"))
    srcs += [str(HANDLERS / "handlers.c"), str(HANDLERS / "table.c")]
    cmd = [cc, "-static", "-Os", "-s", *CFLAGS, f"-I{ROOT / 'include'}", f"-I{RUNTIME}",
           "-o", str(out), *srcs, *extra]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return Path(out)


def go_bootstrap(out):
    """Builds tests/runtime/go (aws-lambda-go) into out."""
    need("go")
    env = dict(os.environ, CGO_ENABLED="0", GOFLAGS="-mod=mod")
    r = subprocess.run(["go", "build", "-trimpath", "-ldflags", "-s -w", "-o", str(out), "."],
                       cwd=HANDLERS / "go", env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, "go build of the aws-lambda-go peer failed " \
        "(run 'sh tools/setup.sh test'):\n" + r.stderr
    return Path(out)


def write_project(d, arch=None, timeouts=None):
    """A sparta.yaml naming every test function (for `invoke --bootstrap`)."""
    timeouts = timeouts or {"sleep": 1}
    lines = ["service: rt-test"]
    if arch:
        lines += ["build:", f"  architecture: {arch}"]
    lines.append("functions:")
    for f in FUNCTIONS:
        extra = f", timeout: {timeouts[f]}" if f in timeouts else ""
        lines.append(f"  {f}: {{symbol: t_{f}{extra}}}")
    lines.append("  ghost: {symbol: t_ghost}")  # in the manifest, not in the bootstrap
    (Path(d) / "sparta.yaml").write_text("\n".join(lines) + "\n")
    return Path(d)


def invoke(project, func, bootstrap, event=b"{}", timeout=60):
    """spartac invoke; returns (status, stdout bytes, stderr text)."""
    ev = Path(project) / f"event-{func}.json"
    ev.write_bytes(event if isinstance(event, bytes) else event.encode())
    cmd = spartac_cmd("invoke", func, "--bootstrap", bootstrap, "--event", ev)
    r = subprocess.run(cmd, cwd=project, capture_output=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr.decode("utf-8", "replace")


def outcome(status_ok, payload):
    """Normalises one invocation to ('ok', bytes) or ('error', type, message)."""
    if status_ok:
        return ("ok", payload)
    doc = json.loads(payload)
    return ("error", doc.get("errorType"), doc.get("errorMessage"))


def invoke_outcome(project, func, bootstrap, event=b"{}"):
    status, out, err = invoke(project, func, bootstrap, event)
    assert status in (0, 5), err
    return outcome(status == 0, out)


class CargoLambda:
    """`cargo lambda watch --only-lambda-apis`: a Runtime API server (Rust,
    third-party) that we run bootstraps against, one at a time."""

    def __init__(self, tmp):
        need("cargo-lambda")
        self.dir = Path(tmp)
        # It insists on a Cargo project in its working directory.
        (self.dir / "Cargo.toml").write_text(
            '[package]\nname = "bootstrap"\nversion = "0.1.0"\nedition = "2021"\n'
            '[[bin]]\nname = "bootstrap"\npath = "main.rs"\n')
        (self.dir / "main.rs").write_text("fn main() {}\n")
        self.port = free_port()
        self.log = open(self.dir / "cargo-lambda.log", "wb")
        self.proc = subprocess.Popen(
            ["cargo-lambda", "lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1",
             "-P", str(self.port)], cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.close()
        pytest.fail("cargo-lambda did not start: " + (self.dir / "cargo-lambda.log").read_text())

    def api(self):
        return f"http://127.0.0.1:{self.port}/.rt"

    def run(self, argv, handler, event=b"{}", env=None, timeout=30):
        """Starts argv as the function, sends one event, stops it.
        Returns (http status, body bytes, the function's stderr)."""
        full = {"PATH": os.environ["PATH"], "AWS_LAMBDA_RUNTIME_API": self.api(),
                "AWS_LAMBDA_FUNCTION_NAME": "_", "_HANDLER": handler,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_REGION": "us-east-1"}
        full.update(env or {})
        logf = self.dir / f"fn-{handler}.log"
        with open(logf, "wb") as log:
            fn = subprocess.Popen(argv, env=full, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
            try:
                req = urllib.request.Request(
                    f"http://127.0.0.1:{self.port}/2015-03-31/functions/_/invocations",
                    data=event if isinstance(event, bytes) else event.encode(), method="POST")
                try:
                    with urllib.request.urlopen(req, timeout=timeout) as resp:
                        status, body = resp.status, resp.read()
                except urllib.error.HTTPError as e:
                    status, body = e.code, e.read()
            finally:
                os.killpg(fn.pid, signal.SIGKILL)
                fn.wait()
        return status, body, logf.read_text(errors="replace")

    def outcome(self, argv, handler, event=b"{}"):
        status, body, log = self.run(argv, handler, event)
        assert status in (200, 500), (status, body, log)
        return outcome(status == 200, body)

    def close(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.log.close()


def empty_root(tmp, bootstrap):
    """A directory holding only the bootstrap (nothing from the host)."""
    root = Path(tmp) / "emptyroot"
    root.mkdir()
    shutil.copy(bootstrap, root / "bootstrap")
    os.chmod(root / "bootstrap", 0o755)
    return root


def chroot_argv(root):
    """How to run /bootstrap inside root: chroot as root, else a user namespace."""
    if os.geteuid() == 0:
        need("chroot")
        return [shutil.which("chroot"), str(root), "/bootstrap"]
    need("unshare")
    return [shutil.which("unshare"), "-r", f"--root={root}", "/bootstrap"]
