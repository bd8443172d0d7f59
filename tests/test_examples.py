"""The ported public services under examples/ (see examples/README.md), end
to end: each validates, builds (the real C compile), gives a template with 0
cfn-lint errors and 0 warnings, deploys to moto through `spartac deploy`, and
what moto then holds is checked against the manifest with boto3: functions'
names, memory, timeout, environment, architecture; their roles' privileges
and managed policies; event source mappings and their options; API routes.
Each handler is invoked once (`spartac invoke`) with an event of its
original's shape, from the example's events/.

moto limits (checked in the template instead, against the manifest):
moto's CloudFormation skips AWS::Lambda::EventInvokeConfig, creates an
AWS::S3::Bucket without its NotificationConfiguration, and an
AWS::Lambda::Function without its Architectures, TracingConfig and Tags,
and an AWS::IAM::Role without its ManagedPolicyArns.
"""
import json
import os
import shutil
import subprocess
import time

import pytest

import manifestlib
from conftest import ROOT, moto_server, need, offline_aws_env, run
from test_moto_stack import as_doc

REGION = "us-east-1"
ACCOUNT = "123456789012"

# example directory -> (function to invoke, its event file, what the
# response must contain)
INVOKE = {
    "todos-rest-api": ("create", "events/create.json", "Learn Serverless"),
    "sqs-partial-batch": ("my-function", "events/batch.json",
                          '{"batchItemFailures":[{"itemIdentifier":'
                          '"2e1424d4-f796-459a-8184-9c92662be6da"}]}'),
    "kinesis-error-handling": ("processor", "events/records.json", '{"valid":2}'),
    "dynamodb-stream-eventbridge": ("my-function", "events/insert.json",
                                    '"Detail":{"id":"order-1","qty":3,"paid":true,'),
    "s3-transcribe": ("speech-to-text", "events/put.json", '"statusCode":200'),
    "lambda-destinations": ("on-success", "events/destination.json", '"hello world"'),
    "sparta-dynamodb": ("helloWorldGET", "events/get.json", "Hello World GET"),
    # its handlers call DynamoDB and SQS: tests/test_example_shortener.py
    # runs them on moto; this one answers before any call
    "url-shortener": ("shorten", "events/shorten-bad.json", '"statusCode":400'),
    "api-token-authorizer": ("my-auth-function", "events/token-allow.json",
                             '"Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:'
                             '123456789012:a1b2c3d4e5/Prod/*"'),
    "http-api-jwt": ("admin-lambda-function", "events/admin.json",
                     '"statusCode":200,"headers":{"Content-Type":"application/json"}'),
}
EXAMPLES = sorted(INVOKE)
# The stage each one is deployed with (the table of todos-rest-api is
# named after it).
STAGE = {"todos-rest-api": "dev"}
# The parameter values each one is deployed with (those without a default).
PARAMS = {"http-api-jwt": ["--parameter", "UserPoolId=us-east-1_Example",
                           "--parameter", "Audience=example-client"]}


def ident(name):
    """A manifest name's logical ID base (docs/logical-ids.md)."""
    out, up = [], True
    for ch in name:
        if ch.isalnum():
            out.append(ch.upper() if up else ch)
            up = False
        else:
            up = True
    return "".join(out)


