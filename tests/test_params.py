"""--parameter and --parameters-file: every constraint of a parameter's
declaration is checked before any AWS call (the endpoint here is a port
nothing listens on: a value that passes gets exit 4 from the call, one
that fails gets 64 and a line naming the parameter, the source and the
constraint)."""
import pytest

from conftest import run

MANIFEST = """\
service: p14-params
parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Count:
    Type: Number
    Default: 3
    MinValue: 1
    MaxValue: 10
  Name:
    Type: String
    Default: abc
    AllowedPattern: "[a-z]+"
    MinLength: 2
    MaxLength: 8
    ConstraintDescription: lower-case letters
  Ports:
    Type: List<Number>
    Default: "80,443"
  Zones:
    Type: CommaDelimitedList
    Default: a
    AllowedValues: [a, b, c]
  Subnets:
    Type: List<AWS::EC2::Subnet::Id>
    Default: ""
  Ami:
    Type: AWS::EC2::Image::Id
    Default: ami-1
resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "jobs-${Stage}-${Name}-${Count}-${Ami}"
      Tags:
        - {Key: p, Value: !Join [",", !Ref Ports]}
        - {Key: s, Value: !Join [",", !Ref Subnets]}
        - {Key: z, Value: !Join [",", !Ref Zones]}
"""

ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
       "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}


@pytest.fixture
def project(tmp_path):
    (tmp_path / "sparta.yaml").write_text(MANIFEST)
    return tmp_path


def status(project, *args):
    return run("status", *args, "--endpoint-url", "http://127.0.0.1:9",
               cwd=project, env={**ENV, "HOME": str(project)})


@pytest.mark.parametrize("value,why", [
    ("Stage=qa", "Stage: 'qa' is not one of AllowedValues [dev, prod]"),
    ("Count=x", "Count: 'x' is not a number"),
    ("Count=0", "Count: '0' is below MinValue 1"),
    ("Count=10.5", "Count: '10.5' is above MaxValue 10"),
    ("Name=ab1", "Name: 'ab1' does not match AllowedPattern [a-z]+ (lower-case letters)"),
    ("Name=a", "Name: 'a' is shorter than MinLength 2 (lower-case letters)"),
    ("Name=abcdefghi", "Name: 'abcdefghi' is longer than MaxLength 8 (lower-case letters)"),
    ("Ports=80,http", "Ports: 'http' is not a number"),
    ("Zones=a,d", "Zones: 'd' is not one of AllowedValues [a, b, c]"),
    ("Stag=dev", "Stag: the manifest declares no such parameter (did you mean 'Stage'?)"),
    ("Stage", "--parameter Stage: not NAME=VALUE"),
])
def test_a_bad_value_is_refused(project, value, why):
    r = status(project, "--parameter", value)
    assert r.returncode == 64, r.stdout + r.stderr
    assert why in r.stderr
    assert "try 'spartac status --help'" in r.stderr


def test_good_values_pass_the_checks(project):
    r = status(project, "--parameter", "Stage=prod", "--parameter", "Count=10",
               "--parameter", "Name=abcdefgh", "--parameter", "Ports=80,443.5",
               "--parameter", "Zones=a,c", "--parameter", "Subnets=subnet-1,subnet-2",
               "--parameter", "Ami=anything")
    assert r.returncode == 4, r.stdout + r.stderr  # the AWS call, after the checks


def test_a_file_names_its_line_and_the_command_line_wins(project):
    (project / "v.yaml").write_text("Stage: prod\nCount: 99\nPorts: [80, 443]\n")
    r = status(project, "--parameters-file", "v.yaml")
    assert r.returncode == 64
    assert "v.yaml:2:8: Count: '99' is above MaxValue 10" in r.stderr
    r = status(project, "--parameter", "Count=2", "--parameters-file", "v.yaml")
    assert r.returncode == 4, r.stderr


def test_json_file(project):
    (project / "v.json").write_text('{\n  "Stage": "qa",\n  "Ports": [80, "x"]\n}\n')
    r = status(project, "--parameters-file", "v.json")
    assert r.returncode == 64
    assert "v.json:2:12: Stage: 'qa' is not one of AllowedValues" in r.stderr
    assert "v.json:3:12: Ports: 'x' is not a number" in r.stderr


def test_bad_files(project):
    (project / "list.yaml").write_text("- a\n- b\n")
    r = status(project, "--parameters-file", "list.yaml")
    assert r.returncode == 64 and "not a map of NAME: value" in r.stderr
    (project / "map.yaml").write_text("Stage: {a: 1}\n")
    r = status(project, "--parameters-file", "map.yaml")
    assert r.returncode == 64 and "map.yaml:1:8: Stage: a parameter value is" in r.stderr
    (project / "bad.json").write_text('{"Stage": }')
    r = status(project, "--parameters-file", "bad.json")
    assert r.returncode == 64 and "bad.json:1:" in r.stderr
    r = status(project, "--parameters-file", "missing.yaml")
    assert r.returncode == 64 and "missing.yaml: No such file" in r.stderr


def test_deploy_and_plan_need_a_value_for_a_parameter_without_default(tmp_path):
    (tmp_path / "sparta.yaml").write_text(
        "service: p14-required\nparameters:\n  Key:\n    Type: String\n"
        "resources:\n  Q:\n    Type: AWS::SQS::Queue\n"
        "    Properties: {QueueName: !Ref Key}\n")
    env = {**ENV, "HOME": str(tmp_path)}
    for verb in ("plan", "deploy"):
        r = run(verb, "--endpoint-url", "http://127.0.0.1:9", cwd=tmp_path, env=env)
        assert r.returncode == 64, r.stdout + r.stderr
        assert "sparta.yaml:3:3: parameter Key has no Default and no value: " \
            "give --parameter Key=VALUE" in r.stderr
    # status reads only: nothing is required there.
    r = run("status", "--endpoint-url", "http://127.0.0.1:9", cwd=tmp_path, env=env)
    assert r.returncode == 4, r.stderr
