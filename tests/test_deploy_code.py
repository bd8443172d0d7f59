"""deploy --code against moto, counted on the server's side of the wire
(tests/tools/countproxy.py).

After a full deploy of three functions, a C edit goes out through
deploy --code in at most 2 + N API calls (DescribeStackResources, PutObject,
N x UpdateFunctionCode; moto answers Successful at once, so there is no
wait), and every function then runs the new archive (CodeSha256). A
memory change is refused with no API call at all; a full deploy afterwards
converges (the stack's CodeKey names the new archive, nothing left to
change).
"""
import base64
import hashlib
import json
import sys

import pytest

from conftest import ROOT, moto_server, offline_aws_env, run, run_peer

sys.path.insert(0, str(ROOT / "tests" / "tools"))
import countproxy  # noqa: E402

STACK = "code-svc"

MANIFEST = """\
service: code-svc
functions:
  one:
    symbol: one
    memory: 128
  two:
    symbol: two
  three:
    symbol: three
"""

SOURCE = """\
#include <sparta/lambda.h>

static int
say(struct sparta_response *res)
{
	sparta_write_string(res, "GREETING");
	return 0;
}

int
one(const char *e, size_t n, struct sparta_context *c, struct sparta_response *r)
{
	(void)e; (void)n; (void)c;
	return say(r);
}

int
two(const char *e, size_t n, struct sparta_context *c, struct sparta_response *r)
{
	(void)e; (void)n; (void)c;
	return say(r);
}

int
three(const char *e, size_t n, struct sparta_context *c, struct sparta_response *r)
{
	(void)e; (void)n; (void)c;
	return say(r);
}
"""


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    with moto_server(tmp_path_factory, "moto-code", ordered=True) as url:
        p = countproxy.start(url)
        try:
            yield p
        finally:
            p.shutdown()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    d = tmp_path_factory.mktemp("code")
    (d / "src").mkdir()
    (d / "sparta.yaml").write_text(MANIFEST)
    (d / "src" / "fns.c").write_text(SOURCE)
    return d


def endpoint(proxy):
    return f"http://localhost:{proxy.server_address[1]}"


def spartac(project, proxy, *args):
    return run_peer(endpoint(proxy), project, *args)


