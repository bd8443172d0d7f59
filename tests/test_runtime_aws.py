"""<sparta/aws.h> on moto with signature checking on: a C handler
(tests/aws/store.c) writes and reads a DynamoDB item, sends and receives an
SQS message (JSON protocol), puts, gets and deletes an S3 object and calls
STS GetCallerIdentity (Query protocol), under `spartac invoke` and under
the AWS Lambda Runtime Interface Emulator. The same handler with a wrong
secret gets the service's signature error, not a success."""
import json
import shutil
import subprocess
import time

import boto3
import pytest

from conftest import ROOT, free_port, need, run
from runtimelib import (CFLAGS, SHARED, ApiHandler, Rie, bearssl_archive, rie_binary,
                        run_under_api)
from test_aws_moto import REGION, clean_env, moto_auth  # noqa: F401 (fixture)
from test_runtime_tls import pki, s_server  # noqa: F401 (fixture)

STORE = ROOT / "tests" / "aws" / "store.c"


@pytest.fixture(scope="module")
def aws_env(moto_auth):  # noqa: F811
    url, key, secret, _ = moto_auth
    kw = dict(endpoint_url=url, region_name=REGION, aws_access_key_id=key,
              aws_secret_access_key=secret)
    boto3.client("dynamodb", **kw).create_table(
        TableName="links", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")
    queue = boto3.client("sqs", **kw).create_queue(QueueName="clicks")["QueueUrl"]
    boto3.client("s3", **kw).create_bucket(
        Bucket="uploads", CreateBucketConfiguration={"LocationConstraint": REGION})
    env = {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
           "AWS_REGION": REGION, "AWS_ENDPOINT_URL": url}
    return env, queue


def project(d):
    shutil.copy(STORE, d / "store.c")
    (d / "sparta.yaml").write_text(
        "service: store-test\nbuild:\n  sources: [store.c]\nfunctions:\n"
        "  store: {symbol: t_store, timeout: 30}\n")
    return d


def invoke(d, env, ev):
    """spartac invoke --aws-env: the function gets spartac's credentials
    variables and --endpoint-url, as Lambda gives it its role's."""
    (d / "ev.json").write_text(json.dumps(ev))
    cenv = clean_env(d, AWS_ACCESS_KEY_ID=env["AWS_ACCESS_KEY_ID"],
                     AWS_SECRET_ACCESS_KEY=env["AWS_SECRET_ACCESS_KEY"])
    return run("invoke", "store", "--aws-env", "--event", "ev.json", "--region", REGION,
               "--endpoint-url", env["AWS_ENDPOINT_URL"], cwd=d, env=cenv, timeout=300)


def event(queue, n):
    return {"table": "links", "queue": queue, "bucket": "uploads", "id": f"id-{n}",
            "text": f"h\u00e9llo {n} & <x>"}


def check(out, n):
    assert out["item"] == f"h\u00e9llo {n} & <x>"
    assert out["message"] == out["item"] and out["object"] == out["item"]
    assert out["account"].isdigit() and len(out["account"]) == 12


def test_store_under_invoke(aws_env, tmp_path):
    env, queue = aws_env
    d = project(tmp_path)
    r = run("invoke", "store", "--event", "-", cwd=d, input=json.dumps(event(queue, 0)),
            env=clean_env(d), timeout=300)
    assert r.returncode == 5 and "MissingCredentials" in r.stdout, r.stdout
    for n in range(2):
        r = invoke(d, env, event(queue, n))
        assert r.returncode == 0, r.stdout + r.stderr
        check(json.loads(r.stdout), n)


def test_wrong_secret_is_refused(aws_env, tmp_path):
    env, queue = aws_env
    d = project(tmp_path)
    r = invoke(d, dict(env, AWS_SECRET_ACCESS_KEY="wrong"), event(queue, 9))
    assert r.returncode == 5
    doc = json.loads(r.stdout)
    assert doc["errorType"] in ("Function.InvalidSignatureException",
                                "Function.SignatureDoesNotMatch"), doc
    assert "HTTP 400" in doc["errorMessage"] or "HTTP 403" in doc["errorMessage"]


def test_store_under_rie(aws_env, tmp_path):
    env, queue = aws_env
    rie_binary()
    d = project(tmp_path)
    r = run("build", cwd=d, timeout=300)
    assert r.returncode == 0, r.stderr
    # the bound for a function that calls DynamoDB and SQS (and here
    # S3 and STS too): the AWS client, TLS and the signer included
    assert (d / ".spartac" / "code.zip").stat().st_size <= 300 * 1024
    rie = Rie(tmp_path, [d / ".spartac" / "bootstrap"], "store", extra_env=env)
    try:
        for n in range(3):
            status, body = rie.invoke(json.dumps(event(queue, 100 + n)).encode())
            assert status == 200, body
            check(json.loads(body), 100 + n)
        assert rie.inits() == 1  # one warm process, its connections kept
    finally:
        rie.close()


TABLE = """#include "dispatch.h"
sparta_handler_fn t_store, t_fetch;
const struct sparta_handler_entry sparta_handlers[] = {
\t{"store", t_store}, {"fetch", t_fetch}, {NULL, NULL},
};
"""


def memcheck_bootstrap(d, sanitize):
    """The runtime (its new client, TLS and signer included) with the
    store and fetch handlers, as a glibc program: with ASan+UBSan, or plain
    for valgrind."""
    (d / "table.c").write_text(TABLE)
    srcs = [*sorted(map(str, (ROOT / "src" / "runtime").glob("*.c"))),
            *(str(ROOT / p) for p in SHARED), str(STORE), str(ROOT / "tests" / "aws" / "fetch.c"),
            str(d / "table.c")]
    out = d / ("bootstrap-san" if sanitize else "bootstrap-vg")
    flags = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer",
             "-fno-sanitize-recover=all"] if sanitize else []
    r = subprocess.run(["gcc", "-g", "-O1", *CFLAGS, *flags, f"-I{ROOT / 'include'}",
                        f"-I{ROOT / 'src' / 'runtime'}", f"-I{ROOT / 'src'}", "-o", str(out),
                        *srcs, *bearssl_archive("gcc")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def run_events(argv, handler, events, env, timeout=240):
    """Runs argv as the function under a minimal Runtime API that hands it
    the events one by one and then answers /invocation/next with 410, so
    the bootstrap leaves its loop, frees what it holds and exits on its
    own (the leak checkers report at exit). Returns (the responses in
    order, as (path kind, body), the exit status, stderr)."""
    queue, got = list(events), []

    class Api(ApiHandler):

        def do_GET(self):
            if not queue:
                self.reply(410, b'{"errorType":"Gone","errorMessage":"no more events"}')
                return
            self.reply(200, json.dumps(queue.pop(0)).encode(), [
                ("Lambda-Runtime-Aws-Request-Id", f"req-{len(got)}"),
                ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 120000)),
                ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:1:function:_")])

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            got.append((self.path.rsplit("/", 1)[1], body))
            self.reply(202, b'{"status":"OK"}')

    rc, err = run_under_api(argv, Api, dict(env, _HANDLER=handler), timeout)
    return got, rc, err


@pytest.mark.parametrize("tool", ["asan", "valgrind"])
def test_runtime_client_memory(aws_env, pki, tmp_path, tool):
    """Two invocations of the store handler in one process, then HTTPS
    fetches (verified, refused for its certificate, no server), under
    ASan+UBSan or valgrind, each ended by the runtime's own exit: no
    error, no leak."""
    env, queue = aws_env
    d = tmp_path
    boot = memcheck_bootstrap(d, tool == "asan")
    argv = [str(boot)]
    if tool == "valgrind":
        need("valgrind")
        argv = ["valgrind", "-q", "--leak-check=full", "--error-exitcode=99",
                "--errors-for-leak-kinds=definite,indirect", *argv]
    fenv = dict(env, ASAN_OPTIONS="detect_leaks=1:exitcode=86",
                UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87")
    got, rc, err = run_events(argv, "store", [event(queue, 200), event(queue, 201)], fenv)
    assert rc == 1, err  # the runtime's exit after the 410, not a checker's
    assert "Sanitizer" not in err and "runtime error" not in err and "==" not in err, err
    assert [k for k, _ in got] == ["response", "response"], got
    for n, (_, body) in enumerate(got):
        check(json.loads(body), 200 + n)
    good, bad = free_port(), free_port()
    servers = [s_server(pki, "good", good), s_server(pki, "untrusted", bad)]
    try:
        got, rc, err = run_events(argv, "fetch", [
            {"url": f"https://localhost:{good}/"}, {"url": f"https://localhost:{bad}/"},
            {"url": "https://127.0.0.1:1/"}], dict(fenv, SSL_CERT_FILE=str(pki / "ca.pem")))
    finally:
        for p in servers:
            p.kill()
            p.wait()
    assert rc == 1 and "Sanitizer" not in err and "==" not in err, err
    assert [k for k, _ in got] == ["response", "error", "error"], got
    assert json.loads(got[0][1])["status"] == 200
    assert b"certificate not trusted" in got[1][1] and b"cannot connect" in got[2][1], got


def test_json_buffer_out_of_memory_ends_the_process(tmp_path):
    """sparta_json_buffer() never returns NULL (the header's example
    writes into it unchecked): out of memory ends the process with the
    runtime's message, as sparta_alloc() does, and the invocation fails
    with Runtime.ExitError rather than a crash in the writer."""
    shutil.copy(ROOT / "tests" / "aws" / "oom.c", tmp_path / "oom.c")
    (tmp_path / "sparta.yaml").write_text(
        "service: oom-test\nbuild:\n  sources: [oom.c]\nfunctions:\n"
        "  oom: {symbol: t_oom, timeout: 60}\n")
    r = run("invoke", "oom", cwd=tmp_path, env=clean_env(tmp_path), timeout=300)
    assert r.returncode == 5, r.stdout + r.stderr
    assert "sparta: out of memory in sparta_json_buffer" in r.stderr, r.stderr
    assert "exit status 1" in r.stderr and "signal" not in r.stderr, r.stderr
