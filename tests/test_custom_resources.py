"""Custom resources written in C (custom_resources: in sparta.yaml, the
handler tests/runtime/custom.c): CloudFormation's Create/Update/Delete
protocol end to end.

- Under `spartac invoke --custom-resource`, which plays CloudFormation with
  its own loopback ResponseURL, and under the AWS Lambda Runtime Interface
  Emulator with a test server here playing CloudFormation's side: the
  request goes to the function, the reply comes back as a PUT to the
  pre-signed URL (no Content-Type), and its body is checked against
  CloudFormation's documented response object (Status, Reason with FAILED,
  PhysicalResourceId, StackId, RequestId, LogicalResourceId, NoEcho, Data;
  at most 4,096 bytes).
- A handler that fails, crashes, exits or runs past the timeout still gets
  a FAILED reply, before the deadline.
- ASan+UBSan and valgrind over the runtime's custom-resource code.
- A bootstrap without custom resources does not link that code.
"""
import json
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import ROOT, need, run
from runtimelib import CFLAGS, SHARED, Rie, bearssl_archive, rie_binary
from test_runtime_aws import run_events

CUSTOM = ROOT / "tests" / "runtime" / "custom.c"
STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/cr/5e9d7a10-0000-4000-8000-000000000001"
KEYS = {"Status", "PhysicalResourceId", "StackId", "RequestId", "LogicalResourceId", "NoEcho"}
HELLO = """#include <sparta/lambda.h>
int t_hello(const char *e, size_t n, struct sparta_context *c, struct sparta_response *r);
int t_hello(const char *e, size_t n, struct sparta_context *c, struct sparta_response *r)
{ (void)e; (void)n; (void)c; return sparta_write(r, "{}", 2); }
"""


def project(d, timeout=3):
    shutil.copy(CUSTOM, d / "custom.c")
    (d / "hello.c").write_text(HELLO)
    (d / "sparta.yaml").write_text(
        "service: cr-test\nbuild:\n  sources: [custom.c, hello.c]\n"
        "functions:\n  hello: {symbol: t_hello}\n"
        f"custom_resources:\n  Res: {{symbol: t_custom, timeout: {timeout}}}\n"
        "resources:\n  Thing:\n    Type: Custom::Res\n    Properties: {Mode: ok, Name: a}\n")
    return d


def check_shape(doc, status, logical="Thing", request_id=None, stack=None):
    """CloudFormation's response object, nothing more, nothing less."""
    want = set(KEYS)
    if status == "FAILED":
        want.add("Reason")
    if "Data" in doc:
        want.add("Data")
    assert set(doc) == want, doc
    assert doc["Status"] == status
    assert isinstance(doc["NoEcho"], bool)
    assert isinstance(doc["PhysicalResourceId"], str) and 0 < len(doc["PhysicalResourceId"]) <= 1024
    assert doc["LogicalResourceId"] == logical
    if request_id is not None:
        assert doc["RequestId"] == request_id
    if stack is not None:
        assert doc["StackId"] == stack
    if status == "FAILED":
        assert isinstance(doc["Reason"], str) and doc["Reason"]
        assert "Data" not in doc
    if "Data" in doc:
        assert isinstance(doc["Data"], dict)


def cr_invoke(d, kind, props, *extra, timeout=120):
    (d / "props.json").write_text(json.dumps(props))
    r = run("invoke", "Res", "--custom-resource", kind, "--event", "props.json", *extra,
            cwd=d, timeout=timeout)
    return r


@pytest.fixture(scope="module")
def proj(tmp_path_factory):
    d = project(tmp_path_factory.mktemp("cr"))
    r = run("build", cwd=d, timeout=600)
    assert r.returncode == 0, r.stderr
    return d