def lam(proxy):
    import boto3
    return boto3.client("lambda", endpoint_url=f"http://127.0.0.1:{proxy.server_address[1]}",
                        region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def cfn(proxy):
    import boto3
    return boto3.client("cloudformation", endpoint_url=f"http://127.0.0.1:{proxy.server_address[1]}",
                        region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def functions(proxy):
    res = cfn(proxy).describe_stack_resources(StackName=STACK)["StackResources"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in res
            if r["ResourceType"] == "AWS::Lambda::Function"}


def archive_sha(project):
    data = (project / ".spartac" / "code.zip").read_bytes()
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_1_full_deploy_then_nothing_to_do(project, proxy):
    r = spartac(project, proxy, "deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    # a no-op deploy rewrites the record and keeps the artifact bucket in it
    r = spartac(project, proxy, "deploy")
    assert r.returncode == 0 and "no changes" in r.stdout, r.stdout + r.stderr
    rec = json.loads((project / ".spartac" / "deployed" / f"{STACK}@us-east-1.json").read_text())
    assert rec["bucket"] == "spartac-123456789012-us-east-1"
    proxy.reset()
    r = spartac(project, proxy, "deploy", "--code")
    assert r.returncode == 0, r.stderr
    assert f"{STACK}: no code changes" in r.stdout
    assert proxy.snapshot() == []


def test_2_code_edit_in_two_plus_n_calls(project, proxy):
    src = project / "src" / "fns.c"
    src.write_text(src.read_text().replace("GREETING", "hello, code"))
    proxy.reset()
    r = spartac(project, proxy, "deploy", "--code", "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    ops = [c[2] for c in proxy.snapshot()]
    n = 3
    assert len(ops) == 2 + n, ops
    assert ops.count("DescribeStackResources") == 1
    assert sum(op.startswith("PUT /") and op.endswith(".zip") for op in ops) == 1, ops
    assert sum(op.endswith("/code") for op in ops) == n, ops
    doc = json.loads(r.stdout)
    assert doc["result"] == "deployed" and doc["apiCalls"] == len(ops)
    assert sorted(f["logicalId"] for f in doc["functions"]) == \
        ["OneFunction", "ThreeFunction", "TwoFunction"]
    sha = archive_sha(project)
    for name in functions(proxy).values():
        conf = lam(proxy).get_function_configuration(FunctionName=name)
        assert conf["CodeSha256"] == sha, name
    # the record knows: an offline plan has nothing left
    r = run("plan", "--offline", "--detailed-exitcode", cwd=project,
            env=offline_aws_env(project, "us-east-1"))
    assert r.returncode == 0, r.stdout + r.stderr


def test_3_a_property_change_is_refused(project, proxy):
    m = project / "sparta.yaml"
    m.write_text(m.read_text().replace("memory: 128", "memory: 256"))
    src = project / "src" / "fns.c"
    src.write_text(src.read_text().replace("hello, code", "hello, again"))
    proxy.reset()
    r = spartac(project, proxy, "deploy", "--code")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "refused" in r.stderr and "MemorySize: 128 -> 256" in r.stderr, r.stderr
    assert proxy.snapshot() == []


def test_4_a_full_deploy_converges(project, proxy):
    r = spartac(project, proxy, "deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    st = cfn(proxy).describe_stacks(StackName=STACK)["Stacks"][0]
    params = {p["ParameterKey"]: p["ParameterValue"] for p in st["Parameters"]}
    key = (project / ".spartac" / "code.sha256").read_text().split()[0]
    assert params["CodeKey"] == f"{STACK}/{key}.zip"
    sha = archive_sha(project)
    fns = functions(proxy)
    for name in fns.values():
        assert lam(proxy).get_function_configuration(FunctionName=name)["CodeSha256"] == sha
    assert lam(proxy).get_function_configuration(FunctionName=fns["OneFunction"])["MemorySize"] == 256
    r = spartac(project, proxy, "plan", "--fast", "--detailed-exitcode")
    assert r.returncode == 0, r.stdout + r.stderr


def test_5_watch_pushes_each_save_until_sigint(project, proxy):
    import os
    import queue
    import signal
    import subprocess
    import threading
    import time
    from conftest import spartac_cmd
    full = dict(os.environ)
    full.update(offline_aws_env(project, "us-east-1"))
    p = subprocess.Popen(spartac_cmd("deploy", "--code", "--watch", "--endpoint-url",
                                     endpoint(proxy)),
                         cwd=project, env=full, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in p.stdout], daemon=True).start()

    def until(text, limit=120):
        seen, end = "", time.monotonic() + limit
        while text not in seen and time.monotonic() < end:
            try:
                seen += lines.get(timeout=1)
            except queue.Empty:
                pass
        assert text in seen, seen
    try:
        until(f"{STACK}: no code changes")
        src = project / "src" / "fns.c"
        src.write_text(src.read_text().replace("hello, again", "hello, watch"))
        until(f"{STACK}: code updated on 3 function(s)")
        sha = archive_sha(project)
        for name in functions(proxy).values():
            assert lam(proxy).get_function_configuration(FunctionName=name)["CodeSha256"] == sha
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=30) == 0, p.stderr.read()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_6_fallback_turns_a_refusal_into_a_full_deploy(project, proxy):
    m = project / "sparta.yaml"
    m.write_text(m.read_text().replace("memory: 256", "memory: 512"))
    r = spartac(project, proxy, "deploy", "--code", "--fallback")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "a full deploy (--fallback)" in r.stderr and "refused" not in r.stderr
    assert f"{STACK}: UPDATE_COMPLETE" in r.stdout
    fns = functions(proxy)
    assert lam(proxy).get_function_configuration(FunctionName=fns["OneFunction"])["MemorySize"] == 512
    r = spartac(project, proxy, "deploy", "--fallback")
    assert r.returncode == 64 and "--fallback goes with --code" in r.stderr


def test_7_another_stack_name_has_its_own_record(project, proxy):
    other = "code-svc-b"
    r = spartac(project, proxy, "deploy", "--stack-name", other)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (project / ".spartac" / "deployed" / f"{other}@us-east-1.json").exists()
    src = project / "src" / "fns.c"
    src.write_text(src.read_text().replace("hello, watch", "hello, other"))
    r = spartac(project, proxy, "deploy", "--code", "--stack-name", other)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{other}: code updated on 3 function(s)" in r.stdout
    r = spartac(project, proxy, "plan", "--fast", "--stack-name", other, "--format", "json")
    doc = json.loads(r.stdout)
    assert doc["stack"] == other and all(c.get("code") for c in doc["changes"]), doc
