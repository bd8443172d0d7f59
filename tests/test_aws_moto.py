"""The AWS client against moto server with signature checking on.

Every call converge needs succeeds when signed with the right key and fails
with SignatureDoesNotMatch (403 on HEAD, which has no body) when signed with
a wrong secret. The moto fixtures here are shared by the other
tests/test_aws_*.py files."""
import json
import os
import re
import subprocess
import urllib.request

import pytest

from conftest import BUILD, moto_server, run

DRIVER = BUILD / "tests" / "test_aws_client"
REGION = "eu-west-1"

TEMPLATE = json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})
TEMPLATE2 = json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"},
                                      "Topic": {"Type": "AWS::SNS::Topic"}}})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture(scope="session")
def moto_auth(tmp_path_factory):
    """moto with signature checking on: (url, access key, secret, role arn)."""
    try:
        import boto3  # noqa: F401 (auth_on's)
    except ImportError:
        pytest.fail("boto3 is not installed: run 'sh tools/setup.sh test'")
    with moto_server(tmp_path_factory, "moto-auth") as url:
        yield url, *auth_on(url, REGION)


def auth_on(url, region):
    """Creates the user "deployer" (allowed everything) and the role
    "existing-role" (the same), then turns moto's signature and policy
    checking on. Returns (access key, secret, role arn)."""
    import boto3
    kw = dict(endpoint_url=url, region_name=region, aws_access_key_id="AKIAIOSFODNN7SETUP",
              aws_secret_access_key="setup")
    iam = boto3.client("iam", **kw)
    iam.create_user(UserName="deployer")
    key = iam.create_access_key(UserName="deployer")["AccessKey"]
    iam.put_user_policy(UserName="deployer", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    role = iam.create_role(RoleName="existing-role", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName="existing-role", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    req = urllib.request.Request(url + "/moto-api/reset-auth", data=b"0", method="POST",
                                 headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(req, timeout=10).read()
    return key["AccessKeyId"], key["SecretAccessKey"], role


@pytest.fixture(scope="session")
def moto_plain(tmp_path_factory):
    """moto without signature checking, for AssumeRoleWithWebIdentity: that
    call is unsigned (the OIDC token is the proof), and moto with checking
    on fails any request without an Authorization header (KeyError, 500)."""
    with moto_server(tmp_path_factory, "moto-plain") as url:
        yield url


def clean_env(home, **extra):
    """An environment with no AWS settings from the developer's machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=str(home), AWS_EC2_METADATA_DISABLED="true")
    env.update(extra)
    return env


def script(lines, env, *args, timeout=120):
    """Runs the client driver over tab-separated call lines; returns rows."""
    if not DRIVER.exists():
        pytest.fail(f"{DRIVER} is missing: run 'make unit'")
    out = subprocess.run([str(DRIVER), "--script", *args], input="\n".join(lines) + "\n",
                         env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    return rows, out.stderr


def calls(tmp_path, bucket, stack, role_name):
    tpl, tpl2 = tmp_path / "t.json", tmp_path / "t2.json"
    tpl.write_text(TEMPLATE)
    tpl2.write_text(TEMPLATE2)
    return [
        # STS
        ("whoami",),
        # S3
        ("create-bucket", bucket),
        ("head-bucket", bucket),
        ("put-object", bucket, "code/abc 1.zip", "zip-bytes"),
        ("head-object", bucket, "code/abc 1.zip"),
        # moto (and so boto3 against it) fails the signature of a prefix
        # holding '/': werkzeug hands moto the query decoded
        ("list-objects", bucket, "code"),
        ("delete-objects", bucket, "code/abc 1.zip"),
        # CloudFormation
        ("describe-stacks", stack),
        ("create-change-set", stack, "cs1", "CREATE", "@" + str(tpl)),
        ("describe-change-set", stack, "cs1"),
        ("execute-change-set", stack, "cs1"),
        ("describe-stacks", stack),
        ("describe-stack-events", stack),
        ("get-template", stack),
        # UpdateTerminationProtection and ContinueUpdateRollback are not in
        # moto: tests/test_aws_shapes.py checks them against botocore
        ("create-change-set", stack, "cs2", "UPDATE", "@" + str(tpl2)),
        ("delete-change-set", stack, "cs2"),
        ("delete-stack", stack),
        # IAM
        ("get-role", role_name),
    ]


def test_every_call_signed_right_succeeds(moto_auth, tmp_path):
    url, key, secret, role = moto_auth
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret)
    ops = calls(tmp_path, "spartac-ok-bucket", "ok-stack", "existing-role")
    rows, err = script(["\t".join(c) for c in ops] + ["calls"], env,
                       "--region", REGION, "--endpoint-url", url)
    res = dict()
    for op, row in zip(ops, rows):
        assert row[0] == "ok", f"{op[0]} failed: {row}"
        res.setdefault(op[0], []).append(row)
    assert res["whoami"][0][1] == "123456789012"
    assert res["head-bucket"][0][1:] == ["exists", REGION]
    assert res["head-object"][0][1] == "9"
    assert res["list-objects"][0][1:] == ["1", "code/abc 1.zip"]
    assert res["describe-stacks"][0][1] == "none"
    assert res["describe-stacks"][1][1] == "CREATE_COMPLETE"
    assert res["describe-change-set"][0][1:4] == ["CREATE_COMPLETE", "AVAILABLE", "1"]
    assert res["describe-change-set"][0][4] == "Add:Queue:AWS::SQS::Queue"
    assert int(res["describe-stack-events"][0][1]) > 0
    assert int(res["get-template"][0][1]) == len(TEMPLATE)
    assert res["get-role"][0][1] == role
    assert json.loads(res["get-role"][0][2])["Statement"][0]["Action"] == "sts:AssumeRole"
    # the API call counter the deploy benchmark reports
    assert rows[len(ops)][0:3] == ["ok", str(len(ops) + 3), str(len(ops) + 3)]  # create-bucket is 4


def test_every_call_with_wrong_secret_is_rejected(moto_auth, tmp_path):
    url, key, secret, _ = moto_auth
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret[:-1] + "X")
    ops = calls(tmp_path, "spartac-bad-bucket", "bad-stack", "existing-role")
    rows, _ = script(["\t".join(c) for c in ops], env, "--region", REGION, "--endpoint-url", url)
    assert len(rows) == len(ops)
    for op, row in zip(ops, rows):
        assert row[0] == "err", f"{op[0]} succeeded with a wrong secret: {row}"
        if op[0].startswith("head-"):
            assert row[2] == "403", row  # HEAD responses carry no error body
        else:
            assert row[1] == "SignatureDoesNotMatch", f"{op[0]}: {row}"


def test_head_bucket_reports_the_bucket_region(moto_auth, tmp_path):
    url, key, secret, _ = moto_auth
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret)
    rows, _ = script(["create-bucket\tspartac-west-bucket", "head-bucket\tspartac-west-bucket"],
                     env, "--region", "us-west-2", "--endpoint-url", url)
    assert rows[0] == ["ok"]
    assert rows[1][1:] == ["exists", "us-west-2"]
    # asked from another region, S3 still says where the bucket lives
    rows, _ = script(["head-bucket\tspartac-west-bucket", "head-bucket\tspartac-no-such-bucket"],
                     env, "--region", REGION, "--endpoint-url", url)
    assert rows[0][2] == "us-west-2", rows
    assert rows[1][:2] == ["ok", "missing"], rows


def test_assume_role_through_moto_sts(moto_auth, tmp_path):
    url, key, secret, role = moto_auth
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret)
    rows, _ = script([f"assume-role\t{role}"], env, "--region", REGION, "--endpoint-url", url)
    assert rows[0][0] == "ok" and rows[0][1].startswith("ASIA") and rows[0][2] == "1", rows


def test_whoami_verb_against_moto(moto_auth, tmp_path):
    url, key, secret, _ = moto_auth
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret)
    r = run("whoami", "--region", REGION, "--endpoint-url", url, "--format", "json", env=env)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["Account"] == "123456789012"
    assert out["Arn"].endswith(":user/deployer")
    assert out["Region"] == REGION
    assert out["CredentialSource"] == "environment (AWS_ACCESS_KEY_ID)"
    env["AWS_SECRET_ACCESS_KEY"] = "wrong"
    r = run("whoami", "--region", REGION, "--endpoint-url", url, env=env)
    assert r.returncode == 4
    # service, operation, code, message and request id, on one line
    assert re.search(r"error: sts GetCallerIdentity: SignatureDoesNotMatch: The request signature "
                     r".* \(request id \S+\)$", r.stderr, re.M), r.stderr
