"""`spartac invoke FUNC`: the whole path from sparta.yaml (build, then the
emulator), the verb's options and its failure modes. The runtime's
behaviour against peers is in test_runtime_peers.py."""
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, VALGRIND, run, spartac_cmd
from runtimelib import FUNCTIONS

EXIT_IO, EXIT_USAGE, EXIT_BUILD, EXIT_FUNCTION = 74, 64, 3, 5


class _CfnLoader(yaml.SafeLoader):
    """Reads a manifest with CloudFormation short-form tags (values unused)."""


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


@pytest.fixture(scope="module")
def proj(tmp_path_factory):
    """A project whose sources are the test handlers, built by spartac."""
    d = tmp_path_factory.mktemp("invoke")
    (d / "src").mkdir()
    shutil.copy(ROOT / "tests" / "runtime" / "handlers.c", d / "src" / "handlers.c")
    lines = ["service: inv", "build:", "  sources: [src/*.c]", "functions:"]
    for f in FUNCTIONS:
        extra = ", timeout: 1" if f == "sleep" else ""
        if f == "ctx":
            extra = ", memory: 256, environment: {GREETING: hi, N: 3}"
        lines.append(f"  {f}: {{symbol: t_{f}{extra}}}")
    lines += ["stages:", "  prod:", "    functions:",
              "      ctx: {environment: {GREETING: prod-hi}}",
              "      sleep: {timeout: 2}"]
    (d / "sparta.yaml").write_text("\n".join(lines) + "\n")
    r = run("invoke", "hello", cwd=d, timeout=300)  # the first build
    assert r.returncode == 0, r.stderr
    return d


def inv(proj, *args, input=None, env=None):
    full = dict(os.environ, **(env or {}))
    return subprocess.run(spartac_cmd("invoke", *args), cwd=proj, input=input,
                          capture_output=True, env=full, timeout=120)


def test_builds_then_invokes(proj):
    r = inv(proj, "hello")
    assert r.returncode == 0, r.stderr
    assert r.stdout == b'{"greeting":"hello, world"}'  # exactly, no newline off a tty
    assert b"compiling" not in r.stderr  # the build is incremental
    assert (proj / ".spartac" / "bootstrap").exists()


def test_event_from_stdin_and_file(proj, tmp_path):
    event = '{"text":"\u00fcber \U0001F680"}'.encode()
    r = inv(proj, "echo", "--event", "-", input=event)
    assert r.returncode == 0 and r.stdout == event
    f = tmp_path / "ev.json"
    f.write_bytes(event)
    r = inv(proj, "echo", "--event", str(f))
    assert r.returncode == 0 and r.stdout == event
    r = inv(proj, "echo")  # default event
    assert r.returncode == 0 and r.stdout == b"{}"


def test_environment_memory_and_stage(proj):
    r = inv(proj, "ctx", env={"SPARTA_TEST_LEAK": "secret-ish"})
    doc = json.loads(r.stdout)
    assert doc["greeting"] == "hi"
    assert doc["memory_mb"] == 256
    assert doc["function_name"] == "inv-ctx"
    assert doc["leak"] is None  # spartac's own environment is not passed on
    assert doc["task_root"] == str((proj / ".spartac").resolve())
    r = inv(proj, "ctx", "--stage", "prod")
    assert json.loads(r.stdout)["greeting"] == "prod-hi"
    r = inv(proj, "ctx", "--region", "eu-west-3")
    assert json.loads(r.stdout)["region"] == "eu-west-3"


def test_function_error(proj):
    r = inv(proj, "fail", "--event", "-", input=b'{"why":"no \xc3\xa9"}')
    assert r.returncode == EXIT_FUNCTION
    assert json.loads(r.stdout) == {"errorMessage": "it failed: no \u00e9",
                                    "errorType": "Function.Oops", "stackTrace": []}
    assert "spartac: fail failed: Function.Oops: it failed: no \u00e9\n" in r.stderr.decode()


def test_timeout_kills_the_process(proj):
    t0 = time.monotonic()
    r = inv(proj, "sleep", "--event", "-", input=b'{"ms":20000}')
    assert r.returncode == EXIT_FUNCTION
    assert time.monotonic() - t0 < (20 if VALGRIND else 5)  # not the 20 s it asked for
    assert b"sleep timed out: Sandbox.Timedout: Task timed out after 1.00 seconds" in r.stderr
    boot = str((proj / ".spartac" / "bootstrap").resolve())
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert boot not in ps
    # The stage's timeout (2 s) applies with --stage.
    r = inv(proj, "sleep", "--stage", "prod", "--event", "-", input=b'{"ms":1500}')
    assert r.returncode == 0 and json.loads(r.stdout) == {"slept": 1500}


def test_unknown_function_suggests(proj):
    r = inv(proj, "helo")
    assert r.returncode == EXIT_USAGE
    assert r.stderr.decode().splitlines() == [
        "spartac: sparta.yaml has no function 'helo' (did you mean 'hello'?)",
        "try 'spartac invoke --help'"]
    assert r.stdout == b""


def test_usage_and_io_errors(proj, tmp_path):
    r = inv(proj)
    assert r.returncode == EXIT_USAGE and b"which function?" in r.stderr
    r = inv(proj, "hello", "--event", str(tmp_path / "missing.json"))
    assert r.returncode == EXIT_IO and b"missing.json" in r.stderr
    big = tmp_path / "big.json"
    big.write_bytes(b'"' + b"x" * 6291456 + b'"')
    # Over the limit is a bad argument (Lambda refuses it before running
    # anything), not an I/O error.
    r = inv(proj, "echo", "--event", str(big))
    assert r.returncode == EXIT_USAGE and b"over Lambda's 6 MB limit" in r.stderr
    r = inv(proj, "echo", "--event", "-", input=big.read_bytes())
    assert r.returncode == EXIT_USAGE and b"over Lambda's 6 MB limit" in r.stderr


def test_compile_error_is_a_build_failure(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bad.c").write_text(
        "#include <sparta/lambda.h>\nint broken(const char *e, size_t n, struct sparta_context *c,\n"
        "    struct sparta_response *r) { return undeclared_thing; }\n")
    (tmp_path / "sparta.yaml").write_text("service: bad\nfunctions:\n  f: {symbol: broken}\n")
    r = run("invoke", "f", cwd=tmp_path, timeout=120)
    assert r.returncode == EXIT_BUILD
    assert "undeclared_thing" in r.stderr
    assert r.stdout == ""


def test_example_serves_every_function(tmp_path):
    """sparta.yaml.example's bootstrap has every function it names: each one
    answers (a function error is fine: some need a real event), none fails
    with a Runtime.* error such as Runtime.NoSuchHandler."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copy(ROOT / "sparta.yaml.example", tmp_path / "sparta.yaml")
    doc = yaml.load((tmp_path / "sparta.yaml").read_text(), Loader=_CfnLoader)
    names = sorted(doc["functions"])
    assert names
    for name in names:
        r = inv(tmp_path, name)
        assert r.returncode in (0, EXIT_FUNCTION), (name, r.stderr)
        if r.returncode == EXIT_FUNCTION:
            assert not json.loads(r.stdout)["errorType"].startswith("Runtime."), (name, r.stdout)

