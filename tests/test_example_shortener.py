"""examples/url-shortener end to end on moto with signature and policy
checking on: `spartac deploy` creates its table, queues, functions and API;
then its C handlers run under `spartac invoke --aws-env` and call the
deployed DynamoDB table and SQS queue through <sparta/aws.h>, in the
service's own order: create links, follow them, hand what they queued to
the consumer as Lambda's SQS event source would (received from moto's
queue, deleted after the batch answers), and read the counters back, both
through the stats handler and with boto3.

The handlers run with the deployer's credentials: moto checks a
DynamoDB call against Resource "*" only (it has no resource for them), so
the functions' own roles, which name the table, would be refused there.
The roles' contents are checked in tests/test_examples.py; here each
handler's calls are also run under a role holding only the actions its
deployed role grants (test_each_handler_needs_only_its_role). The deployed
bootstrap also runs under AWS's Runtime Interface Emulator (test_under_rie)."""
import json
import shutil

import pytest

import manifestlib
from conftest import ROOT, moto_server, offline_aws_env, run
from runtimelib import Rie, rie_binary
from test_aws_moto import auth_on
from test_moto_stack import as_doc

REGION = "us-east-1"
EXAMPLE = ROOT / "examples" / "url-shortener"
HOST = "abc123.execute-api.us-east-1.amazonaws.com"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The example deployed to moto (auth on): (dir, url, key, secret,
    {logical ID: physical ID}, boto3 client factory)."""
    import boto3
    d = tmp_path_factory.mktemp("shortener") / "url-shortener"
    shutil.copytree(EXAMPLE, d, ignore=shutil.ignore_patterns(".spartac"))
    with moto_server(tmp_path_factory, "moto-shortener", ordered=True) as url:
        key, secret, _ = auth_on(url, REGION)
        env = offline_aws_env(tmp_path_factory.mktemp("home"), REGION)
        env.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret)
        r = run("deploy", "--endpoint-url", url, cwd=d, env=env, timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr

        def client(service, **creds):
            creds = creds or dict(aws_access_key_id=key, aws_secret_access_key=secret)
            return boto3.client(service, endpoint_url=url, region_name=REGION, **creds)

        res = client("cloudformation").describe_stack_resources(StackName="url-shortener")
        phys = {x["LogicalResourceId"]: x.get("PhysicalResourceId") for x in res["StackResources"]}
        # The test plays Lambda's event source itself (deliver()); moto's
        # own would take each message as it is sent and fail to run the
        # function (it needs Docker), leaving the message invisible.
        lam = client("lambda")
        esm = lam.update_event_source_mapping(UUID=phys["CountEvent1Mapping"], Enabled=False)
        assert esm["State"] in ("Disabled", "Disabling"), esm
        yield d, url, key, secret, phys, client


def invoke(stack, fn, event, creds=None):
    """spartac invoke FN --aws-env with the deployed table and queue;
    returns (exit status, parsed stdout or None, stderr)."""
    d, url, key, secret, phys, _ = stack
    key, secret, token = creds or (key, secret, None)
    ev = d / f"ev-{fn}.json"
    ev.write_text(json.dumps(event))
    env = offline_aws_env(d.parent, REGION)
    env.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret)
    if token:
        env["AWS_SESSION_TOKEN"] = token
    r = run("invoke", fn, "--aws-env", "--event", ev.name, "--endpoint-url", url,
            "--env", f"LINKS_TABLE={phys['LinksTable']}",
            "--env", f"VISITS_QUEUE_URL={phys['VisitsQueue']}", cwd=d, env=env, timeout=300)
    try:
        out = json.loads(r.stdout)
    except ValueError:
        out = None
    return r.returncode, out, r.stderr


def api(method, resource, path, params=None, body=None):
    """An API Gateway (REST, payload 1.0) proxy event."""
    return {"resource": resource, "path": path, "httpMethod": method,
            "headers": {"Host": HOST, "Content-Type": "application/json"},
            "queryStringParameters": None, "pathParameters": params,
            "requestContext": {"resourcePath": resource, "httpMethod": method, "stage": "v1"},
            "body": None if body is None else json.dumps(body), "isBase64Encoded": False}


def shorten(stack, body, **kw):
    rc, out, err = invoke(stack, "shorten", api("POST", "/links", "/links", body=body), **kw)
    assert rc == 0, err
    return out["statusCode"], json.loads(out["body"]), out["headers"]


def follow(stack, code, **kw):
    rc, out, err = invoke(stack, "redirect", api("GET", "/{code}", f"/{code}", {"code": code}),
                          **kw)
    assert rc == 0, err
    return out["statusCode"], out["headers"]


def stats(stack, code=None, **kw):
    ev = api("GET", "/stats", "/stats") if code is None else \
        api("GET", "/links/{code}/stats", f"/links/{code}/stats", {"code": code})
    rc, out, err = invoke(stack, "stats", ev, **kw)
    assert rc == 0, err
    return out["statusCode"], json.loads(out["body"])


def drain(stack):
    """Every message now in the visits queue, received (not yet deleted)."""
    _, _, _, _, phys, client = stack
    sqs, got = client("sqs"), []
    while True:
        r = sqs.receive_message(QueueUrl=phys["VisitsQueue"], MaxNumberOfMessages=10,
                                WaitTimeSeconds=1, AttributeNames=["All"])
        if not r.get("Messages"):
            return got
        got += r["Messages"]


def sqs_event(stack, messages):
    """Received messages as Lambda's SQS event source hands them over."""
    _, _, _, _, phys, client = stack
    arn = client("sqs").get_queue_attributes(
        QueueUrl=phys["VisitsQueue"], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": {},
        "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs", "eventSourceARN": arn,
        "awsRegion": REGION} for m in messages]}


