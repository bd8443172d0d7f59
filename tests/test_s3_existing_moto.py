"""s3 events on a bucket that already exists (events: - s3: {bucket: NAME,
existing: true}): the built-in custom resource of the bootstrap
(runtime/s3notify.c), run as Lambda runs it (the service's own bootstrap,
_HANDLER sparta.s3-notifications, under the Runtime Interface Emulator)
against moto with signature checking on, with a test server playing
CloudFormation's side.

The bucket starts with a topic, a queue and another function's entry: a
Create adds exactly the function's entry and keeps the others; an Update
changes only it; a Delete removes only it; a Delete on a bucket that is
gone succeeds (the stack can always be deleted). The template side
(permission, least-privilege role, serialised notifications) is in the
golden corpus (tests/manifests/valid/s3-existing-bucket.*).
"""
import json

import boto3
import pytest

from conftest import run
from runtimelib import Rie, rie_binary
from test_aws_moto import REGION, moto_auth  # noqa: F401 (fixture)
from test_custom_resources import Cfn, memcheck_run

HELLO = """#include <sparta/lambda.h>
int t_resize(const char *e, size_t n, struct sparta_context *c, struct sparta_response *r);
int t_resize(const char *e, size_t n, struct sparta_context *c, struct sparta_response *r)
{ (void)e; (void)n; (void)c; return sparta_write(r, "{}", 2); }
"""
FN = f"arn:aws:lambda:{REGION}:123456789012:function:photos-resize"
OTHER = f"arn:aws:lambda:{REGION}:123456789012:function:someone-else"


@pytest.fixture(scope="module")
def aws(moto_auth):  # noqa: F811
    url, key, secret, _ = moto_auth
    kw = dict(endpoint_url=url, region_name=REGION, aws_access_key_id=key,
              aws_secret_access_key=secret)
    s3 = boto3.client("s3", **kw)
    topic = boto3.client("sns", **kw).create_topic(Name="uploads-topic")["TopicArn"]
    queue = boto3.client("sqs", **kw).create_queue(QueueName="uploads-queue")["QueueUrl"]
    qarn = boto3.client("sqs", **kw).get_queue_attributes(
        QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    env = {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
           "AWS_REGION": REGION, "AWS_ENDPOINT_URL": url}
    return s3, env, topic, qarn


def others(topic, qarn):
    return {
        "TopicConfigurations": [{"Id": "to-topic", "TopicArn": topic,
                                 "Events": ["s3:ObjectRemoved:*"]}],
        "QueueConfigurations": [{"Id": "to-queue", "QueueArn": qarn,
                                 "Events": ["s3:ObjectCreated:Put"],
                                 "Filter": {"Key": {"FilterRules": [
                                     {"Name": "suffix", "Value": ".txt"}]}}}],
        "LambdaFunctionConfigurations": [{"Id": "someone-else", "LambdaFunctionArn": OTHER,
                                          "Events": ["s3:ObjectCreated:Copy"]}],
    }


def config(s3, bucket):
    c = s3.get_bucket_notification_configuration(Bucket=bucket)
    c.pop("ResponseMetadata", None)
    return c


def ours(props):
    out = {"Id": props["Id"], "LambdaFunctionArn": props["FunctionArn"],
           "Events": props["Events"]}
    rules = [{"Name": n.lower(), "Value": props[n]} for n in ("Prefix", "Suffix") if n in props]
    if rules:
        out["Filter"] = {"Key": {"FilterRules": rules}}
    return out


def norm(c):
    """Filter rule names as S3 spells them back (moto capitalises them)."""
    c = json.loads(json.dumps(c))
    for kind in c.values():
        for entry in kind:
            for r in entry.get("Filter", {}).get("Key", {}).get("FilterRules", []):
                r["Name"] = r["Name"].lower()
    return c


@pytest.fixture(scope="module")
def bootstrap(tmp_path_factory):
    d = tmp_path_factory.mktemp("s3x")
    (d / "h.c").write_text(HELLO)
    (d / "sparta.yaml").write_text(
        "service: photos\nbuild:\n  sources: [h.c]\nfunctions:\n  resize:\n"
        "    symbol: t_resize\n    events:\n"
        "      - s3: {bucket: existing-photos, existing: true, prefix: incoming/}\n")
    r = run("build", cwd=d, timeout=600)
    assert r.returncode == 0, r.stderr
    tpl = json.loads((d / ".spartac" / "template.json").read_text())
    assert tpl["Resources"]["ResizeEvent1Notification"]["Type"] == "Custom::SpartaS3Notification"
    # a function calling AWS stays within the bound
    assert (d / ".spartac" / "code.zip").stat().st_size <= 300 * 1024
    return d / ".spartac" / "bootstrap"


def test_existing_bucket_notifications(aws, bootstrap, tmp_path):
    s3, env, topic, qarn = aws
    rie_binary()
    bucket = "existing-photos"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=others(topic, qarn))
    before = norm(config(s3, bucket))
    props = {"Bucket": bucket, "Id": "photos-ResizeEvent1", "FunctionArn": FN,
             "Events": ["s3:ObjectCreated:*"], "Prefix": "incoming/"}
    cfn = Cfn()
    rie = Rie(tmp_path, [bootstrap], "sparta.s3-notifications", timeout_s=30, extra_env=env)
    try:
        code, body = rie.invoke(json.dumps(cfn.request(0, "Create", props)).encode())
        assert code == 200, body
        rep = cfn.reply(0)
        assert rep["Status"] == "SUCCESS", rep
        physical = rep["PhysicalResourceId"]
        assert physical == f"{bucket}/photos-ResizeEvent1"
        after = norm(config(s3, bucket))
        want = json.loads(json.dumps(before))
        want["LambdaFunctionConfigurations"].append(ours(props))
        assert after == want  # exactly one entry more, the others as they were

        new = dict(props, Events=["s3:ObjectCreated:*", "s3:ObjectRemoved:*"], Suffix=".jpg")
        code, body = rie.invoke(json.dumps(
            cfn.request(1, "Update", new, physical, old=props)).encode())
        assert code == 200 and cfn.reply(1)["Status"] == "SUCCESS", cfn.reply(1)
        want["LambdaFunctionConfigurations"][-1] = ours(new)
        assert norm(config(s3, bucket)) == want

        code, body = rie.invoke(json.dumps(cfn.request(2, "Delete", new, physical)).encode())
        assert code == 200 and cfn.reply(2)["Status"] == "SUCCESS", cfn.reply(2)
        assert norm(config(s3, bucket)) == before  # only ours went

        # a failed Create's Delete: nothing of ours on the bucket to touch
        code, body = rie.invoke(json.dumps(cfn.request(3, "Delete", props, "Thing-x")).encode())
        assert cfn.reply(3)["Status"] == "SUCCESS"
        assert norm(config(s3, bucket)) == before

        # the bucket is gone: Delete still succeeds; Create says why it fails
        gone = dict(props, Bucket="no-such-photos")
        code, body = rie.invoke(json.dumps(
            cfn.request(4, "Delete", gone, "no-such-photos/photos-ResizeEvent1")).encode())
        assert cfn.reply(4)["Status"] == "SUCCESS", cfn.reply(4)
        code, body = rie.invoke(json.dumps(cfn.request(5, "Create", gone)).encode())
        rep = cfn.reply(5)
        assert rep["Status"] == "FAILED" and "NoSuchBucket" in rep["Reason"], rep
    finally:
        rie.close()
        cfn.close()


