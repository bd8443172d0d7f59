"""A split service (root + nested stacks) deployed end to end on moto.

300 functions split into nested stacks: deploy creates the root and its
children, each child template uploaded once under
<stack>/templates/<sha256>.json; an unchanged redeploy is one API call
(DescribeStacks: the root names each child's SHA-256, so its digest covers
them); a one-function change uploads one child, plans one Modify of that
child, and moto replaces that child only; status lists the children;
delete leaves no stack, function, role or log group behind; plan lists the
changes inside a child; a failure inside a child is reported from the
child's events; a child file edited after the build stops the deploy
before any call.

The split is spartac's (nested_stacks.max_resources lowered, so that 300
functions make several children).

What moto does not do, and so is not tested here (said once, precisely):
- IncludeNestedStacks is ignored: the root change set has no nested change
  sets, so a plan on moto shows the child's own row (Modify
  AWS::CloudFormation::Stack) but not the resources inside it; the
  expansion (nested.c) is tested in test_7 with the two DescribeChangeSet
  answers replaced by CloudFormation's shape (botocore's model).
- a failing resource inside a child makes moto's ExecuteChangeSet fail
  outright (a JSON ValidationException body on the Query API; the stack
  stays REVIEW_IN_PROGRESS, no CREATE_FAILED events anywhere), so test_8
  replaces the answers from ExecuteChangeSet on with CloudFormation's
  shape to test the root cause read from the child's DescribeStackEvents.
- moto answers ListStackResources with CREATE_COMPLETE for every resource,
  so status shows that for every child after an update too.
"""
import hashlib
import json
import time

import boto3
import pytest

from conftest import offline_aws_env, run

# the handlers (hello_world, items_handler), and the moto fixture: an
# ordered moto server behind the counting proxy, one per module
from test_deploy_moto import SOURCE, moto  # noqa: F401

STACK = "spartac-nested-300"
REGION = "us-east-1"
NFUNC = 300
MAX_RESOURCES = 150  # 900 resources: several children


def manifest(service, n, max_resources=None, memory=None, extra=""):
    """A service of n functions (three resources each), split into nested
    stacks of at most max_resources resources (None: CloudFormation's
    limit); memory maps a function's index to its memory."""
    memory = memory or {}
    fns = "".join(f"  f{i}:\n    symbol: hello_world\n    share_symbol: true\n" +
                  (f"    memory: {memory[i]}\n" if i in memory else "")
                  for i in range(n))
    split = (f"nested_stacks:\n  max_resources: {max_resources}\n"
             if max_resources else "")
    return f"service: {service}\nfunctions:\n{fns}{split}{extra}"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return offline_aws_env(tmp_path_factory.mktemp("home"), REGION)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    d = tmp_path_factory.mktemp("nested")
    (d / "src").mkdir()
    (d / "src" / "hello.c").write_text(SOURCE)
    (d / "sparta.yaml").write_text(manifest(STACK, NFUNC, MAX_RESOURCES))
    return d


def endpoint(moto):
    # TemplateURL must say localhost for moto (tests/test_deploy_moto.py)
    return f"http://localhost:{moto.server_address[1]}"


def spartac(moto, env, project, *args):
    return run(*args, "--endpoint-url", endpoint(moto), cwd=project, env=env,
               timeout=300)


def client(moto, env, service):
    return boto3.client(service, endpoint_url=f"http://127.0.0.1:{moto.server_address[1]}",
                        region_name=REGION, aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])


def live_stacks(moto, env):
    cfn = client(moto, env, "cloudformation")
    out = {}
    for page in cfn.get_paginator("list_stacks").paginate():
        for s in page["StackSummaries"]:
            if s["StackStatus"] != "DELETE_COMPLETE":
                out[s["StackName"]] = s["StackId"]
    return out


def children(moto, env):
    """The root's nested stacks: logical ID -> stack ID."""
    cfn = client(moto, env, "cloudformation")
    res = cfn.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in res
            if r["ResourceType"] == "AWS::CloudFormation::Stack"}


def functions(moto, env):
    lam = client(moto, env, "lambda")
    out = {}
    for page in lam.get_paginator("list_functions").paginate():
        for f in page["Functions"]:
            out[f["FunctionName"]] = f
    return out


