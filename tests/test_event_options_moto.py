"""Event options and asynchronous settings reach AWS: the valid corpus case
event-options.yaml is built and created as a stack in moto server, and what
moto made is compared with the manifest through boto3 -- the mappings'
batching, partial batch responses, filters, concurrency caps, pause and
stream error handling; the functions' asynchronous invocation settings;
and the send privileges each destination adds to the generated role.

moto gap: moto's CloudFormation skips AWS::Lambda::EventInvokeConfig, so
the asynchronous settings are checked on the template (what CloudFormation
gets); everything else is read back from moto.
"""
import json

import pytest

import manifestlib
from conftest import ROOT, moto_server, run
from test_moto_stack import as_doc

CASE = ROOT / "tests" / "manifests" / "valid" / "event-options.yaml"
REGION = "us-east-1"
STACK = "orders-pipeline"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    import boto3
    work = tmp_path_factory.mktemp("event-options")
    r = run("build", "--template-only", "-o", work, CASE)
    assert r.returncode == 0, r.stderr
    template = json.loads((work / "template.json").read_text())
    with moto_server(tmp_path_factory, "moto-events") as url:
        kw = dict(endpoint_url=url, region_name=REGION, aws_access_key_id="testing",
                  aws_secret_access_key="testing")
        c = {s: boto3.client(s, **kw) for s in ("s3", "cloudformation", "lambda", "iam")}
        c["s3"].create_bucket(Bucket="artifacts")
        c["s3"].put_object(Bucket="artifacts", Key="code/abc.zip",
                           Body=b"PK\x05\x06" + b"\0" * 18)
        cfn = c["cloudformation"]
        cfn.create_stack(StackName=STACK, TemplateBody=json.dumps(template),
                         Parameters=[{"ParameterKey": "ArtifactBucket", "ParameterValue": "artifacts"},
                                     {"ParameterKey": "CodeKey", "ParameterValue": "code/abc.zip"}],
                         Capabilities=["CAPABILITY_IAM"])
        st = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
        assert st["StackStatus"] == "CREATE_COMPLETE", st.get("StackStatusReason")
        res = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in
               cfn.describe_stack_resources(StackName=STACK)["StackResources"]
               if "LogicalResourceId" in r}
        yield template, res, c


def mappings(c, res, fn):
    return c["lambda"].list_event_source_mappings(FunctionName=res[fn])["EventSourceMappings"]


def by_name(c, res, fn):
    """The function's mappings, by the logical ID of their source."""
    names = {v.rsplit("/", 1)[-1].rsplit(":", 1)[-1]: k for k, v in res.items()}
    out = {}
    for mp in mappings(c, res, fn):
        arn = mp["EventSourceArn"]
        key = arn.split(":table/")[1].split("/")[0] if ":table/" in arn else \
            arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        out[names[key]] = mp
    return out


def test_sqs_options(stack):
    template, res, c = stack
    m = manifestlib.load_manifest(CASE)
    want = m["functions"]["intake"]["events"][0]["sqs"]
    got = by_name(c, res, "IntakeFunction")
    orders = got["Orders"]
    assert orders["BatchSize"] == want["batch"]
    assert orders["MaximumBatchingWindowInSeconds"] == want["window"]
    assert orders["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert [json.loads(f["Pattern"]) for f in orders["FilterCriteria"]["Filters"]] == want["filters"]
    assert orders["ScalingConfig"] == {"MaximumConcurrency": want["max_concurrency"]}
    assert orders["State"] == "Enabled"
    assert got["Backfill"]["State"] == "Disabled"          # enabled: false
    assert "FunctionResponseTypes" not in got["Backfill"]


def test_stream_options(stack):
    template, res, c = stack
    m = manifestlib.load_manifest(CASE)
    want = m["functions"]["changes"]["events"][0]["dynamodb"]
    got = by_name(c, res, "ChangesFunction")
    ddb = got["Ledger"]
    assert ddb["StartingPosition"] == "TRIM_HORIZON"
    failed = res["Failed"].rsplit("/", 1)[-1]
    assert ddb["DestinationConfig"]["OnFailure"]["Destination"].endswith(":" + failed)
    assert ddb["BisectBatchOnFunctionError"] is True
    assert ddb["MaximumRetryAttempts"] == want["retries"]
    assert ddb["MaximumRecordAgeInSeconds"] == want["max_record_age"]
    assert ddb["ParallelizationFactor"] == want["parallelization"]
    assert ddb["TumblingWindowInSeconds"] == want["tumbling_window"]
    assert ddb["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert [json.loads(f["Pattern"]) for f in ddb["FilterCriteria"]["Filters"]] == want["filters"]
    kin = got["Clicks"]
    assert kin["StartingPosition"] == "LATEST"
    assert kin["DestinationConfig"]["OnFailure"]["Destination"] == res["Alerts"]
    assert kin["MaximumRetryAttempts"] == -1 and kin["MaximumRecordAgeInSeconds"] == -1


def test_async_settings(stack):
    template, res, c = stack
    lam = c["lambda"]
    cfg = template["Resources"]["ChangesEventInvokeConfig"]["Properties"]
    assert cfg["FunctionName"] == {"Ref": "ChangesFunction"} and cfg["Qualifier"] == "$LATEST"
    assert cfg["MaximumRetryAttempts"] == 1          # from defaults:
    assert cfg["MaximumEventAgeInSeconds"] == 3600   # the function's own
    notify = template["Resources"]["NotifyEventInvokeConfig"]["Properties"]
    assert notify["MaximumRetryAttempts"] == 0       # the function's own wins
    assert "MaximumEventAgeInSeconds" not in notify
    # The function exists in moto under the name CloudFormation gave it.
    assert lam.get_function(FunctionName=res["ChangesFunction"])["Configuration"]["Runtime"] == \
        "provided.al2023"


def test_destination_privileges(stack):
    template, res, c = stack
    iam = c["iam"]

    def statements(lid):
        doc = as_doc(iam.get_role_policy(RoleName=res[lid], PolicyName="spartac")["PolicyDocument"])
        return {s["Sid"]: s for s in doc["Statement"]}

    changes = statements("ChangesFunctionRole")
    assert changes["DestinationSqs"]["Action"] == ["sqs:SendMessage"]
    queues = {a.rsplit(":", 1)[-1] for a in changes["DestinationSqs"]["Resource"]}
    assert queues == {res["Done"].rsplit("/", 1)[-1], res["Failed"].rsplit("/", 1)[-1]}
    assert changes["DestinationSns"]["Action"] == ["sns:Publish"]
    assert changes["DestinationSns"]["Resource"] == [res["Alerts"]]
    notify = statements("NotifyFunctionRole")
    assert notify["DestinationLambda"]["Action"] == ["lambda:InvokeFunction"]
    fn_arn = c["lambda"].get_function(FunctionName=res["ChangesFunction"])["Configuration"]["FunctionArn"]
    assert notify["DestinationLambda"]["Resource"] == [fn_arn]
    assert notify["DestinationEvents"]["Action"] == ["events:PutEvents"]
    assert notify["DestinationEvents"]["Resource"] == \
        ["arn:aws:events:us-east-1:123456789012:event-bus/default"]
    intake = statements("IntakeFunctionRole")
    assert not any(s.startswith("Destination") for s in intake)
