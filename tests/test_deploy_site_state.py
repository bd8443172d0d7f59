"""The site is part of what a deploy converges, and signals end a deploy
cleanly (issue 19, items 1, 5 and 6), against moto through the counting
proxy (tests/tools/countproxy.py), whose faults play the network.

- A PutObject that fails names the file, the key, the call and the cause;
  the sync goes on past it; status says the site is incomplete (with the
  counts); the next plain deploy completes it; the one after is one call.
- SIGTERM while a site file is on its way: spartac exits at once (143),
  says the site is incomplete, and the next plain deploy completes it.
- SIGINT while CreateChangeSet's answer is held back: spartac exits within
  about a second (130), CreateChangeSet is not retried, and the change set
  it made is removed (nothing was executed).
"""
import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, moto_server, offline_aws_env, spartac_cmd

sys.path.insert(0, str(ROOT / "tests" / "tools"))
import countproxy  # noqa: E402

REGION = "us-east-1"
NFILES = 21
SOURCE = """\
#include <sparta/lambda.h>

int
hello(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event; (void)len; (void)ctx;
	sparta_write_string(res, "hi");
	return 0;
}
"""
ACCESS_DENIED = b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"


def manifest(service, memory=128):
    return (f"service: {service}\nfunctions:\n  hello:\n    symbol: hello\n"
            f"    memory: {memory}\nsite:\n  root: site\n")


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    with moto_server(tmp_path_factory, "moto-site", ordered=True) as url:
        proxy = countproxy.start(url)
        proxy.upstream = url
        try:
            yield proxy
        finally:
            proxy.fault = None
            proxy.shutdown()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    return dict(offline_aws_env(home, REGION), PATH=os.environ["PATH"])


def make_project(d, service, version="v1"):
    (d / "src").mkdir(parents=True, exist_ok=True)
    (d / "site").mkdir(exist_ok=True)
    (d / "src" / "h.c").write_text(SOURCE)
    (d / "sparta.yaml").write_text(manifest(service))
    for i in range(NFILES):
        (d / "site" / f"f{i:02}.html").write_text(f"<p>{version} file {i}</p>\n" * (i + 1))
    return d


def endpoint(moto):
    # TemplateURL must say localhost for moto (see test_deploy_moto.py)
    return f"http://localhost:{moto.server_address[1]}"


def spartac(moto, env, cwd, *args, timeout=300):
    return subprocess.run(spartac_cmd(*args, "--endpoint-url", endpoint(moto)), cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=timeout)


