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
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import BUILD, ROOT, free_port, need, run, spartac_cmd

RUNTIME = ROOT / "src" / "runtime"
HANDLERS = ROOT / "tests" / "runtime"
CFLAGS = ["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra",
          "-Wstrict-prototypes", "-Wmissing-prototypes", "-Wwrite-strings", "-Wshadow", "-Werror"]
RESPONSE_LIMIT = 6291556

# The test manifest: one function per test handler (name -> symbol t_name).
FUNCTIONS = ["hello", "echo", "fail", "sleep", "big", "text", "ctx", "api", "crash", "rc", "badjson",
             "web", "authz"]


# spartac's files the runtime compiles too (the Makefile's RUNTIME_SHARED).
SHARED = ["src/base/util.c", "src/base/cors.c", "src/aws/url.c", "src/aws/sigv4.c", "src/aws/retry_codes.c"]


def bearssl_archive(cc):
    """Debian's libbearssl.a for cc's target, as spartac's build links it."""
    arch = "aarch64" if cc.startswith("aarch64") else "x86_64"
    p = Path(f"/usr/lib/{arch}-linux-gnu/libbearssl.a")
    if not p.exists():
        pytest.fail(f"{p} is missing: run 'sh tools/setup.sh'")
    return [str(p)]


def compile_bootstrap(out, cc="musl-gcc", extra=()):
    """Compiles the runtime + test handlers + dispatch table, static."""
    need(cc)
    srcs = sorted(str(p) for p in RUNTIME.glob("*.c"))
    srcs += [str(ROOT / p) for p in SHARED]
    srcs += [str(HANDLERS / "handlers.c"), str(HANDLERS / "table.c")]
    cmd = [cc, "-static", "-Os", "-s", *CFLAGS, f"-I{ROOT / 'include'}", f"-I{RUNTIME}",
           f"-I{ROOT / 'src'}", "-I/usr/include/bearssl", "-o", str(out), *srcs, *extra,
           *bearssl_archive(cc)]
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


def post_invoke(url, event, timeout):
    """POSTs an event to an emulator's Invoke URL; (http status, body bytes)."""
    req = urllib.request.Request(url, method="POST",
                                 data=event if isinstance(event, bytes) else event.encode())
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


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
                status, body = post_invoke(
                    f"http://127.0.0.1:{self.port}/2015-03-31/functions/_/invocations",
                    event, timeout)
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


def rie_binary():
    """aws-lambda-rie, AWS's Runtime Interface Emulator (Lambda's own core,
    rapid): build/peers (where `sh tools/setup.sh test` installs it from
    tests/go-tools.txt), else PATH. Fails, never skips, when missing."""
    for d in (ROOT / "build" / "peers", BUILD / "peers"):
        if os.access(d / "aws-lambda-rie", os.X_OK):
            return d / "aws-lambda-rie"
    found = shutil.which("aws-lambda-rie")
    if found is None:
        pytest.fail("aws-lambda-rie is not installed: run 'sh tools/setup.sh test' "
                    "(it installs the version pinned in tests/go-tools.txt into build/peers)")
    return Path(found)