def deliver(stack, messages, **kw):
    """Runs count over the batch and deletes what it did not report as
    failed, as the event source does; returns the failed message IDs."""
    _, _, _, _, phys, client = stack
    rc, out, err = invoke(stack, "count", sqs_event(stack, messages), **kw)
    assert rc == 0, err
    failed = [f["itemIdentifier"] for f in out["batchItemFailures"]]
    for m in messages:
        if m["MessageId"] not in failed:
            client("sqs").delete_message(QueueUrl=phys["VisitsQueue"],
                                         ReceiptHandle=m["ReceiptHandle"])
    return failed


def item(stack, code):
    _, _, _, _, phys, client = stack
    return client("dynamodb").get_item(TableName=phys["LinksTable"],
                                       Key={"code": {"S": code}}).get("Item")


def test_zip_size(stack):
    """Issue 16's bound for a service whose handlers call DynamoDB and SQS:
    the runtime, the AWS client, SigV4 and TLS included."""
    d = stack[0]
    assert (d / ".spartac" / "code.zip").stat().st_size <= 300 * 1024


def test_create_follow_count(stack):
    status, body, headers = shorten(stack, {"url": "https://github.com/mweagle/Sparta",
                                            "code": "sparta"})
    assert status == 201, body
    assert body == {"code": "sparta", "url": "https://github.com/mweagle/Sparta",
                    "short": f"https://{HOST}/v1/sparta"}
    assert headers["Location"] == body["short"]
    # the conditional put: a code is never taken over
    status, body, _ = shorten(stack, {"url": "https://example.com/other", "code": "sparta"})
    assert status == 409, body
    assert item(stack, "sparta")["url"] == {"S": "https://github.com/mweagle/Sparta"}
    # a generated code
    status, body, _ = shorten(stack, {"url": "http://example.com/a?b=c&d=%20"})
    assert status == 201, body
    gen = body["code"]
    assert len(gen) == 7 and gen.isalnum(), gen
    assert item(stack, gen)["url"] == {"S": "http://example.com/a?b=c&d=%20"}
    for bad in ({"url": "javascript:alert(1)"}, {"url": "https://"}, {},
                {"url": "https://x.org/" + "a" * 2048}, {"url": "https://x.org", "code": "a/b"},
                {"url": "https://x.org", "code": "_totals"}):
        status, body, _ = shorten(stack, bad)
        assert status == 400, (bad, body)

    for _ in range(3):
        status, headers = follow(stack, "sparta")
        assert status == 302
        assert headers["Location"] == "https://github.com/mweagle/Sparta"
        assert headers["Cache-Control"] == "no-store"
    status, headers = follow(stack, gen)
    assert status == 302 and headers["Location"] == "http://example.com/a?b=c&d=%20"
    assert follow(stack, "nothing-here")[0] == 404
    status, body = stats(stack, "sparta")
    assert status == 200 and body["visits"] == 0  # counted only once delivered

    # 2 created + 4 visits queued; one message nobody could count added
    _, _, _, _, phys, client = stack
    client("sqs").send_message(QueueUrl=phys["VisitsQueue"], MessageBody="not json")
    messages = drain(stack)
    assert len(messages) == 7, [m["Body"] for m in messages]
    bodies = [json.loads(m["Body"]) for m in messages if m["Body"] != "not json"]
    assert sorted((b["event"], b["code"]) for b in bodies) == sorted(
        [("created", "sparta"), ("created", gen)] + [("visit", "sparta")] * 3 + [("visit", gen)])
    bad = [m["MessageId"] for m in messages if m["Body"] == "not json"]
    for batch in (messages[:4], messages[4:]):
        failed = deliver(stack, batch)
        assert failed == [m for m in bad if m in {x["MessageId"] for x in batch}]

    it = item(stack, "sparta")
    assert it["visits"] == {"N": "3"} and int(it["last_visit"]["N"]) >= int(it["created"]["N"])
    assert item(stack, gen)["visits"] == {"N": "1"}
    assert item(stack, "_totals") == {"code": {"S": "_totals"}, "links": {"N": "2"}}
    status, body = stats(stack, "sparta")
    assert status == 200, body
    assert body["code"] == "sparta" and body["visits"] == 3
    assert body["url"] == "https://github.com/mweagle/Sparta"
    assert body["last_visit"] >= body["created"] > 0
    assert stats(stack) == (200, {"links": 2})
    assert stats(stack, "nothing-here")[0] == 404