def test_empty_bucket_gains_the_entry(aws, bootstrap, tmp_path):
    s3, env, _, _ = aws
    bucket = "empty-photos"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    props = {"Bucket": bucket, "Id": "photos-ResizeEvent1", "FunctionArn": FN,
             "Events": ["s3:ObjectCreated:*"]}
    cfn = Cfn()
    rie = Rie(tmp_path, [bootstrap], "sparta.s3-notifications", timeout_s=30, extra_env=env)
    try:
        rie.invoke(json.dumps(cfn.request(0, "Create", props)).encode())
        assert cfn.reply(0)["Status"] == "SUCCESS", cfn.reply(0)
        assert norm(config(s3, bucket)) == {"LambdaFunctionConfigurations": [ours(props)]}
        rie.invoke(json.dumps(cfn.request(1, "Delete", props,
                                          f"{bucket}/photos-ResizeEvent1")).encode())
        assert cfn.reply(1)["Status"] == "SUCCESS"
        assert config(s3, bucket) == {}
    finally:
        rie.close()
        cfn.close()


TABLE = """#include "dispatch.h"
sparta_handler_fn sparta_s3_notify;
static int
cr(const char *e, size_t n, struct sparta_context *c, struct sparta_response *r)
{
\treturn sparta_cr_serve(sparta_s3_notify, e, n, c, r);
}
const struct sparta_handler_entry sparta_handlers[] = {
\t{"sparta.s3-notifications", cr}, {NULL, NULL},
};
"""


@pytest.mark.parametrize("tool", ["asan", "valgrind"])
def test_s3_notify_memory(aws, tmp_path, tool):
    """The built-in handler's Create, Update, Delete and a missing bucket
    on moto in one process, under ASan+UBSan or valgrind."""
    s3, env, topic, qarn = aws
    bucket = f"mem-{tool}-photos"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=others(topic, qarn))
    before = norm(config(s3, bucket))
    props = {"Bucket": bucket, "Id": "photos-ResizeEvent1", "FunctionArn": FN,
             "Events": ["s3:ObjectCreated:*"], "Prefix": "a&b<c>/"}
    new = dict(props, Suffix=".jpg")
    phys = f"{bucket}/photos-ResizeEvent1"
    cfn = Cfn()
    try:
        posted = memcheck_run(tmp_path, tool, TABLE, [], "sparta.s3-notifications", [
            cfn.request(0, "Create", props), cfn.request(1, "Update", new, phys, old=props),
            cfn.request(2, "Delete", new, phys),
            cfn.request(3, "Create", dict(props, Bucket="no-such-photos"))], env)
        assert len(posted) == 4, posted
        assert [cfn.reply(n)["Status"] for n in range(4)] == ["SUCCESS"] * 3 + ["FAILED"]
        assert norm(config(s3, bucket)) == before
    finally:
        cfn.close()
