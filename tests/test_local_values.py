"""invoke and serve: the environment a function gets locally. Parameters
resolve to their --parameter value or Default, pseudo-parameters and
spartac's variables inside Ref, Fn::Sub and Fn::Join resolve too, --env
and --env-file set and override values, and a value only known once
deployed is left out with one warning per name that says how to set it.
Through `spartac invoke` and a C handler that returns its environment."""
import json

import pytest

from conftest import run
from test_serve import Server

SOURCE = r"""
#include <string.h>
#include <sparta/lambda.h>

extern char **environ;

int
env_handler(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	char **e;

	(void)event; (void)len; (void)ctx;
	sparta_write_object_begin(res);
	for (e = environ; *e; e++) {
		const char *eq = strchr(*e, '=');
		char key[256];
		size_t n = eq ? (size_t)(eq - *e) : strlen(*e);

		if (eq == NULL || n >= sizeof key)
			continue;
		memcpy(key, *e, n);
		key[n] = '\0';
		sparta_write_key(res, key);
		sparta_write_string(res, eq + 1);
	}
	sparta_write_object_end(res);
	return 0;
}
"""

MANIFEST = """\
service: envsvc
parameters:
  BaseUrl:
    Type: String
    Default: https://example.test
  Tier:
    Type: String
    Default: free
    AllowedValues: [free, paid]
  Secret:
    Type: String
  Ports:
    Type: CommaDelimitedList
    Default: "80,443"
functions:
  show:
    symbol: env_handler
    environment:
      PLAIN: plain
      BASE_URL: !Ref BaseUrl
      TIER: !Ref Tier
      SECRET: !Ref Secret
      STAGE: !Ref spartac:stage
      NAME: !Sub "${spartac:service}-${spartac:stage}-${Tier}"
      ARN: !Sub "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:q-${!Lit}"
      JOINED: !Join ["/", [!Ref BaseUrl, !Ref AWS::StackName, v1]]
      MAPPED: !Sub ["${X}-${Tier}", {X: !Ref BaseUrl}]
      QUEUE_ARN: !GetAtt Jobs.Arn
      QUEUE_URL: !Ref Jobs
      GONE: !Ref AWS::NoValue
  again:
    symbol: env_handler
    share_symbol: true
    environment:
      QUEUE_ARN: !GetAtt Jobs.Arn
api:
  routes:
    GET /show: show
    GET /again: again
resources:
  Jobs:
    Type: AWS::SQS::Queue
stages:
  prod:
    service: envsvc-prod
"""


@pytest.fixture(scope="module")
def proj(tmp_path_factory):
    d = tmp_path_factory.mktemp("envsvc")
    (d / "src").mkdir()
    (d / "src" / "env.c").write_text(SOURCE)
    (d / "sparta.yaml").write_text(MANIFEST)
    return d


def invoke(proj, *args):
    r = run("invoke", "show", *args, "--region", "eu-west-1", cwd=proj, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), r.stderr


def test_defaults_pseudo_parameters_and_spartac_variables(proj):
    env, err = invoke(proj)
    assert env["PLAIN"] == "plain"
    assert env["BASE_URL"] == "https://example.test"
    assert env["TIER"] == "free"
    assert env["STAGE"] == "default"
    assert env["NAME"] == "envsvc-default-free"
    assert env["ARN"] == "arn:aws:sqs:eu-west-1:123456789012:q-${Lit}"
    assert env["JOINED"] == "https://example.test/envsvc/v1"
    assert env["MAPPED"] == "https://example.test-free"
    for gone in ("SECRET", "QUEUE_ARN", "QUEUE_URL", "GONE"):
        assert gone not in env
    # One warning per name, each saying how to set it.
    for name in ("SECRET", "QUEUE_ARN", "QUEUE_URL"):
        assert err.count(f"environment {name} is not set locally") == 1, err
        assert f"--env {name}=VALUE" in err
    assert "parameter Secret has no Default" in err
    assert "GONE" not in err


def test_parameters_and_stage(proj):
    env, _ = invoke(proj, "--parameter", "Tier=paid", "--parameter", "Secret=s3",
                    "--stage", "prod")
    assert env["TIER"] == "paid" and env["SECRET"] == "s3"
    assert env["NAME"] == "envsvc-prod-prod-paid"
    assert env["STAGE"] == "prod"


def test_env_and_env_file_override(proj, tmp_path):
    f = tmp_path / "local.env"
    f.write_text("# local values\n"
                 "QUEUE_URL=http://localhost:9324/q\n"
                 "export QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:jobs'\n"
                 "\n"
                 "TIER=\"paid # not a comment\"\n"
                 "EXTRA=x # a comment\n")
    env, err = invoke(proj, "--env-file", f, "--env", "EXTRA=from-command-line",
                      "--env", "SECRET=s")
    assert env["QUEUE_URL"] == "http://localhost:9324/q"
    assert env["QUEUE_ARN"] == "arn:aws:sqs:eu-west-1:123456789012:jobs"
    assert env["TIER"] == "paid # not a comment"
    assert env["EXTRA"] == "from-command-line"
    assert env["SECRET"] == "s"
    assert "not set locally" not in err


def test_bad_values_are_usage_errors(proj, tmp_path):
    r = run("invoke", "show", "--env", "1BAD=x", cwd=proj)
    assert r.returncode == 64 and "--env 1BAD=x: not NAME=VALUE" in r.stderr
    f = tmp_path / "bad.env"
    f.write_text("OK=1\nno equals here\nQ='unterminated\n")
    r = run("invoke", "show", "--env-file", f, cwd=proj)
    assert r.returncode == 64
    assert f"{f}:2: not NAME=VALUE" in r.stderr and f"{f}:3: not NAME=VALUE" in r.stderr
    r = run("invoke", "show", "--parameter", "Tier=gold", cwd=proj)
    assert r.returncode == 64
    assert "--parameter: Tier: 'gold' is not one of AllowedValues [free, paid]" in r.stderr


def test_serve_warns_once_per_name_and_takes_the_same_options(proj):
    """Both functions lack QUEUE_ARN: one warning; --env silences QUEUE_URL."""
    srv = Server(proj, "--env", "QUEUE_URL=http://localhost/q", "--parameter", "Secret=s")
    try:
        text = "".join(srv.lines)
        assert text.count("environment QUEUE_ARN is not set locally") == 1, text
        assert "QUEUE_URL" not in text and "SECRET" not in text, text
    finally:
        assert srv.stop() == 0
    r = run("serve", "--port", "0", "--parameter", "Tier=gold", cwd=proj)
    assert r.returncode == 64 and "Tier: 'gold' is not one of" in r.stderr
