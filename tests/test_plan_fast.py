"""plan --fast against the change-set plan, over a corpus of edits (moto).

A service is deployed once; each edit of the corpus is applied to its
manifest alone and planned twice, through a change set and with --fast
(DescribeStacks + GetTemplate, no change set). Both must name the same
resources with the same action. Code changes are left out of the
comparison (an edit that adds a function changes the bootstrap, so every
function's code): moto's change set ignores a change of parameters only
(see test_deploy_moto.py), so there the change set is the one that is
wrong; test_fast_sees_a_code_edit checks --fast alone on one.
"""
import json

import pytest

from conftest import moto_server, run_peer

BASE = """\
service: fast-svc
roles:
  reader:
    privileges:
      - actions: [s3:GetObject]
        resources: ["arn:aws:s3:::data/*"]
functions:
  hello:
    symbol: hello
    memory: 128
    timeout: 5
    log_retention: 14
  items:
    symbol: items
    role: reader
    environment:
      MODE: slow
api:
  routes:
    GET /hello: hello
    POST /items/{id}: items
resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
"""

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

int
items(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	return hello(event, len, ctx, res);
}
"""

# (name, text replaced, replacement)
EDITS = [
    ("memory", "memory: 128", "memory: 256"),
    ("timeout", "timeout: 5", "timeout: 9"),
    ("retention", "log_retention: 14", "log_retention: 30"),
    ("env-change", "MODE: slow", "MODE: fast"),
    ("env-add", "MODE: slow", "MODE: slow\n      LEVEL: debug"),
    ("description", "    symbol: hello\n", "    symbol: hello\n    description: says hi\n"),
    ("reserved", "    timeout: 5\n", "    timeout: 5\n    reserved_concurrency: 3\n"),
    ("tracing", "    timeout: 5\n", "    timeout: 5\n    tracing: Active\n"),
    ("ephemeral", "    timeout: 5\n", "    timeout: 5\n    ephemeral_storage: 1024\n"),
    ("new-action", "[s3:GetObject]", "[s3:GetObject, s3:PutObject]"),
    ("new-resource", '["arn:aws:s3:::data/*"]', '["arn:aws:s3:::data/*", "arn:aws:s3:::more/*"]'),
    ("queue-prop", "VisibilityTimeout: 30", "VisibilityTimeout: 60"),
    ("queue-add-prop", "VisibilityTimeout: 30", "VisibilityTimeout: 30\n      DelaySeconds: 5"),
    ("new-raw", "resources:\n", "resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"),
    ("remove-raw", "resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 30\n",
     "resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"),
    ("new-function", "  items:\n", "  extra:\n    symbol: hello\n    share_symbol: true\n  items:\n"),
    ("remove-route", "    GET /hello: hello\n", ""),
    ("new-route", "    GET /hello: hello\n", "    GET /hello: hello\n    GET /items: items\n"),
    ("role-swap", "    symbol: items\n    role: reader\n", "    symbol: items\n"),
    ("two-props", "memory: 128", "memory: 512\n    description: bigger"),
    ("memory-and-queue", BASE, BASE.replace("memory: 128", "memory: 192")
     .replace("VisibilityTimeout: 30", "VisibilityTimeout: 45")),
]


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with moto_server(tmp_path_factory, "moto-fast", ordered=True) as url:
        yield url


def spartac(project, endpoint, *args):
    return run_peer(endpoint, project, *args)


@pytest.fixture(scope="module")
def project(tmp_path_factory, endpoint):
    d = tmp_path_factory.mktemp("fast")
    (d / "src").mkdir()
    (d / "sparta.yaml").write_text(BASE)
    (d / "src" / "hello.c").write_text(SOURCE)
    r = spartac(d, endpoint, "deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    return d


def changes(project, endpoint, *args, code_only=True):
    r = spartac(project, endpoint, "plan", "--format", "json", *args)
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    return doc, sorted((c["action"], c["logicalId"]) for c in doc["changes"]
                       if code_only or not (c.get("code") and not c.get("properties")))


def test_unchanged_is_no_changes(project, endpoint):
    doc, rows = changes(project, endpoint, "--fast")
    assert rows == [] and doc["result"] == "no-changes"
    assert doc["apiCalls"] == 2 and doc["fast"] is True
    assert "drift made outside CloudFormation" in doc["unknown"]


def test_corpus_has_twenty_edits():
    assert len(EDITS) >= 20
    assert len({e[0] for e in EDITS}) == len(EDITS)


@pytest.mark.parametrize("name,old,new", EDITS, ids=[e[0] for e in EDITS])
def test_fast_agrees_with_the_change_set(project, endpoint, name, old, new):
    assert old in BASE, name
    m = project / "sparta.yaml"
    m.write_text(BASE.replace(old, new, 1))
    try:
        _, slow = changes(project, endpoint)
        # A new function changes the bootstrap too: code-only rows are
        # the ones moto's change set cannot show.
        doc, fast = changes(project, endpoint, "--fast", code_only=False)
    finally:
        m.write_text(BASE)
    assert slow, f"{name}: the edit changes nothing"
    assert fast == slow, name
    assert doc["apiCalls"] == 2


def test_fast_sees_a_code_edit(project, endpoint):
    src = project / "src" / "hello.c"
    src.write_text(SOURCE.replace('"hi"', '"hello"'))
    try:
        doc, rows = changes(project, endpoint, "--fast")
        r = spartac(project, endpoint, "plan", "--fast")
    finally:
        src.write_text(SOURCE)
    assert rows == [("Modify", "HelloFunction"), ("Modify", "ItemsFunction")]
    assert all(c.get("code") for c in doc["changes"])
    assert "(code changes)" in r.stdout and "Not known without a change set:" in r.stdout
