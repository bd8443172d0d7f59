"""The runtime against real peers.

- Our bootstrap under cargo-lambda's Runtime API server (a third-party Lambda
  emulator) and under `spartac invoke` gives the same results: a JSON
  response, a function error, non-ASCII bytes in and out, a response just
  under the payload limit. cargo-lambda sends lower-case header names and
  an AWS_LAMBDA_RUNTIME_API with a scheme and a path prefix, so this also
  covers header case and address parsing.
- A bootstrap built on AWS's own client library (aws-lambda-go) under
  `spartac invoke`: the emulator speaks the API that client expects, for
  success, error, timeout and both sides of the payload limit.
- Where cargo-lambda does not model Lambda (init errors, timeouts, the
  6 MB limit) `spartac invoke` is checked against Lambda's documented
  behaviour, with our bootstrap and with the aws-lambda-go one.
- The static x86_64 bootstrap runs in an empty root directory, and the
  arm64 one under qemu-aarch64.

The runtime under aws-lambda-rie (AWS's Runtime Interface Emulator) is in
test_rie.py.
"""
import json
import os
import platform
import subprocess
import time

import pytest

from conftest import BUILD, ROOT, VALGRIND, need
from runtimelib import (RESPONSE_LIMIT, CargoLambda, chroot_argv, compile_bootstrap,
                        empty_root, go_bootstrap, invoke, invoke_outcome, one_invocation_413,
                        write_project)