def spartac_in(d, *args, env=None, timeout=300):
    return run(*args, cwd=d, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """Each example copied out of the tree, validated and built."""
    base = tmp_path_factory.mktemp("examples")
    out = {}
    for name in EXAMPLES:
        d = base / name
        shutil.copytree(ROOT / "examples" / name, d,
                        ignore=shutil.ignore_patterns(".spartac"))
        stage = ["--stage", STAGE[name]] if name in STAGE else []
        v = spartac_in(d, *stage, "validate")
        b = spartac_in(d, *stage, "build")
        out[name] = (d, v, b)
    return out


def test_every_example_is_listed():
    dirs = {p.name for p in (ROOT / "examples").iterdir()
            if (p / "sparta.yaml").exists()}
    assert dirs == set(EXAMPLES)
    readme = (ROOT / "examples" / "README.md").read_text()
    for name in EXAMPLES:
        assert f"`{name}/`" in readme, name


@pytest.mark.parametrize("name", EXAMPLES)
def test_validates_and_builds(work, name):
    d, v, b = work[name]
    assert v.returncode == 0, v.stderr
    assert "warning" not in v.stderr, v.stderr
    assert b.returncode == 0, b.stderr
    for f in ("bootstrap", "code.zip", "template.json"):
        assert (d / ".spartac" / f).exists(), f
    # The bootstrap is an ELF for the manifest's architecture (e_machine).
    arch = manifestlib.load_manifest(d / "sparta.yaml").get(
        "build", {}).get("architecture", "x86_64")
    elf = (d / ".spartac" / "bootstrap").read_bytes()[:20]
    assert elf[:4] == b"\x7fELF"
    assert int.from_bytes(elf[18:20], "little") == {"x86_64": 62, "arm64": 183}[arch]


@pytest.fixture(scope="module")
def lint(work):
    need("cfn-lint")
    paths = {str(work[n][0] / ".spartac" / "template.json"): n for n in EXAMPLES}
    paths = {p: n for p, n in paths.items() if os.path.exists(p)}
    r = subprocess.run(["cfn-lint", "--format", "json", "--", *paths],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode in range(0, 16, 2), r.stderr
    found = {n: [] if n in paths.values() else ["not built"] for n in EXAMPLES}
    for f in json.loads(r.stdout or "[]"):
        if f["Level"] in ("Error", "Warning"):
            found[paths[f["Filename"]]].append(
                f"{f['Rule']['Id']} line {f['Location']['Start']['LineNumber']}: "
                f"{f['Message']}")
    return found


@pytest.mark.parametrize("name", EXAMPLES)
def test_cfn_lint_clean(lint, name):
    assert lint[name] == []


# ---- deployed to moto -----------------------------------------------------

@pytest.fixture(scope="module")
def aws_env(tmp_path_factory):
    try:
        import boto3  # noqa: F401
    except ImportError:
        pytest.fail("boto3 is not installed: run 'sh tools/setup.sh test'")
    with moto_server(tmp_path_factory, "moto-examples", ordered=True) as url:
        yield url, offline_aws_env(tmp_path_factory.mktemp("home"), REGION)


@pytest.fixture(scope="module")
def clients(aws_env):
    import boto3
    url, _ = aws_env
    kw = dict(endpoint_url=url, region_name=REGION, aws_access_key_id="testing",
              aws_secret_access_key="testing")
    return {s: boto3.client(s, **kw) for s in
            ("cloudformation", "lambda", "iam", "apigateway", "s3", "sqs", "dynamodb",
             "kinesis")}


@pytest.fixture(scope="module")
def deployed(work, aws_env, clients):
    """name -> (manifest, template, {logical ID: physical ID}, deploy result)."""
    url, env = aws_env
    port = url.rsplit(":", 1)[1]
    out = {}
    for name in EXAMPLES:
        d, _, built = work[name]
        if built.returncode != 0:
            out[name] = (None, None, {}, built)
            continue
        stage = ["--stage", STAGE[name]] if name in STAGE else []
        r = spartac_in(d, *stage, "deploy", "--endpoint-url", f"http://localhost:{port}",
                       *PARAMS.get(name, []), env=env)
        m = manifestlib.load_manifest(d / "sparta.yaml")
        template = json.loads((d / ".spartac" / "template.json").read_text())
        stack = m["service"]
        phys = {}
        if r.returncode == 0:
            res = clients["cloudformation"].describe_stack_resources(StackName=stack)
            phys = {x["LogicalResourceId"]: x.get("PhysicalResourceId")
                    for x in res["StackResources"] if "LogicalResourceId" in x}
        out[name] = (m, template, phys, r)
    return out


def effective(m, fn, key, default=None):
    """A function's setting: its own, else defaults:, else the schema's."""
    spec = m["functions"][fn]
    if key in spec:
        return spec[key]
    return m.get("defaults", {}).get(key, default)


def resolve(v, phys, clients, template):
    """A manifest value as deployed: literals as they are, Ref and GetAtt
    of the stack's own resources read back from moto; None when unknown."""
    if isinstance(v, (str, int, bool)):
        return v
    if isinstance(v, dict) and "Ref" in v:
        return phys.get(v["Ref"])
    if isinstance(v, dict) and "Fn::Sub" in v and isinstance(v["Fn::Sub"], str):
        return v["Fn::Sub"].replace("${AWS::Partition}", "aws").replace(
            "${AWS::Region}", REGION).replace("${AWS::AccountId}", ACCOUNT)
    if not (isinstance(v, dict) and "Fn::GetAtt" in v):
        return None
    lid, attr = v["Fn::GetAtt"]
    p, kind = phys.get(lid), template["Resources"][lid]["Type"]
    if kind == "AWS::SQS::Queue" and attr == "Arn":
        return clients["sqs"].get_queue_attributes(
            QueueUrl=p, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if kind == "AWS::Kinesis::Stream" and attr == "Arn":
        return clients["kinesis"].describe_stream_summary(
            StreamName=p)["StreamDescriptionSummary"]["StreamARN"]
    if kind == "AWS::DynamoDB::Table":
        t = clients["dynamodb"].describe_table(TableName=p)["Table"]
        return {"Arn": t["TableArn"], "StreamArn": t.get("LatestStreamArn")}[attr]
    if kind == "AWS::Lambda::Function" and attr == "Arn":
        return clients["lambda"].get_function(
            FunctionName=p)["Configuration"]["FunctionArn"]
    if kind == "AWS::Events::EventBus":
        return p if attr == "Name" else None
    if kind == "AWS::S3::Bucket" and attr == "Arn":
        return f"arn:aws:s3:::{p}"
    return None


@pytest.mark.parametrize("name", EXAMPLES)
def test_deploys(deployed, name):
    m, template, phys, r = deployed[name]
    assert r.returncode == 0, r.stdout + r.stderr
    assert "CREATE_COMPLETE" in r.stdout


@pytest.mark.parametrize("name", EXAMPLES)
def test_functions_match_the_manifest(deployed, clients, name):
    m, template, phys, r = deployed[name]
    assert r.returncode == 0, r.stderr
    lam = clients["lambda"]
    arch = m.get("build", {}).get("architecture", "x86_64")
    for fn, spec in m["functions"].items():
        physical = phys[ident(fn) + "Function"]
        if "name" in spec:
            assert physical == spec["name"], fn
        conf = lam.get_function(FunctionName=physical)["Configuration"]
        assert conf["Runtime"] == "provided.al2023" and conf["Handler"] == fn
        assert conf["MemorySize"] == effective(m, fn, "memory", 128), fn
        assert conf["Timeout"] == effective(m, fn, "timeout", 3), fn
        # moto's CloudFormation drops Architectures, TracingConfig and
        # Tags: those are checked in the template.
        props = template["Resources"][ident(fn) + "Function"]["Properties"]
        assert props.get("Architectures", ["x86_64"]) == [arch], fn
        if effective(m, fn, "tracing"):
            assert props["TracingConfig"]["Mode"] == effective(m, fn, "tracing")
        tags = {t["Key"]: t["Value"] for t in props.get("Tags", [])}
        want_tags = dict(m.get("defaults", {}).get("tags", {}))
        want_tags.update(spec.get("tags", {}))
        for k, v in want_tags.items():
            assert tags[k] == v, (fn, k)
        env = conf["Environment"]["Variables"]
        want = dict(m.get("defaults", {}).get("environment", {}))
        want.update(spec.get("environment", {}))
        for k, v in want.items():
            got = resolve(v, phys, clients, template)
            assert k in env, (fn, k)
            if got is not None:
                assert env[k] == got, (fn, k, env[k], got)
        for k in spec.get("depends_on", []):
            assert env[f"SPARTA_REF_{k}"] == phys[k], (fn, k)


@pytest.mark.parametrize("name", EXAMPLES)
def test_roles_match_the_manifest(deployed, clients, name):
    """Each function's generated role holds its own privileges, the
    service-wide ones from defaults:, and its managed policies."""
    m, template, phys, r = deployed[name]
    assert r.returncode == 0, r.stderr
    iam = clients["iam"]
    for fn, spec in m["functions"].items():
        role = phys[ident(fn) + "FunctionRole"]
        doc = as_doc(iam.get_role_policy(RoleName=role,
                                          PolicyName="spartac")["PolicyDocument"])
        stmts = doc["Statement"]
        wanted = spec.get("privileges", []) + m.get("defaults", {}).get("privileges", [])
        for p in wanted:
            actions = sorted(p["actions"])
            match = [s for s in stmts
                     if sorted(s["Action"] if isinstance(s["Action"], list)
                               else [s["Action"]]) == actions]
            assert match, (fn, actions, stmts)
            resources = [resolve(x, phys, clients, template) for x in p["resources"]]
            got = match[0]["Resource"]
            got = got if isinstance(got, list) else [got]
            for want in resources:
                if want is not None:
                    assert want in got, (fn, want, got)
        # moto's CloudFormation drops a role's ManagedPolicyArns.
        props = template["Resources"][ident(fn) + "FunctionRole"]["Properties"]
        wanted = spec.get("managed_policies", []) + \
            m.get("defaults", {}).get("managed_policies", [])
        assert props.get("ManagedPolicyArns", []) == wanted, fn


# Manifest event option -> EventSourceMapping field, and how to compare.
ESM_OPTIONS = {
    "batch": ("BatchSize", lambda v: v),
    "window": ("MaximumBatchingWindowInSeconds", lambda v: v),
    "starting_position": ("StartingPosition", lambda v: v),
    "report_batch_item_failures": ("FunctionResponseTypes",
                                   lambda v: ["ReportBatchItemFailures"] if v else None),
    "bisect_on_error": ("BisectBatchOnFunctionError", lambda v: v),
    "retries": ("MaximumRetryAttempts", lambda v: v),
    "max_record_age": ("MaximumRecordAgeInSeconds", lambda v: v),
    "parallelization": ("ParallelizationFactor", lambda v: v),
    "tumbling_window": ("TumblingWindowInSeconds", lambda v: v),
}


@pytest.mark.parametrize("name", EXAMPLES)
def test_event_source_mappings_match_the_manifest(deployed, clients, name):
    m, template, phys, r = deployed[name]
    assert r.returncode == 0, r.stderr
    lam = clients["lambda"]
    for fn, spec in m["functions"].items():
        for i, ev in enumerate(spec.get("events", []), 1):
            (kind, opts), = ev.items()
            if kind not in ("sqs", "kinesis", "dynamodb"):
                continue
            uuid = phys[f"{ident(fn)}Event{i}Mapping"]
            esm = lam.get_event_source_mapping(UUID=uuid)
            source = opts.get("queue", opts.get("stream"))
            assert esm["EventSourceArn"] == resolve(source, phys, clients, template)
            assert esm["FunctionArn"].split(":")[-1] == phys[ident(fn) + "Function"]
            for key, (field, conv) in ESM_OPTIONS.items():
                if key in opts:
                    assert esm.get(field) == conv(opts[key]), (fn, key, esm.get(field))
            if "filters" in opts:
                got = [json.loads(f["Pattern"]) for f in esm["FilterCriteria"]["Filters"]]
                assert got == opts["filters"], fn
            if "max_concurrency" in opts:
                assert esm["ScalingConfig"]["MaximumConcurrency"] == opts["max_concurrency"]
            if "on_failure" in opts:
                dest = esm["DestinationConfig"]["OnFailure"]["Destination"]
                assert dest == resolve(opts["on_failure"], phys, clients, template)


@pytest.mark.parametrize("name", EXAMPLES)
def test_async_and_s3_events_in_the_template(deployed, clients, name):
    """What moto does not keep: the EventInvokeConfig of async:, and the S3
    notification, whose Lambda permission moto does keep."""
    m, template, phys, r = deployed[name]
    assert r.returncode == 0, r.stderr
    res = template["Resources"]
    for fn, spec in m["functions"].items():
        fid = ident(fn) + "Function"
        configs = [v["Properties"] for v in res.values()
                   if v["Type"] == "AWS::Lambda::EventInvokeConfig"
                   and v["Properties"]["FunctionName"] == {"Ref": fid}]
        if "async" not in spec and "async" not in m.get("defaults", {}):
            assert configs == [], fn
            continue
        a = dict(m.get("defaults", {}).get("async", {}), **spec.get("async", {}))
        (c,) = configs
        dc = c.get("DestinationConfig", {})
        if "on_success" in a:
            assert dc["OnSuccess"]["Destination"] == a["on_success"]
        if "on_failure" in a:
            assert dc["OnFailure"]["Destination"] == a["on_failure"]
        for key, field in (("retries", "MaximumRetryAttempts"),
                           ("max_event_age", "MaximumEventAgeInSeconds")):
            if key in a:
                assert c[field] == a[key]
        # The function's role may send to its destinations (as deployed).
        doc = as_doc(clients["iam"].get_role_policy(
            RoleName=phys[fid + "Role"], PolicyName="spartac")["PolicyDocument"])
        for key in ("on_success", "on_failure"):
            if key not in a:
                continue
            kind = template["Resources"][a[key]["Fn::GetAtt"][0]]["Type"]
            action = {"AWS::Lambda::Function": "lambda:InvokeFunction",
                      "AWS::SQS::Queue": "sqs:SendMessage",
                      "AWS::SNS::Topic": "sns:Publish",
                      "AWS::Events::EventBus": "events:PutEvents"}[kind]
            arn = resolve(a[key], phys, clients, template)
            assert any(action in s["Action"] and arn in s["Resource"]
                       for s in doc["Statement"]), (fn, key, doc)
            # ... and nothing else: a destination gets only its one action.
            others = [s for s in doc["Statement"]
                      if arn in s["Resource"] and s["Action"] != [action]
                      and s["Action"] != action]
            assert others == [], (fn, key, others)
    for fn, spec in m["functions"].items():
        for i, ev in enumerate(spec.get("events", []), 1):
            if "s3" not in ev:
                continue
            bucket = ev["s3"]["bucket"]
            props = res[bucket].get("Properties", {})
            assert "BucketName" not in m["resources"][bucket].get("Properties", {})
            lambdas = props["NotificationConfiguration"]["LambdaConfigurations"]
            assert any(lc["Event"] in ev["s3"]["events"] and
                       lc["Function"] == {"Fn::GetAtt": [ident(fn) + "Function", "Arn"]}
                       for lc in lambdas), lambdas
            pol = json.loads(clients["lambda"].get_policy(
                FunctionName=phys[ident(fn) + "Function"])["Policy"])
            assert any(s["Principal"] == {"Service": "s3.amazonaws.com"}
                       for s in pol["Statement"]), pol
            assert phys[bucket] in {b["Name"] for b in
                                    clients["s3"].list_buckets()["Buckets"]}


def test_todos_api_routes(deployed, clients):
    m, template, phys, r = deployed["todos-rest-api"]
    assert r.returncode == 0, r.stderr
    api = clients["apigateway"]
    items = api.get_resources(restApiId=phys["Api"], limit=500)["items"]
    got = {i["path"]: set(i.get("resourceMethods", {})) for i in items}
    want = {}
    for route in m["api"]["routes"]:
        method, path = route.split(" ", 1)
        want.setdefault(path, {"OPTIONS"}).add(method)  # cors: true
    for path, methods in want.items():
        assert got[path] == methods, path
    # The table is named after the service and the stage.
    table = phys["TodosDynamoDbTable"]
    assert table == f"{m['service']}-{STAGE['todos-rest-api']}"
    assert clients["dynamodb"].describe_table(TableName=table)["Table"]["TableName"] == table


# ---- invoked locally --------------------------------------------------------

@pytest.mark.parametrize("name", EXAMPLES)
def test_invoke(work, name):
    d = work[name][0]
    fn, event, want = INVOKE[name]
    stage = ["--stage", STAGE[name]] if name in STAGE else []
    t0 = time.monotonic()
    r = spartac_in(d, *stage, "invoke", fn, "--event", event, timeout=120)
    assert r.returncode == 0, r.stderr
    assert want in r.stdout, r.stdout
    assert time.monotonic() - t0 < 60


def test_destinations_main_fails_on_failure_events(work):
    d = work["lambda-destinations"][0]
    ok = spartac_in(d, "invoke", "main", "--event", "events/success.json")
    assert ok.returncode == 0 and ok.stdout == '"hello world"', ok.stderr
    bad = spartac_in(d, "invoke", "main", "--event", "events/failure.json")
    assert bad.returncode == 5, bad.stderr
    assert "an expected error occurred" in bad.stderr


@pytest.mark.parametrize("name", [n for n in EXAMPLES
                                  if "defaults" in manifestlib.load_manifest(
                                      ROOT / "examples" / n / "sparta.yaml")])
def test_explain_names_the_defaults(work, name):
    """validate --explain says which settings came from defaults:."""
    d = work[name][0]
    m = manifestlib.load_manifest(d / "sparta.yaml")
    stage = ["--stage", STAGE[name]] if name in STAGE else []
    for fn, spec in m["functions"].items():
        r = spartac_in(d, *stage, "validate", "--explain", fn)
        assert r.returncode == 0, r.stderr
        rows = {line.split()[0]: line for line in r.stdout.splitlines()[1:] if line.strip()}
        for key in ("memory", "timeout"):
            if key in m["defaults"]:
                src = "function (" if key in spec else "defaults ("
                assert src in rows[key], (fn, rows[key])
        for k in m["defaults"].get("environment", {}):
            src = "function (" if k in spec.get("environment", {}) else "defaults ("
            assert src in rows[f"environment.{k}"], (fn, k)