def test_create_update_delete_under_invoke(proj):
    r = cr_invoke(proj, "Create", {"Mode": "ok", "Name": "a"})
    assert r.returncode == 0, r.stderr
    assert "no Content-Type" in r.stderr and "PUT /cloudformation-response/" in r.stderr
    doc = json.loads(r.stdout)
    check_shape(doc, "SUCCESS")
    assert doc["PhysicalResourceId"] == "res-a" and doc["NoEcho"] is False
    assert doc["Data"] == {"Type": "Create", "Name": "a", "Old": ""}
    assert ":stack/cr-test-local/" in doc["StackId"]

    (proj / "old.json").write_text(json.dumps({"Mode": "ok", "Name": "a"}))
    r = cr_invoke(proj, "Update", {"Mode": "ok", "Name": "b"}, "--physical-id", "res-a",
                  "--old-event", "old.json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    check_shape(doc, "SUCCESS")
    assert doc["PhysicalResourceId"] == "res-b"
    assert doc["Data"] == {"Type": "Update", "Name": "b", "Old": "a"}

    r = cr_invoke(proj, "Delete", {"Mode": "keep"}, "--physical-id", "res-b",
                  "--logical-id", "Other")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    check_shape(doc, "SUCCESS", logical="Other")
    assert doc["PhysicalResourceId"] == "res-b" and "Data" not in doc

    r = cr_invoke(proj, "Create", {"Mode": "secret", "Name": "s"})
    doc = json.loads(r.stdout)
    check_shape(doc, "SUCCESS")
    assert doc["NoEcho"] is True


@pytest.mark.parametrize("mode,reason", [
    ("fail", "Refused: cannot Create 'a'"),
    ("crash", "the handler crashed: signal 11"),
    ("exit", "the handler exited (status 3) without replying"),
    ("notobject", "other than one JSON object"),
    ("bigdata", "over CloudFormation's 4096-byte limit"),
])
def test_failures_reply_failed(proj, mode, reason):
    r = cr_invoke(proj, "Create", {"Mode": mode, "Name": "a"})
    assert r.returncode == 5, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    check_shape(doc, "FAILED")
    assert reason in doc["Reason"], doc
    # the handler's own physical ID when it set one, else Create's default
    assert doc["PhysicalResourceId"] == "res-a" if mode == "bigdata" else \
        doc["PhysicalResourceId"].startswith("Thing-")
    assert "FAILED: " in r.stderr


def test_long_reason_is_cut_to_the_limit(proj):
    r = cr_invoke(proj, "Create", {"Mode": "long"})
    assert r.returncode == 5
    raw = r.stdout.encode()
    assert 3900 < len(raw) <= 4096, len(raw)
    doc = json.loads(raw)
    check_shape(doc, "FAILED")
    assert doc["Reason"].startswith("TooLong: xxxx")


def test_timeout_replies_failed_before_the_deadline(proj):
    t = time.monotonic()
    r = cr_invoke(proj, "Create", {"Mode": "hang"})
    took = time.monotonic() - t
    assert r.returncode == 5, r.stderr
    doc = json.loads(r.stdout)
    check_shape(doc, "FAILED")
    assert "did not finish before the function's timeout" in doc["Reason"]
    assert "timed out" not in r.stderr  # the reply went out before Lambda's kill
    assert took < 60


def test_not_a_custom_resource(proj):
    r = run("invoke", "hello", "--custom-resource", "Create", cwd=proj)
    assert r.returncode == 64 and "not under custom_resources" in r.stderr
    r = run("invoke", "Res", "--custom-resource", "Remove", cwd=proj)
    assert r.returncode == 64 and "Create, Update or Delete" in r.stderr
    r = run("invoke", "Res", "--event", "-", input="{}", cwd=proj)
    assert r.returncode == 5 and "Runtime.NotCustomResourceRequest" in r.stdout


class Cfn:
    """CloudFormation's side: a loopback server taking the pre-signed PUTs."""

    def __init__(self):
        self.got = []
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_PUT(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.got.append((self.command, self.path, dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.port = self.srv.server_address[1]

    def request(self, n, kind, props, physical=None, old=None):
        ev = {"RequestType": kind, "ServiceToken": "arn:aws:lambda:us-east-1:1:function:f",
              "ResponseURL": f"http://127.0.0.1:{self.port}/cfn/{n}?X-Amz-Signature=abc",
              "StackId": STACK, "RequestId": f"req-{n}", "ResourceType": "Custom::Res",
              "LogicalResourceId": "Thing",
              "ResourceProperties": dict(props, ServiceToken="arn:aws:lambda:us-east-1:1:function:f")}
        if physical:
            ev["PhysicalResourceId"] = physical
        if old is not None:
            ev["OldResourceProperties"] = old
        return ev

    def reply(self, n):
        for method, path, headers, body in self.got:
            if path == f"/cfn/{n}?X-Amz-Signature=abc":
                assert method == "PUT"
                assert "Content-Type" not in headers, headers
                assert len(body) <= 4096
                return json.loads(body)
        raise AssertionError(f"no reply to request {n}: {self.got}")

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def test_protocol_under_rie(proj, tmp_path):
    rie_binary()
    cfn = Cfn()
    rie = Rie(tmp_path, [proj / ".spartac" / "bootstrap"], "Res", timeout_s=3)
    try:
        steps = [("Create", {"Mode": "ok", "Name": "a"}, None, None, "SUCCESS"),
                 ("Update", {"Mode": "ok", "Name": "b"}, "res-a", {"Name": "a"}, "SUCCESS"),
                 ("Delete", {"Mode": "keep"}, "res-b", None, "SUCCESS"),
                 ("Create", {"Mode": "crash"}, None, None, "FAILED"),
                 ("Create", {"Mode": "hang"}, None, None, "FAILED"),
                 ("Delete", {"Mode": "fail", "Name": "z"}, "res-z", None, "FAILED")]
        for n, (kind, props, phys, old, status) in enumerate(steps):
            code, body = rie.invoke(json.dumps(cfn.request(n, kind, props, phys, old)).encode())
            assert code == 200, body
            doc = cfn.reply(n)
            check_shape(doc, status, request_id=f"req-{n}", stack=STACK)
            assert json.loads(body) == doc  # the invocation's result is the reply
        assert cfn.reply(0)["PhysicalResourceId"] == "res-a"
        assert cfn.reply(1)["Data"]["Old"] == "a"
        assert cfn.reply(2)["PhysicalResourceId"] == "res-b"
        assert "signal 11" in cfn.reply(3)["Reason"]
        assert "timeout" in cfn.reply(4)["Reason"]
        assert cfn.reply(5)["PhysicalResourceId"] == "res-z"
        assert rie.inits() == 1  # the crash and the hang were the child's, not the runtime's
    finally:
        rie.close()
        cfn.close()


TABLE = """#include "dispatch.h"
sparta_handler_fn t_custom;
static int
cr(const char *e, size_t n, struct sparta_context *c, struct sparta_response *r)
{
\treturn sparta_cr_serve(t_custom, e, n, c, r);
}
const struct sparta_handler_entry sparta_handlers[] = {
\t{"Res", cr}, {NULL, NULL},
};
"""


def memcheck_bootstrap(d, sanitize, table, extra_srcs):
    """The runtime with table and the extra sources, as a glibc program:
    with ASan+UBSan, or plain for valgrind."""
    (d / "table.c").write_text(table)
    srcs = [*sorted(map(str, (ROOT / "src" / "runtime").glob("*.c"))),
            *(str(ROOT / p) for p in SHARED), *map(str, extra_srcs), str(d / "table.c")]
    out = d / ("bootstrap-san" if sanitize else "bootstrap-vg")
    flags = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer",
             "-fno-sanitize-recover=all"] if sanitize else []
    r = subprocess.run(["gcc", "-g", "-O1", *CFLAGS, *flags, f"-I{ROOT / 'include'}",
                        f"-I{ROOT / 'src' / 'runtime'}", f"-I{ROOT / 'src'}", "-o", str(out),
                        *srcs, *bearssl_archive("gcc")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def memcheck_run(d, tool, table, extra_srcs, handler, events, env):
    """Runs the events through one bootstrap process under ASan+UBSan or
    valgrind (forked children followed) and a minimal Runtime API that ends
    it with 410; checks that the runtime itself exited and no checker
    spoke. Returns what was posted, as (response or error, body)."""
    boot = memcheck_bootstrap(d, tool == "asan", table, extra_srcs)
    argv = [str(boot)]
    if tool == "valgrind":
        need("valgrind")
        argv = ["valgrind", "-q", "--leak-check=full", "--error-exitcode=99",
                "--errors-for-leak-kinds=definite,indirect", "--child-silent-after-fork=no",
                *argv]
    env = dict(env, ASAN_OPTIONS="detect_leaks=1:exitcode=86",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87")
    posted, rc, err = run_events(argv, handler, events, env, timeout=300)
    assert rc == 1, err  # the runtime's exit after the 410, not a checker's
    assert "Sanitizer" not in err and "runtime error" not in err and "==" not in err, err
    return posted


@pytest.mark.parametrize("tool", ["asan", "valgrind"])
def test_custom_resource_memory(tmp_path, tool):
    """Create, Update, Delete, a handler error, a non-object, Data over the
    limit and a long reason in one process (each in a child)."""
    cfn = Cfn()
    steps = [("Create", {"Mode": "ok", "Name": "a"}, None, None),
             ("Update", {"Mode": "ok", "Name": "b"}, "res-a", {"Name": "a"}),
             ("Delete", {"Mode": "keep"}, "res-b", None),
             ("Create", {"Mode": "fail"}, None, None),
             ("Create", {"Mode": "notobject"}, None, None),
             ("Create", {"Mode": "bigdata", "Name": "c"}, None, None),
             ("Create", {"Mode": "long"}, None, None)]
    try:
        posted = memcheck_run(tmp_path, tool, TABLE, [CUSTOM], "Res",
                              [cfn.request(n, *s) for n, s in enumerate(steps)], {})
        assert [k for k, _ in posted] == ["response"] * len(steps), posted
        statuses = [cfn.reply(n)["Status"] for n in range(len(steps))]
        assert statuses == ["SUCCESS"] * 3 + ["FAILED"] * 4
    finally:
        cfn.close()


def test_only_services_with_custom_resources_link_it(proj, tmp_path):
    d = tmp_path / "hello"
    d.mkdir()
    (d / "hello.c").write_text(HELLO)
    (d / "sparta.yaml").write_text("service: h\nbuild:\n  sources: [hello.c]\n"
                                   "functions:\n  hello: {symbol: t_hello}\n")
    r = run("build", cwd=d, timeout=600)
    assert r.returncode == 0, r.stderr
    marker = b"the handler crashed"
    assert marker not in (d / ".spartac" / "bootstrap").read_bytes()
    assert marker in (proj / ".spartac" / "bootstrap").read_bytes()
    assert (d / ".spartac" / "code.zip").stat().st_size <= 100 * 1024
    assert (proj / ".spartac" / "code.zip").stat().st_size <= 300 * 1024
