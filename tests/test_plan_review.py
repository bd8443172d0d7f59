"""plan and deploy against moto: the property changes inside each modified
resource (GetTemplate against the new template) and the access a change
widens, in text and JSON; on a terminal, deploy asks a second time when
access widens, and a no there executes nothing."""
import json
import os

import pytest

from conftest import moto_server, offline_aws_env, run_on_terminal, run_peer

MANIFEST = """\
service: review-svc
roles:
  reader:
    privileges:
      - actions: [s3:GetObject]
        resources: ["arn:aws:s3:::data/*"]
functions:
  hello:
    symbol: hello
    memory: 128
    role: reader
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
"""


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with moto_server(tmp_path_factory, "moto-review", ordered=True) as url:
        yield url


@pytest.fixture(scope="module")
def project(tmp_path_factory, endpoint):
    d = tmp_path_factory.mktemp("review")
    (d / "src").mkdir()
    (d / "sparta.yaml").write_text(MANIFEST)
    (d / "src" / "hello.c").write_text(SOURCE)
    r = spartac(d, endpoint, "deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    m = d / "sparta.yaml"
    m.write_text(m.read_text().replace("memory: 128", "memory: 256")
                 .replace("[s3:GetObject]", "[s3:GetObject, s3:PutObject]"))
    return d


def spartac(project, endpoint, *args):
    return run_peer(endpoint, project, *args)


def test_plan_shows_property_paths_and_widened_access(project, endpoint):
    r = spartac(project, endpoint, "plan")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Property changes (deployed template -> new):\n" in r.stdout
    assert "  HelloFunction (AWS::Lambda::Function)\n    MemorySize: 128 -> 256\n" in r.stdout
    assert "Access widened (IAM and public entry points):\n" in r.stdout
    assert "  + ReaderRole policy " in r.stdout and \
        "allow s3:PutObject on arn:aws:s3:::data/*" in r.stdout, r.stdout
    r = spartac(project, endpoint, "plan", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    hello = [c for c in doc["templateDiff"] if c["logicalId"] == "HelloFunction"][0]
    assert hello["properties"] == [{"path": "MemorySize", "old": 128, "new": 256}]
    assert [(w["logicalId"], w["kind"]) for w in doc["accessWidened"]] == [("ReaderRole", "action")]


def deploy_answering(project, endpoint, answers):
    """deploy on a pseudo-terminal; answers each [y/N] in turn. Returns
    (questions answered, exit status, output)."""
    full = dict(os.environ)
    full.update(offline_aws_env(project, "us-east-1"))
    full["TERM"] = "xterm"
    asked, status, text = run_on_terminal(["deploy", "--endpoint-url", endpoint], project,
                                          full, answers, "deploy")
    return asked, os.WEXITSTATUS(status), text


def test_deploy_asks_again_when_access_widens(project, endpoint):
    asked, status, text = deploy_answering(project, endpoint, [b"y\n", b"n\n"])
    assert asked == 2, text
    assert "These changes widen access (1, listed above). Deploy them?" in text
    assert status == 2 and "not executed" in text, text
    asked, status, text = deploy_answering(project, endpoint, [b"y\n", b"y\n"])
    assert asked == 2 and status == 0, text
    assert "UPDATE_COMPLETE" in text
    # Deployed: nothing widens any more, and nothing is asked off a terminal.
    r = spartac(project, endpoint, "deploy")
    assert r.returncode == 0 and "no changes" in r.stdout, r.stdout + r.stderr