class Rie:
    """One aws-lambda-rie running argv as the function with one handler.

    Both of its addresses are on loopback with free ports (its defaults are
    0.0.0.0:8080 and 0.0.0.0:9001). It starts the bootstrap on the first
    invoke and keeps it warm; invoke serially (it panics on concurrent
    invokes). Its log (and the function's output) is in self.logf."""

    def __init__(self, tmp, argv, handler, timeout_s=30, name="rie", extra_env=None):
        self.dir = Path(tmp)
        self.logf = self.dir / f"{name}-{handler}.log"
        exe = rie_binary()
        env = {"PATH": os.environ["PATH"], "_HANDLER": handler,
               "AWS_LAMBDA_FUNCTION_NAME": "rie-test", "AWS_LAMBDA_FUNCTION_TIMEOUT": str(timeout_s),
               "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_REGION": "us-east-1"}
        env.update(extra_env or {})  # the function's own variables
        for _ in range(3):  # a free port can be taken before rie binds it
            self.port, api = free_port(), free_port()
            if api == self.port:
                continue
            self.log = open(self.logf, "wb")
            self.proc = subprocess.Popen(
                [str(exe), "--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
                 "--runtime-api-address", f"127.0.0.1:{api}", *map(str, argv)],
                cwd=self.dir, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                start_new_session=True)
            if self._wait_listening():
                return
            self.close()
        pytest.fail("aws-lambda-rie did not start: " + self.logf.read_text(errors="replace"))

    def _wait_listening(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def invoke(self, event=b"{}", timeout=120):
        """One invocation; returns (http status, body bytes)."""
        return post_invoke(
            f"http://127.0.0.1:{self.port}/2015-03-31/functions/function/invocations",
            event, timeout)

    def runtime_pids(self):
        """The processes rie runs now (the bootstrap is its direct child)."""
        pids = set()
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*"):
            try:
                pids.update(int(p) for p in (task / "children").read_text().split())
            except OSError:
                pass
        return pids

    def text(self):
        return self.logf.read_text(errors="replace")

    def inits(self):
        """How many times rie has started the runtime (cold starts)."""
        return self.text().count("INIT START")

    def close(self):
        """Stops rie (it kills its runtime) and waits for both to end."""
        kids = self.runtime_pids()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        for pid in kids:
            _wait_gone(pid)
        self.log.close()


def _wait_gone(pid, timeout=30):
    """Waits (bounded) until pid, a process rie ran, has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return
        if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return  # ended, not yet reaped by whoever inherited it
        time.sleep(0.05)


class ApiHandler(BaseHTTPRequestHandler):
    """The base of the tests' minimal Runtime API servers: keep-alive,
    quiet, and reply() with a JSON body."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body, headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def one_invocation_413(argv, handler, event, timeout=60):
    """Runs argv as the function under a minimal Runtime API that gives it
    one event, answers its response with 413 (as Lambda does over the
    payload limit), and answers the next /invocation/next with 410, so the
    bootstrap ends on its own: nothing is killed before it has written
    what it writes. Returns (the response size received, its exit status,
    its stderr)."""
    got = {}

    class Api(ApiHandler):

        def do_GET(self):
            if "next" in got:
                self.reply(410, b'{"errorType":"Gone","errorMessage":"no more events"}')
                return
            got["next"] = True
            self.reply(200, event, [("Lambda-Runtime-Aws-Request-Id", "req-413"),
                                    ("Lambda-Runtime-Deadline-Ms",
                                     str(int(time.time() * 1000) + 60000)),
                                    ("Lambda-Runtime-Invoked-Function-Arn",
                                     "arn:aws:lambda:us-east-1:000000000000:function:_")])

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            left = n
            while left > 0:
                chunk = self.rfile.read(min(left, 1 << 16))
                if not chunk:
                    break
                left -= len(chunk)
            got[self.path] = n - left
            self.reply(413, b'{"errorType":"RequestEntityTooLarge",'
                            b'"errorMessage":"Request must be smaller than 6291556 bytes"}')

    env = {"AWS_LAMBDA_FUNCTION_NAME": "_", "_HANDLER": handler,
           "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_REGION": "us-east-1"}
    rc, err = run_under_api(argv, Api, env, timeout)
    size = got.get("/2018-06-01/runtime/invocation/req-413/response")
    return size, rc, err


def run_under_api(argv, api, env, timeout):
    """Runs argv as the function with AWS_LAMBDA_RUNTIME_API pointing at a
    loopback server of the handler class api, and env (PATH added); waits
    (bounded) until it ends on its own. Returns (exit status, stderr)."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), api)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    env = dict(env, PATH=os.environ["PATH"],
               AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{srv.server_address[1]}")
    try:
        fn = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, err = fn.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(fn.pid, signal.SIGKILL)
            fn.communicate()
            pytest.fail(f"the bootstrap did not end within {timeout} s")
    finally:
        srv.shutdown()
        srv.server_close()
    return fn.returncode, err.decode("utf-8", "replace")