def test_visit_of_a_deleted_link_is_dropped(stack):
    """The consumer's conditional update: a visit queued before its link
    was deleted does not bring back a half item, and is not retried."""
    status, body, _ = shorten(stack, {"url": "https://example.org/", "code": "gone"})
    assert status == 201, body
    assert follow(stack, "gone")[0] == 302
    _, _, _, _, phys, client = stack
    client("dynamodb").delete_item(TableName=phys["LinksTable"], Key={"code": {"S": "gone"}})
    messages = drain(stack)
    assert len(messages) == 2
    assert deliver(stack, messages) == []
    assert item(stack, "gone") is None
    assert drain(stack) == []


def role_copy(stack, fn):
    """A role holding the actions of fn's deployed role, on any resource
    of the kinds it names (moto checks a DynamoDB call against "*"), and
    session credentials for it."""
    _, _, _, _, phys, client = stack
    lid = "".join(p[:1].upper() + p[1:] for p in fn.split("-")) + "FunctionRole"
    iam = client("iam")
    doc = as_doc(iam.get_role_policy(RoleName=phys[lid], PolicyName="spartac")["PolicyDocument"])
    stmts = []
    for s in doc["Statement"]:
        acts = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        res = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
        if any(a.startswith("dynamodb:") for a in acts):
            res = ["*"]
        stmts.append({"Effect": "Allow", "Action": acts, "Resource": res})
    name = f"copy-{fn}"
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": stmts}))
    c = client("sts").assume_role(RoleArn=arn, RoleSessionName=fn)["Credentials"]
    return c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]


def test_each_handler_needs_only_its_role(stack):
    """Each handler under a role with only its deployed role's actions
    (the manifest's privileges, and count's event-source grants): its
    calls succeed; and a handler under another's role is refused."""
    m = manifestlib.load_manifest(EXAMPLE / "sparta.yaml")
    creds = {fn: role_copy(stack, fn) for fn in m["functions"]}
    status, body, _ = shorten(stack, {"url": "https://example.net/", "code": "roles"},
                              creds=creds["shorten"])
    assert status == 201, body
    status, headers = follow(stack, "roles", creds=creds["redirect"])
    assert status == 302 and headers["Location"] == "https://example.net/"
    assert deliver(stack, drain(stack), creds=creds["count"]) == []
    status, body = stats(stack, "roles", creds=creds["stats"])
    assert status == 200 and body["visits"] == 1, body
    # stats may not write, so it may not create a link
    rc, out, err = invoke(stack, "shorten", api("POST", "/links", "/links",
                                                body={"url": "https://x.org/", "code": "no"}),
                          creds=creds["stats"])
    # (DynamoDB's code is AccessDeniedException, moto's AccessDenied)
    assert rc == 5 and out["errorType"] in ("Function.AccessDeniedException",
                                            "Function.AccessDenied"), (out, err)
    assert "dynamodb:PutItem" in out["errorMessage"] and "HTTP 403" in out["errorMessage"]
    assert item(stack, "no") is None


def test_under_rie(stack, tmp_path):
    """The deployed bootstrap under AWS's Runtime Interface Emulator, one
    warm process per function: its connection to moto is reused across
    invocations, and what it did shows in the table."""
    d, url, key, secret, phys, _ = stack
    rie_binary()
    env = {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
           "AWS_ENDPOINT_URL": url, "LINKS_TABLE": phys["LinksTable"],
           "VISITS_QUEUE_URL": phys["VisitsQueue"]}
    boot = d / ".spartac" / "bootstrap"
    rie = Rie(tmp_path, [boot], "shorten", extra_env=env)
    try:
        for n in range(3):
            status, body = rie.invoke(json.dumps(api("POST", "/links", "/links", body={
                "url": f"https://example.com/{n}", "code": f"rie-{n}"})).encode())
            assert status == 200 and json.loads(body)["statusCode"] == 201, body
        assert rie.inits() == 1
    finally:
        rie.close()
    rie = Rie(tmp_path, [boot], "redirect", extra_env=env)
    try:
        for n in range(3):
            status, body = rie.invoke(json.dumps(api("GET", "/{code}", f"/rie-{n}",
                                                     {"code": f"rie-{n}"})).encode())
            out = json.loads(body)
            assert out["statusCode"] == 302, body
            assert out["headers"]["Location"] == f"https://example.com/{n}"
        assert rie.inits() == 1
    finally:
        rie.close()
    assert deliver(stack, drain(stack)) == []
    for n in range(3):
        assert item(stack, f"rie-{n}")["visits"] == {"N": "1"}
