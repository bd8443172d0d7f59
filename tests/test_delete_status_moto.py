"""delete asks on a terminal and refuses off one without --yes; status on
a missing stack exits 6; --parameter and --parameters-file reach the
deployed stack. Against moto server on loopback, with a service of raw
resources only (nothing to compile, so each deploy is quick)."""
import json
import os

import pytest

from conftest import moto_server, offline_aws_env, run, run_on_terminal

REGION = "us-east-1"
STACK = "spartac-p14-moto"

MANIFEST = """\
service: spartac-p14-moto
parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "jobs-${Stage}"
"""


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with moto_server(tmp_path_factory, "moto-p14", ordered=True) as url:
        yield url.replace("127.0.0.1", "localhost")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return offline_aws_env(tmp_path_factory.mktemp("home"), REGION)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    d = tmp_path_factory.mktemp("svc")
    (d / "sparta.yaml").write_text(MANIFEST)
    (d / "src").mkdir()
    (d / "src" / "none.c").write_text("int p14_unused;\n")
    return d


def spartac(env, endpoint, project, *args):
    return run(*args, "--endpoint-url", endpoint, cwd=project, env=env, timeout=300)


def stack(env, endpoint, project):
    """The stack as status --format json reads it (exists: False when gone)."""
    r = spartac(env, endpoint, project, "status", "--format", "json")
    return json.loads(r.stdout)


def on_terminal(env, endpoint, project, answer, *args):
    full = dict(os.environ)
    full.update(env)
    full["TERM"] = "xterm"
    full["NO_COLOR"] = "1"
    return run_on_terminal([*args, "--endpoint-url", endpoint], project, full,
                           answer, args[0], limit=120)


def test_1_deploy(env, endpoint, project):
    r = spartac(env, endpoint, project, "deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert stack(env, endpoint, project)["status"] == "CREATE_COMPLETE"


@pytest.mark.parametrize("answer", [None, b"\n", b"n\n", b"yeah\n"])
def test_2_delete_on_a_terminal_without_yes_deletes_nothing(env, endpoint, project, answer):
    """End of file, an empty line, no, or anything but y/yes: nothing deleted, exit 2."""
    answered, status, text = on_terminal(env, endpoint, project, answer, "delete")
    assert answered, text
    assert "Delete the stack spartac-p14-moto and all its resources? [y/N]" in text
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 2, text
    assert "not deleted" in text
    assert stack(env, endpoint, project)["exists"]


def test_3_ctrl_c_at_the_question_exits_130_and_deletes_nothing(env, endpoint, project):
    answered, status, text = on_terminal(env, endpoint, project, b"\x03", "delete")
    assert answered, text
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 130, text
    assert stack(env, endpoint, project)["exists"]


def test_4_delete_off_a_terminal_refuses_without_yes(env, endpoint, project):
    r = spartac(env, endpoint, project, "delete")
    assert r.returncode == 64, r.stdout + r.stderr
    assert "--yes" in r.stderr and "terminal" in r.stderr
    assert stack(env, endpoint, project)["exists"]


def test_5_delete_on_a_terminal_yes_deletes(env, endpoint, project):
    answered, status, text = on_terminal(env, endpoint, project, b"y\n", "delete")
    assert answered, text
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, text
    assert f"{STACK}: deleted" in text
    assert not stack(env, endpoint, project)["exists"]


def test_6_delete_with_yes_deletes_without_asking(env, endpoint, project):
    assert spartac(env, endpoint, project, "deploy").returncode == 0
    answered, status, text = on_terminal(env, endpoint, project, b"n\n", "delete", "--yes")
    assert not answered, text
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, text
    assert not stack(env, endpoint, project)["exists"]
    r = spartac(env, endpoint, project, "delete", "-y")
    assert r.returncode == 0 and "nothing to delete" in r.stdout, r.stderr


def test_7_status_of_a_missing_stack_exits_6(env, endpoint, project):
    r = spartac(env, endpoint, project, "status")
    assert r.returncode == 6, r.stdout + r.stderr
    assert r.stdout == f"{STACK}: no such stack\n"
    r = spartac(env, endpoint, project, "status", "--format", "json")
    assert r.returncode == 6 and json.loads(r.stdout)["exists"] is False


def deployed_params(env, endpoint, project):
    return stack(env, endpoint, project)["parameters"]


def test_8_parameter_override_reaches_the_stack(env, endpoint, project):
    r = spartac(env, endpoint, project, "deploy", "--parameter", "Stage=prod")
    assert r.returncode == 0, r.stdout + r.stderr
    assert deployed_params(env, endpoint, project)["Stage"] == "prod"
    # The same value again: the digest matches, one DescribeStacks call.
    r = spartac(env, endpoint, project, "deploy", "--parameter", "Stage=prod",
                "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["result"] == "no-changes" and out["apiCalls"] == 1, out


def test_9_a_changed_value_is_not_a_no_op(env, endpoint, project, tmp_path):
    """The digest covers the values: a changed one goes on to a change set
    (more than the one DescribeStacks call), the deployed one does not.
    (moto finds a change set that differs only in parameters empty, a
    known moto limit: so this is checked on the calls, not the result.)"""
    f = tmp_path / "values.yaml"
    f.write_text("Stage: dev\n")
    r = spartac(env, endpoint, project, "plan", "--parameters-file", f,
                "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["apiCalls"] > 1
    g = tmp_path / "values.json"
    g.write_text('{"Stage": "prod"}')
    r = spartac(env, endpoint, project, "plan", "--parameters-file", g,
                "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["apiCalls"] == 1, r.stdout


def test_10_a_bad_value_is_refused_before_any_aws_call(env, project, tmp_path):
    # An endpoint nothing listens on: any AWS call would fail with 4.
    f = tmp_path / "values.yaml"
    f.write_text("Stage: prod\nStag: x\n")
    for verb in ("deploy", "plan", "status"):
        r = run(verb, "--parameter", "Stage=qa", "--endpoint-url", "http://127.0.0.1:9",
                cwd=project, env=env)
        assert r.returncode == 64, r.stdout + r.stderr
        assert "--parameter: Stage: 'qa' is not one of AllowedValues [dev, prod]" in r.stderr
        r = run(verb, "--parameters-file", f, "--endpoint-url", "http://127.0.0.1:9",
                cwd=project, env=env)
        assert r.returncode == 64, r.stdout + r.stderr
        assert f"{f}:2:7: Stag: the manifest declares no such parameter " \
            "(did you mean 'Stage'?)" in r.stderr


def test_11_delete_the_stack(env, endpoint, project):
    r = spartac(env, endpoint, project, "delete", "--yes")
    assert r.returncode == 0, r.stdout + r.stderr


def test_12_stack_name_overrides_the_service(env, endpoint, project):
    other = "spartac-p14-other"
    r = spartac(env, endpoint, project, "deploy", "--stack-name", other,
                "--parameter", "Stage=prod")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{other}: CREATE_COMPLETE" in r.stdout
    r = spartac(env, endpoint, project, "status", "--stack-name", other, "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["stack"] == other
    assert not stack(env, endpoint, project)["exists"]  # the service's own name
    r = spartac(env, endpoint, project, "plan", "--stack-name", other,
                "--parameter", "Stage=prod", "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["result"] == "no-changes", r.stdout
    r = spartac(env, endpoint, project, "delete", "--stack-name", other, "--yes")
    assert r.returncode == 0 and f"{other}: deleted" in r.stdout, r.stderr
