"""plan --offline keyed per stack and region, and code edits seen through
the archive digest.

Two stacks from one manifest (the base and stages.prod, whose service names
another stack) are deployed to moto; each has its own record under
.spartac/deployed/, so after deploying prod the base plan still has no
changes. A C edit shows as "code changes" on every function, with no AWS
call and no region configured when there is only one record.
"""
import json

import pytest

from conftest import moto_server, offline_aws_env, run

REGION = "us-east-1"

MANIFEST = """\
service: offline-base
functions:
  hello:
    symbol: hello
    memory: 128
  other:
    symbol: other
stages:
  prod:
    service: offline-prod
    functions:
      hello:
        memory: 512
"""

SOURCE = """\
#include <sparta/lambda.h>

int
hello(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event; (void)len; (void)ctx;
	sparta_write_string(res, "GREETING");
	return 0;
}

int
other(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	return hello(event, len, ctx, res);
}
"""


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with moto_server(tmp_path_factory, "moto-offline", ordered=True) as url:
        yield url


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    d = tmp_path_factory.mktemp("offline")
    (d / "src").mkdir()
    (d / "sparta.yaml").write_text(MANIFEST)
    (d / "src" / "hello.c").write_text(SOURCE)
    return d


def env(home, region=REGION):
    return offline_aws_env(home, region or "")


def offline(project, *args, region=REGION):
    r = run("plan", "--offline", "--detailed-exitcode", "--format", "json", *args,
            cwd=project, env=env(project, region), timeout=300)
    assert r.returncode in (0, 2), r.stdout + r.stderr
    return json.loads(r.stdout)


def rows(doc):
    return [(c["action"], c["logicalId"], c.get("code", False)) for c in doc["changes"]]


def test_before_any_deploy_everything_is_new(project):
    doc = offline(project)
    assert doc["result"] == "changes"
    assert {a for a, _, _ in rows(doc)} == {"Add"}


def test_each_stack_has_its_own_record(project, endpoint):
    for stage in ([], ["--stage", "prod"]):
        r = run("deploy", "--endpoint-url", endpoint, *stage, cwd=project,
                env=env(project), timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
    recs = sorted(p.name for p in (project / ".spartac" / "deployed").iterdir())
    assert recs == [f"offline-base@{REGION}.json", f"offline-prod@{REGION}.json"]
    base = json.loads((project / ".spartac" / "deployed" / recs[0]).read_text())
    sha = (project / ".spartac" / "code.sha256").read_text().split()[0]
    assert base["stack"] == "offline-base" and base["region"] == REGION
    assert base["code"] == sha
    # prod was deployed last: the base plan does not see its memory.
    doc = offline(project)
    assert doc["result"] == "no-changes", doc
    assert doc["stack"] == "offline-base" and doc["region"] == REGION
    assert offline(project, "--stage", "prod")["result"] == "no-changes"
    # Another region was never deployed from here.
    assert {a for a, _, _ in rows(offline(project, region="eu-west-1"))} == {"Add"}


def test_a_c_edit_is_a_code_change(project):
    src = project / "src" / "hello.c"
    src.write_text(src.read_text().replace("GREETING", "hello, offline"))
    doc = offline(project)
    assert rows(doc) == [("Modify", "HelloFunction", True), ("Modify", "OtherFunction", True)]
    r = run("plan", "--offline", cwd=project, env=env(project), timeout=300)
    assert r.returncode == 0, r.stderr
    assert "HelloFunction" in r.stdout and "(code changes)" in r.stdout


def test_no_region_uses_the_stacks_only_record(project):
    doc = offline(project, region=None)
    assert doc["region"] == REGION
    assert [c["logicalId"] for c in doc["changes"]] == ["HelloFunction", "OtherFunction"]
    doc = offline(project, "--stage", "prod", region=None)
    assert doc["region"] == REGION


def test_several_regions_and_none_named_is_an_error(project):
    d = project / ".spartac" / "deployed"
    other = d / "offline-base@eu-west-1.json"
    other.write_text((d / f"offline-base@{REGION}.json").read_text())
    try:
        r = run("plan", "--offline", cwd=project, env=env(project, None), timeout=300)
        assert r.returncode != 0
        assert "several regions" in r.stderr and "eu-west-1" in r.stderr, r.stderr
    finally:
        other.unlink()


def test_property_paths_and_access_widened(project):
    m = project / "sparta.yaml"
    text = m.read_text()
    try:
        m.write_text(text.replace("    memory: 128\n", "    memory: 256\n", 1))
        doc = offline(project)
        hello = [c for c in doc["changes"] if c["logicalId"] == "HelloFunction"][0]
        assert hello["replacement"] == "False"
        assert hello["properties"] == [{"path": "MemorySize", "old": 128, "new": 256}]
        assert doc["accessWidened"] == []
        r = run("plan", "--offline", cwd=project, env=env(project), timeout=300)
        assert "            MemorySize: 128 -> 256\n" in r.stdout, r.stdout
    finally:
        m.write_text(text)