TEXT_EVENT = json.dumps({"text": "h\u00e9llo \u2713 \U0001F600 \u4e2d\u6587 \\ \" \n \u0000"},
                        ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("rt")


@pytest.fixture(scope="module")
def bootstrap(work):
    return compile_bootstrap(work / "bootstrap")


@pytest.fixture(scope="module")
def gobootstrap(work):
    return go_bootstrap(work / "gobootstrap")


@pytest.fixture(scope="module")
def project(work):
    d = work / "proj"
    d.mkdir()
    return write_project(d)


@pytest.fixture(scope="module")
def cargo(work):
    d = work / "cargo"
    d.mkdir()
    c = CargoLambda(d)
    yield c
    c.close()


CASES = {
    "json": ("hello", b"{}"),
    "function-error": ("fail", b'{"why":"d\xc3\xa9j\xc3\xa0 vu"}'),
    "non-ascii": ("text", TEXT_EVENT),
    "echo-non-ascii": ("echo", TEXT_EVENT),
    "just-under-limit": ("big", json.dumps({"size": RESPONSE_LIMIT}).encode()),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_cargo_lambda_and_invoke_agree(case, bootstrap, project, cargo):
    func, event = CASES[case]
    theirs = cargo.outcome([str(bootstrap)], func, event)
    ours = invoke_outcome(project, func, bootstrap, event)
    assert theirs == ours


def test_expected_results(bootstrap, project):
    """What the agreed results are, so agreeing on nonsense fails."""
    assert invoke_outcome(project, "hello", bootstrap) == ("ok", b'{"greeting":"hello, world"}')
    assert invoke_outcome(project, "fail", bootstrap, CASES["function-error"][1]) == \
        ("error", "Function.Oops", "it failed: d\u00e9j\u00e0 vu")
    ok, body = invoke_outcome(project, "text", bootstrap, TEXT_EVENT)
    doc = json.loads(body)
    assert doc["text"] == json.loads(TEXT_EVENT)["text"]
    assert doc["fixed"] == "h\u00e9llo \u2713 \U0001F600 \u4e2d\u6587"
    # Bytes that are not UTF-8 come out as U+FFFD, one per byte.
    assert doc["invalid"] == "a\ufffdb\ufffdc\ufffd\ufffd\ufffdd\u0000e\u0001\u001f\"\\/"
    ok, body = invoke_outcome(project, "echo", bootstrap, TEXT_EVENT)
    assert body == TEXT_EVENT
    ok, body = invoke_outcome(project, "big", bootstrap, CASES["just-under-limit"][1])
    assert ok == "ok" and len(body) == RESPONSE_LIMIT


def test_just_over_limit(bootstrap, gobootstrap, project):
    """Lambda answers 413; the runtime makes no follow-up error call and the
    invocation fails with Function.ResponseSizeTooLarge."""
    event = json.dumps({"size": RESPONSE_LIMIT + 1}).encode()
    for b in (bootstrap, gobootstrap):
        status, out, err = invoke(project, "big", b, event)
        assert status == 5, err
        doc = json.loads(out)
        assert doc["errorType"] == "Function.ResponseSizeTooLarge"
        assert "exceeded maximum allowed payload size (6291556 bytes)" in doc["errorMessage"]
        assert "Invalid request ID" not in err and "HTTP 400" not in err
    # The bootstrap says so after the 413, and invoke ends the invocation
    # (and its process group) on that reply: its log line is checked under
    # a Runtime API that lets it end on its own.
    size, rc, err = one_invocation_413([str(bootstrap)], "big", event)
    assert size == RESPONSE_LIMIT + 1, (size, err)
    assert "over Lambda's limit; Lambda reports the error" in err, err
    assert "HTTP 400" not in err, err


def test_unknown_handler(bootstrap, project):
    status, out, err = invoke(project, "ghost", bootstrap)
    assert status == 5
    doc = json.loads(out)
    assert doc["errorType"] == "Runtime.NoSuchHandler"
    assert "handler 'ghost' is not in this bootstrap" in doc["errorMessage"]
    assert "failed: Runtime.NoSuchHandler: handler 'ghost'" in err


@pytest.mark.parametrize("which", ["c", "go"])
def test_timeout(which, bootstrap, gobootstrap, project):
    b = bootstrap if which == "c" else gobootstrap
    t0 = time.monotonic()
    status, out, err = invoke(project, "sleep", b, b'{"ms":5000}')
    elapsed = time.monotonic() - t0
    assert status == 5, err
    assert json.loads(out) == {"errorMessage": "Task timed out after 1.00 seconds",
                               "errorType": "Sandbox.Timedout"}
    assert "sleep timed out: Sandbox.Timedout" in err
    assert 1.0 <= elapsed < (15.0 if VALGRIND else 5.0)
    # Under the timeout it answers.
    status, out, err = invoke(project, "sleep", b, b'{"ms":200}')
    assert status == 0 and json.loads(out) == {"slept": 200}


def test_go_client_under_invoke(gobootstrap, project):
    """aws-lambda-go, AWS's client, under our emulator."""
    assert invoke_outcome(project, "hello", gobootstrap) == ("ok", b'{"greeting":"hello, world"}')
    kind, etype, msg = invoke_outcome(project, "fail", gobootstrap, b'{"why":"x"}')
    assert (kind, etype, msg) == ("error", "oops", "it failed: x")
    ok, body = invoke_outcome(project, "big", gobootstrap,
                              json.dumps({"size": RESPONSE_LIMIT}).encode())
    assert ok == "ok" and len(body) == RESPONSE_LIMIT


def test_context_and_environment(bootstrap, project):
    ok, body = invoke_outcome(project, "ctx", bootstrap)
    doc = json.loads(body)
    assert doc["handler"] == "ctx"
    assert doc["function_name"] == "rt-test-ctx"
    # the local account, as AWS::AccountId in environment values resolves
    assert doc["function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:rt-test-ctx"
    assert len(doc["request_id"]) == 36
    assert doc["trace_id"].startswith("Root=1-") and doc["trace_env"] == doc["trace_id"]
    assert doc["remaining_ok"] is True
    assert doc["memory_mb"] == 128


def test_crash_and_bad_returns(bootstrap, project):
    kind, etype, msg = invoke_outcome(project, "crash", bootstrap)
    assert etype == "Runtime.ExitError" and "signal" in msg
    assert invoke_outcome(project, "rc", bootstrap)[1:] == \
        ("Function.Error", "handler rc returned 3 without calling sparta_error")
    assert invoke_outcome(project, "badjson", bootstrap)[1] == "Runtime.InvalidJSON"


def test_api_gateway_event(bootstrap, project):
    event = json.dumps({
        "resource": "/items/{id}", "path": "/items/42", "httpMethod": "GET",
        "headers": {"X-Test": "caf\u00e9"}, "queryStringParameters": {"q": "a b"},
        "pathParameters": {"id": "42"}, "body": "aGk=", "isBase64Encoded": True}).encode()
    ok, body = invoke_outcome(project, "api", bootstrap, event)
    doc = json.loads(body)
    assert doc["statusCode"] == 200 and doc["isBase64Encoded"] is False
    assert doc["headers"] == {"Content-Type": "application/json"}
    assert json.loads(doc["body"]) == {"method": "GET", "path": "/items/42", "route": "/items/{id}",
                                       "id": "42", "q": "a b", "x_test": "caf\u00e9", "body": "hi",
                                       "version": 1}


def test_empty_root(bootstrap, work, project, cargo):
    """The static bootstrap needs nothing from the host: run it in a root
    directory that holds only itself, under both emulators."""
    root = empty_root(work, bootstrap)
    assert sorted(p.name for p in root.iterdir()) == ["bootstrap"]
    argv = chroot_argv(root)
    assert cargo.outcome(argv, "hello") == ("ok", b'{"greeting":"hello, world"}')
    assert cargo.outcome(argv, "text", TEXT_EVENT) == invoke_outcome(project, "text", bootstrap,
                                                                      TEXT_EVENT)
    # And under spartac invoke, through a launcher that chroots.
    launcher = work / "chroot-launcher"
    launcher.write_text("#!/bin/sh\nexec " + " ".join(argv) + "\n")
    os.chmod(launcher, 0o755)
    assert invoke_outcome(project, "hello", launcher) == ("ok", b'{"greeting":"hello, world"}')


def test_arm64_under_qemu(work, tmp_path, cargo):
    """The arm64 static bootstrap (aarch64-linux-musl-gcc) under
    qemu-aarch64, against both emulators; invoke picks qemu for an arm64
    manifest on an x86_64 host by itself."""
    need("qemu-aarch64")
    b = compile_bootstrap(work / "bootstrap-arm64", cc="aarch64-linux-musl-gcc")
    assert open(b, "rb").read(20)[18] == 183  # e_machine EM_AARCH64
    proj = write_project(tmp_path, arch="arm64")
    if platform.machine() == "aarch64":
        argv = [str(b)]
    else:
        argv = ["qemu-aarch64", str(b)]
    assert cargo.outcome(argv, "hello") == ("ok", b'{"greeting":"hello, world"}')
    assert cargo.outcome(argv, "text", TEXT_EVENT) == invoke_outcome(proj, "text", b, TEXT_EVENT)
    assert invoke_outcome(proj, "fail", b, b'{"why":"arm"}') == \
        ("error", "Function.Oops", "it failed: arm")


def _link_against_libspartac(src, exe):
    san = os.environ.get("SPARTAC_SANITIZER")
    flags = [f"-fsanitize={san}"] if san else []
    lib = BUILD / "libspartac.a"
    r = subprocess.run(["make", "-s", f"BUILD={BUILD}", str(lib)] +
                       ([f"SANITIZER={san}"] if san else []), cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    pc = subprocess.run(["pkg-config", "--cflags", "--libs", "yaml-0.1", "libcjson", "libzip",
                         "expat", "openssl"], capture_output=True, text=True).stdout.split()
    r = subprocess.run(["cc", "-O1", "-std=c11", "-D_POSIX_C_SOURCE=200809L", *flags,
                        f"-I{ROOT / 'src'}", "-o", str(exe), str(src), str(lib), *pc, "-lm"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return exe


def test_warm_process_reuse(bootstrap, gobootstrap, work):
    """The emulator keeps one process warm across invocations (what `serve`
    will pool), with our client and AWS's: bench/emu_bench checks that each
    warm invocation succeeds without a cold start."""
    exe = _link_against_libspartac(ROOT / "bench" / "emu_bench.c", work / "emu_bench")
    for b in (bootstrap, gobootstrap):
        r = subprocess.run([str(exe), str(b), "hello", "3", "300"], capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        assert doc["failed"] == 0 and doc["warm"] == 300
        assert 0 < doc["init_min_ms"] < 1000


def test_sandbox_lifecycle(bootstrap, work):
    """Warm after success and after a function error; a new process after a
    timeout, a crash and an init error, as on Lambda."""
    exe = _link_against_libspartac(ROOT / "tests" / "runtime" / "emu_driver.c", work / "emu_driver")
    seq = ["hello:{}", "hello:{}", "sleep:{\"ms\":3000}", "sleep:{\"ms\":10}",
           "fail:{}", "fail:{}", "crash:{}", "crash:{}", "nosuch:{}", "nosuch:{}"]
    r = subprocess.run([str(exe), str(bootstrap), "1", *seq], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    got = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(g["outcome"], g["cold"], g.get("type")) for g in got] == [
        ("ok", True, None), ("ok", False, None),
        ("timeout", True, "Sandbox.Timedout"), ("ok", True, None),
        ("error", True, "Function.Oops"), ("error", False, "Function.Oops"),
        ("error", True, "Runtime.ExitError"), ("error", True, "Runtime.ExitError"),
        ("error", True, "Runtime.NoSuchHandler"), ("error", True, "Runtime.NoSuchHandler"),
    ]
