"""<sparta/aws.h> on moto with signature checking on: a C handler
(tests/aws/store.c) writes and reads a DynamoDB item, sends and receives an
SQS message (JSON protocol), puts, gets and deletes an S3 object and calls
STS GetCallerIdentity (Query protocol), under `spartac invoke` and under
the AWS Lambda Runtime Interface Emulator. The same handler with a wrong
secret gets the service's signature error, not a success."""
import json
import shutil

import boto3
import pytest

from conftest import ROOT, run
from runtimelib import Rie, rie_binary
from test_aws_moto import REGION, clean_env, moto_auth  # noqa: F401 (fixture)

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
    rie = Rie(tmp_path, [d / ".spartac" / "bootstrap"], "store", extra_env=env)
    try:
        for n in range(3):
            status, body = rie.invoke(json.dumps(event(queue, 100 + n)).encode())
            assert status == 200, body
            check(json.loads(body), 100 + n)
        assert rie.inits() == 1  # one warm process, its connections kept
    finally:
        rie.close()