def spartac_bg(moto, env, cwd, *args):
    return subprocess.Popen(spartac_cmd(*args, "--endpoint-url", endpoint(moto)), cwd=cwd,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def boto(moto, service):
    import boto3
    return boto3.client(service, endpoint_url=moto.upstream, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def site_bucket(moto, stack):
    res = boto(moto, "cloudformation").describe_stack_resources(StackName=stack)
    return next(r["PhysicalResourceId"] for r in res["StackResources"]
                if r["LogicalResourceId"] == "SiteBucket")


def site_objects(moto, stack):
    """{key: MD5} of the site bucket (a single PUT's ETag is its MD5)."""
    got = boto(moto, "s3").list_objects_v2(Bucket=site_bucket(moto, stack))
    return {o["Key"]: o["ETag"].strip('"') for o in got.get("Contents", [])}


def local_md5s(project):
    return {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in (project / "site").iterdir()}


def ops(moto):
    return [c[2] for c in moto.snapshot()]


def wait_for(moto, pred, limit=120):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if any(pred(c) for c in moto.snapshot()):
            return
        time.sleep(0.05)
    pytest.fail("the expected request never came")


def one_call_deploy(moto, env, project):
    moto.reset()
    r = spartac(moto, env, project, "deploy", "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert ops(moto) == ["DescribeStacks"], ops(moto)
    assert json.loads(r.stdout)["result"] == "no-changes"


def finish(proc, limit=20):
    """Its stderr once it exited; fails (killing it) after limit seconds."""
    try:
        return proc.communicate(timeout=limit)[1]
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"spartac did not exit within {limit} s of the signal")


def stop_at(proc, sig):
    """Sends sig; returns (exit status, seconds until it exited, stderr)."""
    t0 = time.monotonic()
    proc.send_signal(sig)
    err = finish(proc)
    return proc.returncode, time.monotonic() - t0, err


def signal_while_held(moto, env, project, sig, fault, held):
    """deploy --yes with fault on; once a request held(call) is seen (and
    held back by the fault), sig: returns stop_at's answer."""
    moto.fault = fault
    proc = spartac_bg(moto, env, project, "deploy", "--yes")
    try:
        wait_for(moto, held)
        time.sleep(0.3)
        return stop_at(proc, sig)
    finally:
        moto.fault = None


def test_failed_puts_are_named_the_sync_goes_on_and_a_plain_deploy_repairs(moto, env, tmp_path):
    stack = "spartac-site-state"
    project = make_project(tmp_path, stack)
    moto.fault = lambda m, path, op: (("status", 403, ACCESS_DENIED)
                                      if m == "PUT" and path.endswith(("/f03.html", "/f07.html"))
                                      else None)
    r = spartac(moto, env, project, "deploy")
    moto.fault = None
    assert r.returncode == 4, r.stdout + r.stderr
    bucket = site_bucket(moto, stack)
    for name in ("f03.html", "f07.html"):
        line = next(x for x in r.stderr.splitlines() if f"site/{name}" in x)
        assert f"s3://{bucket}/{name}" in line and "PutObject" in line and "AccessDenied" in line, line
    assert "2 of 21 site files could not be uploaded" in r.stderr
    assert "the next 'spartac deploy' completes it" in r.stderr
    # the others went on
    assert len(site_objects(moto, stack)) == NFILES - 2
    r = spartac(moto, env, project, "status")
    assert r.returncode == 0, r.stderr
    assert "site: incomplete: 19 of 21 files up to date, 2 missing" in r.stdout, r.stdout
    r = spartac(moto, env, project, "deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert site_objects(moto, stack) == local_md5s(project)
    r = spartac(moto, env, project, "status", "--format", "json")
    site = json.loads(r.stdout)["site"]
    assert site["state"] == "complete" and site["files"] == NFILES, site
    one_call_deploy(moto, env, project)


def test_sigterm_during_the_site_sync_then_a_plain_deploy_completes_it(moto, env, tmp_path):
    stack = "spartac-site-sigterm"
    project = make_project(tmp_path, stack)
    r = spartac(moto, env, project, "deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    make_project(tmp_path, stack, version="v2")  # every file changes
    # and the template: moto keeps a stack's old parameters (the digest)
    # after a change set that changes only them
    (project / "sparta.yaml").write_text(manifest(stack, memory=256))
    moto.reset()
    status, took, err = signal_while_held(
        moto, env, project, signal.SIGTERM,
        lambda m, path, op: ("delay", 60) if m == "PUT" and path.endswith("/f05.html") else None,
        lambda c: c[0] == "PUT" and c[1].endswith("/f05.html"))
    assert status == 143, err
    print(f"SIGTERM with a PutObject held back: exit after {took:.2f} s")
    assert took < 2.0, took
    assert "interrupted during the site sync" in err and "completes it" in err, err
    assert site_objects(moto, stack) != local_md5s(project)
    r = spartac(moto, env, project, "deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert site_objects(moto, stack) == local_md5s(project)
    one_call_deploy(moto, env, project)


@pytest.mark.parametrize("existing", [False, True], ids=["create", "update"])
def test_sigint_while_create_change_set_hangs(moto, env, tmp_path, existing):
    stack = f"spartac-site-sigint-{'update' if existing else 'create'}"
    project = make_project(tmp_path, stack)
    if existing:
        r = spartac(moto, env, project, "deploy")
        assert r.returncode == 0, r.stdout + r.stderr
        (project / "sparta.yaml").write_text(manifest(stack, memory=256))
    moto.reset()
    # the server makes the change set; its answer is held back
    status, took, err = signal_while_held(
        moto, env, project, signal.SIGINT,
        lambda m, path, op: ("after-delay", 60) if op == "CreateChangeSet" else None,
        lambda c: c[2] == "CreateChangeSet")
    assert status == 130, err
    print(f"SIGINT with CreateChangeSet's answer held back: exit after {took:.2f} s")
    assert took < 1.5, took
    assert ops(moto).count("CreateChangeSet") == 1, ops(moto)
    assert "nothing was executed" in err and "removed" in err, err
    cfn = boto(moto, "cloudformation")
    if existing:
        # (moto lists every stack's, executed ones included)
        left = [c for c in cfn.list_change_sets(StackName=stack)["Summaries"]
                if c["StackName"] == stack and c.get("ExecutionStatus") != "EXECUTE_COMPLETE"]
        assert left == [], left
        assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"].endswith("COMPLETE")
    else:
        live = [s for s in cfn.list_stacks()["StackSummaries"]
                if s["StackName"] == stack and s["StackStatus"] != "DELETE_COMPLETE"]
        assert live == [], live


def test_big_files_stream_and_multipart_lands_byte_identical(moto, env, tmp_path):
    """A 200 MB sparse file deploys with peak RSS far under its size; with
    a low threshold it and a random 12 MiB file go up in parts and land
    byte-identical; a deploy that must check the site again finds the
    multipart ETags equal and uploads nothing."""
    stack = "spartac-site-big"
    project = make_project(tmp_path, stack)
    big = project / "site" / "big.bin"
    with open(big, "wb") as f:
        for off in (0, 100 << 20, (200 << 20) - 16):
            f.seek(off)
            f.write(os.urandom(16))
    rnd = project / "site" / "random.bin"
    rnd.write_bytes(os.urandom(12 << 20))
    e = dict(env, SPARTAC_MULTIPART_THRESHOLD=str(5 << 20))
    r = spartac(moto, e, project, "build")
    assert r.returncode == 0, r.stderr
    moto.reset()
    r = subprocess.run(["/usr/bin/time", "-f", "maxrss %M", *spartac_cmd(
        "deploy", "--endpoint-url", endpoint(moto))], cwd=project, env=e,
        capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    rss_kib = int(r.stderr.rsplit("maxrss ", 1)[1].split()[0])
    print(f"deploy of a 200 MB file: peak RSS {rss_kib // 1024} MiB")
    assert rss_kib < 64 * 1024, rss_kib
    parts = [c for c in moto.snapshot() if c[0] == "PUT" and "partNumber=" in c[1]]
    assert len([c for c in parts if "/big.bin?" in c[1]]) == 40
    assert len([c for c in parts if "/random.bin?" in c[1]]) == 3
    s3 = boto(moto, "s3")
    bucket = site_bucket(moto, stack)
    for p in (big, rnd):
        body = s3.get_object(Bucket=bucket, Key=p.name)["Body"]
        h = hashlib.sha256()
        for chunk in iter(lambda: body.read(1 << 20), b""):
            h.update(chunk)
        assert h.hexdigest() == hashlib.sha256(p.read_bytes()).hexdigest(), p.name
    one_call_deploy(moto, e, project)
    (project / ".spartac" / "site-synced").unlink()
    moto.reset()
    r = spartac(moto, e, project, "deploy", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["uploads"] == 0, r.stdout
    assert not [c for c in moto.snapshot() if c[0] in ("PUT", "POST") and "/big.bin" in c[1]]


def test_a_site_file_over_the_limit_fails_the_build(env, tmp_path):
    project = make_project(tmp_path, "spartac-site-limit")
    (project / "site" / "large.bin").write_bytes(b"x" * 2000)
    r = subprocess.run(spartac_cmd("build"), cwd=project, capture_output=True, text=True,
                       env=dict(env, SPARTAC_SITE_FILE_MAX="1000"), timeout=120)
    assert r.returncode == 3, r.stderr
    assert "[E-SITE-FILE-SIZE]" in r.stderr and "large.bin is 2000 bytes" in r.stderr, r.stderr


def test_a_failed_describe_stack_resources_is_reported_as_itself(moto, env, tmp_path):
    """moto leaves the outputs out after ExecuteChangeSet, so the site bucket
    is found with DescribeStackResources: when that call fails, the error
    names it and its cause, not a missing bucket."""
    stack = "spartac-site-dsr"
    project = make_project(tmp_path, stack)
    moto.fault = lambda m, path, op: (("status", 403, ACCESS_DENIED)
                                      if op == "DescribeStackResources" else None)
    r = spartac(moto, env, project, "deploy")
    moto.fault = None
    assert r.returncode == 4, r.stdout + r.stderr
    assert "DescribeStackResources" in r.stderr and "AccessDenied" in r.stderr, r.stderr
    assert "neither" not in r.stderr, r.stderr
    r = spartac(moto, env, project, "deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert site_objects(moto, stack) == local_md5s(project)
    one_call_deploy(moto, env, project)


def test_the_site_record_names_the_stack_not_only_the_digest(moto, env, tmp_path):
    """One project, two regions, one digest: the record of the first
    region's complete site does not make the second region's incomplete
    site look complete."""
    stack = "spartac-site-regions"
    project = make_project(tmp_path, stack)
    r = spartac(moto, env, project, "deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    west = dict(env, AWS_REGION="eu-west-1")
    moto.fault = lambda m, path, op: (("status", 403, ACCESS_DENIED)
                                      if m == "PUT" and path.endswith("/f04.html") else None)
    r = spartac(moto, west, project, "deploy")
    moto.fault = None
    assert r.returncode == 4 and "f04.html" in r.stderr, r.stdout + r.stderr
    moto.reset()
    r = spartac(moto, west, project, "deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    puts = [c[1] for c in moto.snapshot() if c[0] == "PUT"]
    assert len(puts) == 1 and puts[0].endswith("/f04.html"), puts
