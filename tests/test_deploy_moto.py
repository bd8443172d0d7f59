"""spartac plan / deploy / delete / status end to end against moto server.

A small service (two functions, an inline role, a REST API) is deployed to
moto on loopback through a counting proxy (tests/tools/countproxy.py), so
API calls are counted on the server's side of the wire. The AWS CLI reads
back what was deployed. Then: an unchanged redeploy is one API call and no
upload; a memory change is one Modify in the plan (exit 2 with
--detailed-exitcode) and deploys; a code change uploads one object;
delete removes the stack, twice without complaint.

moto limits (see /work/shared/DESIGN.md; covered by tests/unit/test_converge.c
instead): statuses change synchronously, stack outputs are missing after
ExecuteChangeSet, a change set that differs only in parameters is empty,
ExecuteChangeSet of an UPDATE leaves the stack's tags as they were (so after
an update the digest tag is stale and the next unchanged deploy goes
through an empty change set: "no changes", but more than one call), and
CreateChangeSet without changes fails with UpdateStack's "No updates are
to be performed." instead of giving a FAILED change set.
moto's ExecuteChangeSet also ignores DependsOn (which spartac's sorted
templates rely on for API deployments), crashes on MOCK integrations and on
the resource types it skips; tests/tools/moto_server_ordered.py fixes those
three bugs in the server, never in spartac.
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT, moto_server, need, offline_aws_env, run, run_on_terminal, spartac_cmd

sys.path.insert(0, str(ROOT / "tests" / "tools"))
import countproxy  # noqa: E402

STACK = "spartac-moto-e2e"
REGION = "us-east-1"

MANIFEST = """\
service: spartac-moto-e2e
description: converge end to end
roles:
  reader:
    privileges:
      - actions: [s3:GetObject]
        resources: ["arn:aws:s3:::some-bucket/*"]
functions:
  hello:
    symbol: hello_world
    memory: 128
    timeout: 5
  items:
    symbol: items_handler
    role: reader
api:
  routes:
    GET /hello: hello
    POST /items/{id}: items
tags:
  team: platform
"""

SOURCE = """\
#include <sparta/lambda.h>

int
hello_world(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event; (void)len; (void)ctx;
	sparta_write_object_begin(res);
	sparta_write_key(res, "greeting");
	sparta_write_string(res, "GREETING");
	sparta_write_object_end(res);
	return 0;
}

int
items_handler(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	return hello_world(event, len, ctx, res);
}
"""


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    with moto_server(tmp_path_factory, "moto", ordered=True) as url:
        proxy = countproxy.start(url)
        try:
            yield proxy
        finally:
            proxy.shutdown()


@pytest.fixture(scope="module")
def env(moto, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    port = moto.server_address[1]
    e = {
        **offline_aws_env(home, REGION),
        # TemplateURL must say localhost for moto (a known moto limit);
        # spartac resolves localhost itself (src/aws/wire.c), with or without
        # /etc/hosts.
        "ENDPOINT": f"http://localhost:{port}",
        # The AWS CLI asks the system resolver, and a minimal machine has
        # no /etc/hosts: it reads back through the address, no name needed.
        "CLI_ENDPOINT": f"http://127.0.0.1:{port}",
    }
    return e


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    d = tmp_path_factory.mktemp("svc")
    (d / "src").mkdir()
    (d / "sparta.yaml").write_text(MANIFEST)
    (d / "src" / "hello.c").write_text(SOURCE)
    return d


def aws_env(env):
    """The process environment with the fixture's AWS settings."""
    full = dict(os.environ)
    full.update({k: v for k, v in env.items() if not k.endswith("ENDPOINT")})
    return full


def spartac(env, project, *args, **kw):
    return run(*args, "--endpoint-url", env["ENDPOINT"], cwd=project,
               env={k: v for k, v in env.items() if not k.endswith("ENDPOINT")},
               timeout=300, **kw)


def aws_run(env, *args):
    """The AWS CLI against moto; returns the CompletedProcess."""
    need("aws")
    return subprocess.run(["aws", "--endpoint-url", env["CLI_ENDPOINT"], *args],
                          capture_output=True, text=True, env=aws_env(env), timeout=120)


def aws(env, *args):
    r = aws_run(env, "--output", "json", *args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout) if r.stdout.strip() else {}


def calls(proxy):
    return proxy.snapshot()


def stack_resources(env):
    res = aws(env, "cloudformation", "describe-stack-resources", "--stack-name", STACK)
    return {r["LogicalResourceId"]: r for r in res["StackResources"] if "LogicalResourceId" in r}