def template_puts(moto):
    return [c[1] for c in moto.snapshot() if c[0] == "PUT" and f"/{STACK}/templates/" in c[1]]


def child_files(project):
    return sorted((project / ".spartac" / "stacks").glob("*.json"))


def test_1_deploy_creates_the_root_and_its_children(moto, env, project):
    moto.reset()
    t0 = time.monotonic()
    r = spartac(moto, env, project, "deploy", "--yes", "--format", "json")
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["result"] == "deployed", out
    files = child_files(project)
    assert len(files) >= 6, files
    kids = children(moto, env)
    assert sorted(kids) == sorted(f.stem for f in files)
    stacks = live_stacks(moto, env)
    assert STACK in stacks and all(k in stacks.values() or k in stacks for k in kids.values())
    # every function is there, created by its child
    fns = functions(moto, env)
    assert len(fns) == NFUNC, len(fns)
    # each child went up once, under its content's name
    puts = template_puts(moto)
    assert sorted(p.rsplit("/", 1)[1] for p in puts) == sorted(
        hashlib.sha256(f.read_bytes()).hexdigest() + ".json" for f in files), puts
    print(f"300 functions, {len(files)} children: deploy {took:.1f} s, {len(moto.snapshot())} calls")


def test_2_unchanged_redeploy_is_one_call(moto, env, project):
    moto.reset()
    r = spartac(moto, env, project, "deploy", "--yes", "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["result"] == "no-changes" and out["uploads"] == 0, out
    assert [c[2] for c in moto.snapshot()] == ["DescribeStacks"], moto.snapshot()


def test_3_one_function_changes_one_child(moto, env, project):
    before = children(moto, env)
    old = {f.stem: f.read_bytes() for f in child_files(project)}
    (project / "sparta.yaml").write_text(manifest(STACK, NFUNC, MAX_RESOURCES, {7: 512}))
    moto.reset()
    r = spartac(moto, env, project, "plan", "--format", "json", "--detailed-exitcode")
    assert r.returncode == 2, r.stdout + r.stderr
    changed = [k for k, v in old.items()
               if (project / ".spartac" / "stacks" / f"{k}.json").read_bytes() != v]
    assert len(changed) == 1, changed
    plan = json.loads(r.stdout)
    assert [(c["action"], c["logicalId"], c["type"]) for c in plan["changes"]] == \
        [("Modify", changed[0], "AWS::CloudFormation::Stack")], plan["changes"]
    # plan put the changed child up (CloudFormation reads it), nothing else
    assert len(template_puts(moto)) == 1 and not any(
        c[1].endswith(".zip") for c in moto.snapshot() if c[0] == "PUT"), moto.snapshot()
    assert "ExecuteChangeSet" not in [c[2] for c in moto.snapshot()]
    # plan --fast diffs the changed child against its deployed template
    moto.reset()
    r = spartac(moto, env, project, "plan", "--fast", "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    rows = [(c["action"], c.get("stack"), c["logicalId"], c["type"], c.get("properties"))
            for c in json.loads(r.stdout)["changes"]]
    assert [x[:4] for x in rows] == [
        ("Modify", None, changed[0], "AWS::CloudFormation::Stack"),
        ("Modify", changed[0], "F7Function", "AWS::Lambda::Function")], rows
    assert rows[1][4] == [{"path": "MemorySize", "old": 128, "new": 512}], rows[1]
    assert [c[2] for c in moto.snapshot()] == [
        "DescribeStacks", "GetTemplate", "DescribeStackResources", "GetTemplate"], moto.snapshot()
    r = spartac(moto, env, project, "plan", "--fast")
    assert f"Modify  {changed[0]}/F7Function" in r.stdout, r.stdout
    # and so does plan --offline, against the children the deploy kept
    moto.reset()
    r = spartac(moto, env, project, "plan", "--offline", "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    offline = [(c["action"], c.get("stack"), c["logicalId"], c["type"], c.get("properties"))
               for c in json.loads(r.stdout)["changes"]]
    assert offline == rows, offline
    assert moto.snapshot() == []
    kept = project / ".spartac" / "deployed" / "stacks"
    assert sorted(p.name for p in kept.iterdir()) == sorted(
        hashlib.sha256(v).hexdigest() + ".json" for v in old.values())
    moto.reset()
    r = spartac(moto, env, project, "deploy", "--yes", "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["result"] == "deployed"
    # uploaded by plan already: the content-addressed key is there
    assert template_puts(moto) == [], template_puts(moto)
    after = children(moto, env)
    moved = [k for k in after if after[k] != before[k]]
    # moto replaces a modified nested stack (a new stack ID); the others
    # keep theirs
    assert moved == changed, (moved, changed)
    fn = [f for n, f in functions(moto, env).items() if "-F7Function-" in n]
    assert len(fn) == 1 and fn[0]["MemorySize"] == 512, fn
    assert len(functions(moto, env)) == NFUNC


def test_3b_deploy_code_updates_the_functions_inside_the_children(moto, env, project):
    """deploy --code finds each function's physical name in its child
    (ListStackResources of the root, then of each child with functions)."""
    src = project / "src" / "hello.c"
    src.write_text(SOURCE.replace("GREETING", "HELLO"))
    moto.reset()
    r = spartac(moto, env, project, "deploy", "--code", "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["result"] == "deployed", out
    assert len(out["functions"]) == NFUNC, len(out["functions"])
    assert {f["lastUpdateStatus"] for f in out["functions"]} == {"Successful"}
    ops = [c[2] for c in moto.snapshot()]
    nkids = len(child_files(project))
    assert ops.count("ListStackResources") == 1 + nkids, ops
    updates = [c for c in moto.snapshot() if c[0] == "PUT" and c[1].endswith("/code")]
    assert len(updates) == NFUNC, len(updates)  # UpdateFunctionCode (REST)
    assert "DescribeStackResources" not in ops and "CreateChangeSet" not in ops


def test_4_status_lists_the_children(moto, env, project):
    r = spartac(moto, env, project, "status", "--format", "json")
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    kids = st["nestedStacks"]
    assert sorted(k["logicalId"] for k in kids) == sorted(f.stem for f in child_files(project))
    assert all(k["status"].endswith("_COMPLETE") and k["stackId"] for k in kids), kids
    r = spartac(moto, env, project, "status")
    assert r.returncode == 0, r.stderr
    assert f"nested stacks: {len(kids)} (" in r.stdout, r.stdout


def test_5_delete_leaves_nothing(moto, env, project):
    r = spartac(moto, env, project, "delete", "--yes", "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["result"] == "deleted"
    assert live_stacks(moto, env) == {}
    assert functions(moto, env) == {}
    iam = client(moto, env, "iam")
    assert iam.list_roles()["Roles"] == []
    logs = client(moto, env, "logs")
    assert logs.describe_log_groups()["logGroups"] == []


def test_6_a_stale_child_is_refused_before_any_call(moto, env, tmp_path):
    """The root names each child's SHA-256: a child file that does not
    match (edited after the build) stops the deploy before any call."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "hello.c").write_text(SOURCE)
    m = manifest("spartac-nested-stale", 4, 10, extra=(
        "hooks:\n  postmarshal:\n    command: [sh, -c, 'for f in "
        "\"${SPARTAC_TEMPLATE%/*}\"/stacks/*.json; do echo >> \"$f\"; done']\n"))
    (tmp_path / "sparta.yaml").write_text(m)
    moto.reset()
    r = spartac(moto, env, tmp_path, "deploy", "--yes")
    assert r.returncode != 0, r.stdout + r.stderr
    assert "the output is stale or was edited" in r.stderr, r.stderr
    assert moto.snapshot() == [], moto.snapshot()


XMLNS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"


def change_set_answer(name, changes):
    """A DescribeChangeSet answer in botocore's shape (ResourceChange with
    its ChangeSetId), for what moto does not make: nested change sets."""
    members = "".join(
        "<member><Type>Resource</Type><ResourceChange>"
        f"<Action>{a}</Action><LogicalResourceId>{lid}</LogicalResourceId>"
        f"<ResourceType>{t}</ResourceType><Replacement>False</Replacement>"
        + (f"<ChangeSetId>{cs}</ChangeSetId>" if cs else "") +
        "</ResourceChange></member>" for a, lid, t, cs in changes)
    arn = f"arn:aws:cloudformation:{REGION}:123456789012"
    return (f'<DescribeChangeSetResponse xmlns="{XMLNS}"><DescribeChangeSetResult>'
            f"<ChangeSetName>{name}</ChangeSetName>"
            f"<ChangeSetId>{arn}:changeSet/{name}/1</ChangeSetId>"
            f"<StackId>{arn}:stack/{name}/1</StackId>"
            "<Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus>"
            f"<IncludeNestedStacks>true</IncludeNestedStacks><Changes>{members}</Changes>"
            "</DescribeChangeSetResult><ResponseMetadata><RequestId>r</RequestId>"
            "</ResponseMetadata></DescribeChangeSetResponse>").encode()


def test_7_plan_shows_the_changes_inside_a_child(moto, env, tmp_path):
    """moto makes no nested change sets (IncludeNestedStacks is ignored):
    the two DescribeChangeSet answers are replaced by what CloudFormation
    answers with them (the root's change names the child's change set by
    ChangeSetId; that one lists the child's own changes). Everything else
    is moto's."""
    service = "spartac-nested-plan"
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "hello.c").write_text(SOURCE)
    (tmp_path / "sparta.yaml").write_text(manifest(service, 4, 10))
    r = spartac(moto, env, tmp_path, "deploy", "--yes")
    assert r.returncode == 0, r.stdout + r.stderr
    child = next(f.stem for f in child_files(tmp_path) if '"F3Function"' in f.read_text())
    (tmp_path / "sparta.yaml").write_text(manifest(service, 4, 10, {3: 512}))
    nested_arn = f"arn:aws:cloudformation:{REGION}:123456789012:changeSet/n/2"
    answers = [
        change_set_answer("root", [("Modify", child, "AWS::CloudFormation::Stack",
                                    nested_arn)]),
        change_set_answer("n", [("Modify", "F3Function", "AWS::Lambda::Function", None)]),
    ]
    moto.fault = lambda m, path, op: (("status", 200, answers.pop(0))
                                      if op == "DescribeChangeSet" and answers else None)
    moto.reset()
    try:
        r = spartac(moto, env, tmp_path, "plan", "--format", "json")
    finally:
        moto.fault = None
    assert r.returncode == 0, r.stdout + r.stderr
    assert answers == []
    got = [(c["action"], c.get("stack"), c["logicalId"], c["type"])
           for c in json.loads(r.stdout)["changes"]]
    assert got == [("Modify", None, child, "AWS::CloudFormation::Stack"),
                   ("Modify", child, "F3Function", "AWS::Lambda::Function")], got
    ops = [c[2] for c in moto.snapshot()]
    assert ops.count("DescribeChangeSet") == 2 and "ExecuteChangeSet" not in ops, ops
    # the same in the text table, the child named
    answers[:] = [
        change_set_answer("root", [("Modify", child, "AWS::CloudFormation::Stack",
                                    nested_arn)]),
        change_set_answer("n", [("Modify", "F3Function", "AWS::Lambda::Function", None)]),
    ]
    moto.fault = lambda m, path, op: (("status", 200, answers.pop(0))
                                      if op == "DescribeChangeSet" and answers else None)
    try:
        r = spartac(moto, env, tmp_path, "plan")
    finally:
        moto.fault = None
    assert r.returncode == 0, r.stdout + r.stderr
    rows = [line.split() for line in r.stdout.splitlines()]
    assert ["Modify", child, "AWS::CloudFormation::Stack", "False"] in rows, r.stdout
    assert ["Modify", f"{child}/F3Function", "AWS::Lambda::Function", "False"] in rows, r.stdout
    r = spartac(moto, env, tmp_path, "delete", "--yes")
    assert r.returncode == 0, r.stdout + r.stderr


def events_answer(stack_id, events):
    members = "".join(
        "<member>"
        f"<StackId>{stack_id}</StackId><EventId>{eid}</EventId><StackName>s</StackName>"
        f"<LogicalResourceId>{lid}</LogicalResourceId>"
        f"<PhysicalResourceId>{pid}</PhysicalResourceId><ResourceType>{t}</ResourceType>"
        f"<Timestamp>2026-12-06T02:00:{sec:02d}.000Z</Timestamp>"
        f"<ResourceStatus>{st}</ResourceStatus>"
        + (f"<ResourceStatusReason>{why}</ResourceStatusReason>" if why else "") +
        "</member>" for eid, lid, pid, t, sec, st, why in events)
    return (f'<DescribeStackEventsResponse xmlns="{XMLNS}"><DescribeStackEventsResult>'
            f"<StackEvents>{members}</StackEvents></DescribeStackEventsResult>"
            "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
            "</DescribeStackEventsResponse>").encode()


def test_8_a_failure_inside_a_child_is_reported_from_the_child(moto, env, tmp_path):
    """moto fails ExecuteChangeSet outright when a child's resource cannot
    be made (no CREATE_FAILED events anywhere), so from ExecuteChangeSet on
    the answers are CloudFormation's shape, replaced: the root rolls back,
    its events name the child that failed, and the child's own events (a
    DescribeStackEvents of the child's stack ID) hold the root cause."""
    import urllib.parse
    service = "spartac-nested-fail"
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "hello.c").write_text(SOURCE)
    (tmp_path / "sparta.yaml").write_text(manifest(service, 4, 10))
    arn = f"arn:aws:cloudformation:{REGION}:123456789012:stack"
    child_id = f"{arn}/{service}-Child-X/2"
    stack_type = "AWS::CloudFormation::Stack"
    why = "Resource handler returned message: the role cannot be assumed by Lambda"
    state = {"executed": False, "root": None, "asked": []}

    def fault(m, path, op):
        q = urllib.parse.parse_qs(moto.last_body.decode("utf-8", "replace"))
        name = q.get("StackName", [""])[0]
        if op == "ExecuteChangeSet":
            state["executed"] = True
            return ("status", 200, (f'<ExecuteChangeSetResponse xmlns="{XMLNS}">'
                                    "<ExecuteChangeSetResult/><ResponseMetadata><RequestId>r"
                                    "</RequestId></ResponseMetadata></ExecuteChangeSetResponse>"
                                    ).encode())
        if not state["executed"]:
            return None
        if op == "DescribeStacks":
            state["root"] = name
            return ("status", 200, (
                f'<DescribeStacksResponse xmlns="{XMLNS}"><DescribeStacksResult><Stacks><member>'
                f"<StackId>{name}</StackId><StackName>{service}</StackName>"
                "<CreationTime>2026-12-06T02:00:00.000Z</CreationTime>"
                "<StackStatus>ROLLBACK_COMPLETE</StackStatus></member></Stacks>"
                "</DescribeStacksResult><ResponseMetadata><RequestId>r</RequestId>"
                "</ResponseMetadata></DescribeStacksResponse>").encode())
        if op == "DescribeStackEvents":
            state["asked"].append(name)
            if name == child_id:
                return ("status", 200, events_answer(child_id, [
                    ("c3", "F1Function", "", "AWS::Lambda::Function", 3, "CREATE_FAILED",
                     "Resource creation cancelled"),
                    ("c2", "F3Function", "", "AWS::Lambda::Function", 2, "CREATE_FAILED", why),
                    ("c1", "F3Function", "", "AWS::Lambda::Function", 1, "CREATE_IN_PROGRESS",
                     None),
                ]))
            return ("status", 200, events_answer(name, [
                ("r3", service, name, stack_type, 5, "ROLLBACK_COMPLETE", None),
                ("r2", "Child", child_id, stack_type, 4, "CREATE_FAILED",
                 f"Embedded stack {child_id} was not successfully created: "
                 "The following resource(s) failed to create: [F3Function]."),
                ("r1", service, name, stack_type, 0, "CREATE_IN_PROGRESS", "User Initiated"),
            ]))
        return None

    moto.fault = fault
    try:
        r = spartac(moto, env, tmp_path, "deploy", "--yes", "--format", "json")
    finally:
        moto.fault = None
    assert r.returncode == 4, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["result"] == "failed", out
    causes = [(c["logicalId"], c["status"], c["reason"]) for c in out["rootCauses"]]
    assert causes == [("F3Function", "CREATE_FAILED", why)], out
    assert child_id in state["asked"], state