def test_1_first_deploy_creates_the_stack(env, project, moto):
    r = spartac(env, project, "deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{STACK}: CREATE_COMPLETE" in r.stdout
    # Not a TTY: plain event lines, and no question was asked.
    assert "CREATE_COMPLETE" in r.stdout and "Execute these changes" not in r.stderr
    st = aws(env, "cloudformation", "describe-stacks", "--stack-name", STACK)["Stacks"][0]
    assert st["StackStatus"] == "CREATE_COMPLETE"
    tags = {t["Key"]: t["Value"] for t in st["Tags"]}
    # only the manifest's tags: a digest tag would be copied onto every resource
    assert tags["team"] == "platform" and not any(k.startswith("spartac") for k in tags), tags
    params = {p["ParameterKey"]: p["ParameterValue"] for p in st["Parameters"]}
    assert len(params["SpartacDigest"]) == 64
    assert params["ArtifactBucket"] == f"spartac-123456789012-{REGION}"
    sha = (project / ".spartac" / "code.sha256").read_text().split()[0]
    assert params["CodeKey"] == f"{STACK}/{sha}.zip"


def test_2_aws_cli_reads_back_functions_roles_and_api(env):
    res = stack_resources(env)
    fns = {f["FunctionName"]: f for f in aws(env, "lambda", "list-functions")["Functions"]}
    hello = fns[res["HelloFunction"]["PhysicalResourceId"]]
    assert hello["Runtime"] == "provided.al2023"
    assert hello["Handler"] == "hello"
    assert hello["MemorySize"] == 128 and hello["Timeout"] == 5
    roles = {r["RoleName"]: r["Arn"] for r in aws(env, "iam", "list-roles")["Roles"]}
    assert hello["Role"] == roles[res["HelloFunctionRole"]["PhysicalResourceId"]]
    items = fns[res["ItemsFunction"]["PhysicalResourceId"]]
    assert items["Role"] == roles[res["ReaderRole"]["PhysicalResourceId"]]
    api_id = res["Api"]["PhysicalResourceId"]
    apis = {a["id"]: a for a in aws(env, "apigateway", "get-rest-apis")["items"]}
    assert apis[api_id]["name"] == STACK
    paths = {i["path"]: set(i.get("resourceMethods", {}))
             for i in aws(env, "apigateway", "get-resources", "--rest-api-id", api_id)["items"]}
    assert "GET" in paths["/hello"]
    assert "POST" in paths["/items/{id}"]
    bucket = f"spartac-123456789012-{REGION}"
    pab = aws(env, "s3api", "get-public-access-block", "--bucket", bucket)
    assert all(pab["PublicAccessBlockConfiguration"].values())
    enc = aws(env, "s3api", "get-bucket-encryption", "--bucket", bucket)
    rule = enc["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    life = aws(env, "s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket)
    assert life["Rules"][0]["Expiration"]["Days"] == 90


def test_3_unchanged_redeploy_is_one_api_call(env, project, moto):
    moto.reset()
    r = spartac(env, project, "deploy", "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["result"] == "no-changes" and out["uploads"] == 0, (out, calls(moto))
    assert [c[2] for c in calls(moto)] == ["DescribeStacks"]
    moto.reset()
    r = spartac(env, project, "deploy")
    assert r.returncode == 0 and f"{STACK}: no changes" in r.stdout
    assert len(calls(moto)) == 1


def test_4_memory_change_plans_one_modify(env, project, moto):
    m = project / "sparta.yaml"
    m.write_text(m.read_text().replace("memory: 128", "memory: 256"))
    moto.reset()
    r = spartac(env, project, "plan", "--detailed-exitcode")
    assert r.returncode == 2, r.stdout + r.stderr
    rows = [ln.split() for ln in r.stdout.splitlines() if ln.strip().startswith("Modify")]
    assert rows == [["Modify", "HelloFunction", "AWS::Lambda::Function", "-"]], r.stdout
    assert "0 to add, 1 to modify, 0 to remove" in r.stdout
    ops = [c[2] for c in calls(moto)]
    assert "ExecuteChangeSet" not in ops and not any(c[0] == "PUT" for c in calls(moto)), ops
    assert ops.count("CreateChangeSet") == 1 and ops.count("DeleteChangeSet") == 1
    r = spartac(env, project, "plan", "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["result"] == "changes"
    assert [(c["action"], c["logicalId"]) for c in out["changes"]] == [("Modify", "HelloFunction")]
    # Nothing was executed: still 128 MB, no change set left behind.
    fn = stack_resources(env)["HelloFunction"]["PhysicalResourceId"]
    assert aws(env, "lambda", "get-function-configuration", "--function-name", fn)["MemorySize"] == 128
    # (moto keeps executed change sets listed; CloudFormation does not.)
    left = [c for c in aws(env, "cloudformation", "list-change-sets", "--stack-name", STACK)
            ["Summaries"] if c["ExecutionStatus"] != "EXECUTE_COMPLETE"]
    assert left == []
    # --offline: no AWS at all, against the template the last deploy saved.
    moto.reset()
    r = run("plan", "--offline", "--detailed-exitcode", cwd=project)
    assert r.returncode == 2, r.stderr
    assert "Modify" in r.stdout and "HelloFunction" in r.stdout
    assert calls(moto) == []


def test_5_deploy_the_change(env, project):
    r = spartac(env, project, "deploy", "--outputs-file", "outputs.json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{STACK}: UPDATE_COMPLETE" in r.stdout
    fn = stack_resources(env)["HelloFunction"]["PhysicalResourceId"]
    assert aws(env, "lambda", "get-function-configuration", "--function-name", fn)["MemorySize"] == 256
    assert isinstance(json.loads((project / "outputs.json").read_text()), dict)
    r = spartac(env, project, "deploy")
    assert r.returncode == 0 and "no changes" in r.stdout


def test_6_code_change_uploads_one_object(env, project, moto):
    src = project / "src" / "hello.c"
    src.write_text(src.read_text().replace("GREETING", "hello, moto"))
    moto.reset()
    r = spartac(env, project, "deploy", "--format", "json")
    assert r.returncode == 0, r.stderr
    puts = [c for c in calls(moto) if c[0] == "PUT" and c[1].endswith(".zip")]
    assert len(puts) == 1, calls(moto)
    sha = (project / ".spartac" / "code.sha256").read_text().split()[0]
    assert puts[0][1].endswith(f"/{STACK}/{sha}.zip")
    assert json.loads(r.stdout)["uploads"] == 1


def test_7_status(env, project):
    r = spartac(env, project, "status", "--format", "json")
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    assert st["exists"] and st["status"] in ("UPDATE_COMPLETE",)
    assert st["tags"]["team"] == "platform" and "spartac:digest" not in st["tags"]
    assert len(st["parameters"]["SpartacDigest"]) == 64
    assert st["parameters"]["CodeKey"].startswith(STACK + "/")
    assert st["events"], st
    r = spartac(env, project, "status")
    assert r.returncode == 0 and r.stdout.startswith(f"{STACK}: UPDATE_COMPLETE")


def test_8_delete(env, project, moto):
    r = spartac(env, project, "delete", "--yes")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{STACK}: deleted" in r.stdout
    gone = aws_run(env, "cloudformation", "describe-stacks", "--stack-name", STACK)
    assert gone.returncode != 0 and "does not exist" in gone.stderr
    moto.reset()
    r = spartac(env, project, "delete", "--yes")
    assert r.returncode == 0 and "nothing to delete" in r.stdout
    assert [c[2] for c in calls(moto)] == ["DescribeStacks"]
    r = spartac(env, project, "status")
    assert r.returncode == 6 and "no such stack" in r.stdout


def test_9_plan_on_a_missing_stack_leaves_nothing(env, project, moto):
    r = spartac(env, project, "plan", "--detailed-exitcode", "--format", "json")
    assert r.returncode == 2, r.stderr
    out = json.loads(r.stdout)
    assert out["result"] == "changes"
    assert {c["action"] for c in out["changes"]} == {"Add"}
    # The REVIEW_IN_PROGRESS stack the CREATE change set made is gone too.
    gone = aws_run(env, "cloudformation", "describe-stacks", "--stack-name", STACK)
    assert gone.returncode != 0 or \
        json.loads(gone.stdout)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


def test_10_large_template_goes_through_s3(env, tmp_path, moto):
    # 45 functions: about 100 KB of template, over the 51,200-byte inline limit.
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "hello.c").write_text(SOURCE)
    fns = "".join(f"  f{i}:\n    symbol: hello_world\n    share_symbol: true\n" for i in range(45))
    (tmp_path / "sparta.yaml").write_text("service: spartac-moto-big\nfunctions:\n" + fns)
    moto.reset()
    r = spartac(env, tmp_path, "deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "spartac-moto-big: CREATE_COMPLETE" in r.stdout
    assert (tmp_path / ".spartac" / "template.json").stat().st_size > 51200
    tpl = [c for c in calls(moto) if c[0] == "PUT" and "/spartac-moto-big/templates/" in c[1]]
    assert len(tpl) == 1, calls(moto)
    st = aws(env, "cloudformation", "describe-stacks", "--stack-name", "spartac-moto-big")
    assert st["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    r = spartac(env, tmp_path, "delete", "--yes", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["result"] == "deleted"


def deploy_on_terminal(env, project, answer, color=True):
    """spartac deploy on a pseudo-terminal, without --yes; writes answer when
    it asks [y/N]. Returns (answered, wait status, output) (conftest's
    run_on_terminal: a hang becomes a failure)."""
    full = aws_env(env)
    full["TERM"] = "xterm"
    if color:
        full.pop("NO_COLOR", None)
    return run_on_terminal(["deploy", "--endpoint-url", env["ENDPOINT"]],
                           project, full, answer, "deploy")


def test_11_terminal_asks_and_no_declines(env, project, moto):
    """On a terminal without --yes deploy shows the changes and asks;
    answering no deletes the change set, executes nothing, exits 2."""
    m = project / "sparta.yaml"
    m.write_text(m.read_text().replace("timeout: 5", "timeout: 7"))
    # The stack was deleted above: this is a CREATE change set.
    answered, status, text = deploy_on_terminal(env, project, b"n\n")
    assert answered, text
    assert os.WEXITSTATUS(status) == 2, text
    assert "Add" in text and "HelloFunction" in text
    assert "not executed" in text
    gone = aws_run(env, "cloudformation", "describe-stacks", "--stack-name", STACK)
    assert gone.returncode != 0 or \
        json.loads(gone.stdout)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


def test_12_ctrl_c_at_the_question_exits_130_and_leaves_nothing(env, project, moto):
    # The terminal turns ^C into SIGINT.
    sent, status, text = deploy_on_terminal(env, project, b"\x03", color=False)
    assert sent, text
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 130, text
    assert "interrupted" in text and "nothing was executed" in text
    gone = aws_run(env, "cloudformation", "describe-stacks", "--stack-name", STACK)
    assert gone.returncode != 0 or \
        json.loads(gone.stdout)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


def _no_stack(env):
    """Whether the stack is gone (or never was) after a run."""
    r = subprocess.run(["aws", "--endpoint-url", env["ENDPOINT"], "cloudformation",
                        "describe-stacks", "--stack-name", STACK], capture_output=True,
                       text=True, env={**os.environ, **{k: v for k, v in env.items() if k != "ENDPOINT"}})
    return r.returncode != 0 or json.loads(r.stdout)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


def _full_pipe():
    """A pipe whose buffer is full: the next write to it blocks."""
    import fcntl
    rd, wr = os.pipe()
    flags = fcntl.fcntl(wr, fcntl.F_GETFL)
    fcntl.fcntl(wr, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    try:
        while True:
            os.write(wr, b"." * 4096)
    except BlockingIOError:
        pass
    fcntl.fcntl(wr, fcntl.F_SETFL, flags)
    return rd, wr


def _blocked_writing_a_pipe(pid):
    try:
        with open(f"/proc/{pid}/wchan") as f:
            return "pipe_write" in f.read()
    except OSError:
        return False


def _kernel_names_pipe_waits():
    """Whether /proc/PID/wchan says a process waits to write a pipe."""
    rd, wr = _full_pipe()
    p = subprocess.Popen(["sh", "-c", "echo x"], stdout=wr)
    os.close(wr)
    try:
        for _ in range(50):
            if _blocked_writing_a_pipe(p.pid):
                return True
            time.sleep(0.05)
        return False
    finally:
        p.kill()
        p.wait()
        os.close(rd)


def test_12b_ctrl_c_before_the_read_is_not_lost(env, project, moto):
    """Ctrl-C that lands after the last check and before the wait for the
    answer (here: while the change list waits on a full stdout pipe) still
    ends the prompt: exit 130, nothing left behind, no read that hangs."""
    import pty
    import select
    import signal
    full = dict(os.environ)
    full.update({k: v for k, v in env.items() if k != "ENDPOINT"})
    full["TERM"] = "xterm"
    if not _kernel_names_pipe_waits():
        pytest.skip("/proc/PID/wchan does not say when a process waits on a pipe")
    # stdout: a pipe filled to the brim, so printing the changes blocks
    rd, wr = _full_pipe()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(project)
        os.dup2(wr, 1)
        os.close(wr)
        os.close(rd)
        cmd = spartac_cmd("deploy", "--endpoint-url", env["ENDPOINT"])
        os.execvpe(cmd[0], cmd, full)
    os.close(wr)
    os.set_blocking(rd, False)
    err, sent, status = b"", False, None
    try:
        deadline = time.time() + 240
        while time.time() < deadline and status is None:
            ready, _, _ = select.select([fd, rd] if sent else [fd], [], [], 0.2)
            if fd in ready:
                try:
                    err += os.read(fd, 4096)
                except OSError:
                    pass
            if rd in ready:
                os.read(rd, 65536)  # drained, so spartac can exit
            if not sent and _blocked_writing_a_pipe(pid):
                os.kill(pid, signal.SIGINT)
                sent = True
                deadline = min(deadline, time.time() + 60)
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
    finally:
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(rd)
        os.close(fd)
    text = err.decode("utf-8", "replace")
    assert sent, text
    assert status is not None, "still waiting for an answer after Ctrl-C: " + text
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 130, text
    assert "interrupted" in text and "nothing was executed" in text
    assert _no_stack(env)


def test_13_the_example_with_its_site(env, tmp_path, moto):
    """sparta.yaml.example as shipped: deploy, the site's files in the site
    bucket with their content types, a no-op, one changed site file is one
    upload, and delete empties the site bucket before deleting the stack."""
    import shutil
    shutil.copy(ROOT / "sparta.yaml.example", tmp_path / "sparta.yaml")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    stack = "spartac-example"
    r = spartac(env, tmp_path, "deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{stack}: CREATE_COMPLETE" in r.stdout
    res = aws(env, "cloudformation", "describe-stack-resources", "--stack-name", stack)
    bucket = next(x["PhysicalResourceId"] for x in res["StackResources"]
                  if x.get("LogicalResourceId") == "SiteBucket")
    site = tmp_path / "examples" / "hello" / "site"
    files = sorted(p.name for p in site.iterdir())
    listed = aws(env, "s3api", "list-objects-v2", "--bucket", bucket)["Contents"]
    assert sorted(o["Key"] for o in listed) == files
    head = aws(env, "s3api", "head-object", "--bucket", bucket, "--key", "index.html")
    assert head["ContentType"].startswith("text/html")
    moto.reset()
    r = spartac(env, tmp_path, "deploy")
    assert r.returncode == 0 and f"{stack}: no changes" in r.stdout, r.stderr
    assert [c[2] for c in calls(moto)] == ["DescribeStacks"]
    (site / "index.html").write_text((site / "index.html").read_text() + "<!-- v2 -->\n")
    moto.reset()
    r = spartac(env, tmp_path, "deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    puts = [c for c in calls(moto) if c[0] == "PUT" and c[1].startswith(f"/{bucket}/")]
    assert [c[1] for c in puts] == [f"/{bucket}/index.html"], calls(moto)
    moto.reset()
    r = spartac(env, tmp_path, "delete", "--yes")
    assert r.returncode == 0 and f"{stack}: deleted" in r.stdout, r.stderr
    ops = [c[2] for c in calls(moto)]
    assert "DeleteStack" in ops
    deletes = [i for i, c in enumerate(calls(moto))
               if c[0] == "POST" and c[1].startswith(f"/{bucket}") and "delete" in c[1]]
    assert deletes and deletes[0] < ops.index("DeleteStack"), calls(moto)


def test_14_a_failed_deploy_exits_4_with_the_reason(env, tmp_path, moto):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "hello.c").write_text(SOURCE)
    (tmp_path / "sparta.yaml").write_text(
        "service: spartac-moto-broken\nfunctions:\n  hello:\n    symbol: hello_world\n"
        "  items:\n    symbol: items_handler\n"
        "resources:\n  Broken:\n    Type: AWS::SQS::Queue\n"
        "    Properties: {QueueName: \"bad name!\"}\n")
    r = spartac(env, tmp_path, "deploy", "--format", "json")
    assert r.returncode == 4, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["result"] == "failed" and "alphanumeric" in out["reason"]
    # The REVIEW_IN_PROGRESS stack of the CREATE change set is not left behind.
    gone = aws_run(env, "cloudformation", "describe-stacks", "--stack-name", "spartac-moto-broken")
    assert gone.returncode != 0 and "does not exist" in gone.stderr
