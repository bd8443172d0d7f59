"""The template compiler: golden templates, determinism, least privilege.

Golden templates: every tests/manifests/valid/NAME.yaml and every
tests/marshal/NAME.yaml is built with `spartac build --template-only` in a
scratch copy of its directory; .spartac/template.json must equal NAME.json
beside it, byte for byte. A case expected to fail has NAME.build.err instead:
the exact standard error. SPARTAC_GOLDEN_UPDATE=1 writes missing expected
files, SPARTAC_GOLDEN_UPDATE=all rewrites them; review every change by eye.

The policy check walks every generated IAM statement and bucket policy and
refuses any wildcard action or resource that docs/logical-ids.md does not
list as an exception.
"""
import difflib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run

VALID = ROOT / "tests" / "manifests" / "valid"
CASES = ROOT / "tests" / "marshal"
EXAMPLE = ROOT / "sparta.yaml.example"
DOC = ROOT / "docs" / "logical-ids.md"
UPDATE_MODE = os.environ.get("SPARTAC_GOLDEN_UPDATE", "")


def case_args(path):
    """'# args: ...' among a case's first three lines (as test_golden.py)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for _ in range(3):
            m = re.match(r"#\s*args:\s*(.*)", f.readline())
            if m:
                return shlex.split(m.group(1))
    return []


def build_case(src, work, *extra, env=None):
    """Copies src into work and builds the template there. Returns the
    CompletedProcess and the template path."""
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, work / src.name)
    r = run("build", "--template-only", "--no-color", *case_args(src), *extra, src.name,
            cwd=work, env=env)
    return r, work / ".spartac" / "template.json"


def golden_cases():
    out = [("valid/" + p.stem, p) for p in sorted(VALID.glob("*.yaml"))]
    out += [("marshal/" + p.stem, p) for p in sorted(CASES.glob("*.yaml"))]
    return out


def all_templates(tmp):
    """Builds every template the suite knows: the corpus, our cases, the
    example and a generated 20-function service. Returns [(name, path)]."""
    out = []
    for name, src in golden_cases():
        r, tpl = build_case(src, tmp / name.replace("/", "-"))
        if r.returncode == 0:
            out.append((name, tpl))
    r, tpl = build_case(EXAMPLE, tmp / "example")
    assert r.returncode == 0, r.stderr
    out.append(("example", tpl))
    gen = tmp / "bench-20"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen.py"), "20", str(gen)], check=True)
    r = run("build", "--template-only", "sparta.yaml", cwd=gen)
    assert r.returncode == 0, r.stderr
    out.append(("bench-20", gen / ".spartac" / "template.json"))
    return out


def _diff(want, got, name):
    return "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                        f"{name} (expected)", f"{name} (built)"))


@pytest.mark.parametrize("name,src", golden_cases(), ids=[n for n, _ in golden_cases()])
def test_golden_template(name, src, tmp_path):
    r, tpl = build_case(src, tmp_path)
    want_json = src.with_suffix(".json")
    want_err = src.with_suffix(".build.err")
    if r.returncode == 0:
        got = tpl.read_text()
        json.loads(got)  # well-formed
        if UPDATE_MODE == "all" or (UPDATE_MODE and not want_json.exists()):
            want_json.write_text(got)
        assert not want_err.exists(), f"{name} builds but {want_err.name} expects a failure"
        assert want_json.exists(), f"{want_json} is missing (SPARTAC_GOLDEN_UPDATE=1 writes it)"
        want = want_json.read_text()
        assert got == want, _diff(want, got, want_json.name)
    else:
        got = r.stderr
        if UPDATE_MODE == "all" or (UPDATE_MODE and not want_err.exists()):
            want_err.write_text(got)
        assert want_err.exists(), f"{name} fails to build (status {r.returncode}):\n{r.stderr}"
        assert got == want_err.read_text(), _diff(want_err.read_text(), got, want_err.name)
        assert r.returncode == 1
        assert not tpl.exists(), "a failed build left a template behind"


def test_expected_files_have_cases():
    """No stale expectation: each NAME.json / NAME.build.err has its NAME.yaml."""
    stray = []
    for d in (VALID, CASES):
        for p in list(d.glob("*.json")) + list(d.glob("*.build.err")):
            stem = p.name[:-len(".build.err")] if p.name.endswith(".build.err") else p.stem
            if not (d / (stem + ".yaml")).exists():
                stray.append(str(p.relative_to(ROOT)))
    assert stray == []


def test_deterministic_across_dirs_and_time_zones(tmp_path):
    a, ta = build_case(EXAMPLE, tmp_path / "one", env={"TZ": "UTC", "LC_ALL": "C"})
    b, tb = build_case(EXAMPLE, tmp_path / "two" / "deeper",
                       env={"TZ": "Pacific/Chatham", "LC_ALL": "C.UTF-8"})
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert ta.read_bytes() == tb.read_bytes()
    # And -o elsewhere, run from another directory, gives the same bytes.
    other = tmp_path / "out"
    r = run("build", "--template-only", "-o", other, tmp_path / "one" / EXAMPLE.name,
            env={"TZ": "Asia/Kathmandu"})
    assert r.returncode == 0, r.stderr
    assert (other / "template.json").read_bytes() == ta.read_bytes()


def test_rebuild_is_byte_identical(tmp_path):
    r1, t = build_case(EXAMPLE, tmp_path)
    first = t.read_bytes()
    r2, t = build_case(EXAMPLE, tmp_path)
    assert r1.returncode == r2.returncode == 0
    assert t.read_bytes() == first


# ---- least privilege ----

# Documented in docs/logical-ids.md, "IAM wildcard exceptions": Sid -> what
# may be a wildcard there and why AWS offers nothing narrower.
EXCEPTIONS = {
    "XRay": "*",
    "VpcDescribe": "*",
    "VpcNetworkInterfaces": "network-interface/*",
    "PublicRead": "${SiteBucket.Arn}/*",
}


def _strings(v):
    """Every string inside a JSON value (intrinsics included)."""
    if isinstance(v, str):
        yield v
    elif isinstance(v, list):
        for x in v:
            yield from _strings(x)
    elif isinstance(v, dict):
        for x in v.values():
            yield from _strings(x)


def _as_list(v):
    return v if isinstance(v, list) else [v]


def policy_violations(template):
    """Wildcards in generated statements outside the documented exceptions."""
    bad = []
    for lid, res in template["Resources"].items():
        docs = []
        if res["Type"] == "AWS::IAM::Role":
            docs = [p["PolicyDocument"] for p in res["Properties"].get("Policies", [])]
        elif res["Type"] == "AWS::S3::BucketPolicy" and lid == "SiteBucketPolicy":
            docs = [res["Properties"]["PolicyDocument"]]
        else:
            continue
        for doc in docs:
            for st in doc["Statement"]:
                sid = st.get("Sid", "")
                if sid.startswith("Declared"):
                    continue  # the manifest's own privileges, copied as written
                for a in _as_list(st["Action"]):
                    if "*" in a:
                        bad.append(f"{lid} {sid}: action {a}")
                for r in _as_list(st["Resource"]):
                    for s in _strings(r):
                        if "*" not in s:
                            continue
                        allowed = EXCEPTIONS.get(sid)
                        if allowed is None or not (s == allowed or s.endswith(allowed)):
                            bad.append(f"{lid} {sid}: resource {s}")
    return bad


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    return all_templates(tmp_path_factory.mktemp("templates"))


def test_no_wildcards_outside_documented_exceptions(templates):
    seen = set()
    for name, path in templates:
        t = json.loads(path.read_text())
        assert policy_violations(t) == [], name
        for res in t["Resources"].values():
            if res["Type"] == "AWS::IAM::Role":
                for p in res["Properties"].get("Policies", []):
                    seen.update(s.get("Sid") for s in p["PolicyDocument"]["Statement"])
    # The suite must exercise the exceptions it allows, or the check proves little.
    assert {"XRay", "VpcDescribe", "VpcNetworkInterfaces"} <= seen


def test_policy_check_catches_a_wildcard():
    t = {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [
        {"PolicyDocument": {"Statement": [
            {"Sid": "Logs", "Action": ["logs:*"], "Resource": ["*"]},
            {"Sid": "XRay", "Action": ["xray:PutTraceSegments"], "Resource": "*"},
            {"Sid": "SqsRead", "Action": "sqs:ReceiveMessage",
             "Resource": {"Fn::Sub": "arn:${AWS::Partition}:sqs:*"}}]}}]}}}}
    assert policy_violations(t) == ["R Logs: action logs:*", "R Logs: resource *",
                                    "R SqsRead: resource arn:${AWS::Partition}:sqs:*"]


def test_exceptions_are_documented():
    text = DOC.read_text()
    for sid, pattern in EXCEPTIONS.items():
        assert sid in text and pattern in text, f"{sid} ({pattern}) is not in {DOC.name}"


def test_arns_never_hard_code_the_partition(templates):
    for name, path in templates:
        t = json.loads(path.read_text())
        for lid, res in t["Resources"].items():
            if res["Type"] in ("AWS::IAM::Role", "AWS::Lambda::Permission",
                               "AWS::ApiGateway::Method", "AWS::Lambda::Function"):
                for s in _strings(res["Properties"]):
                    if s.startswith("arn:aws:") and "Declared" not in s:
                        # Only the manifest's own literal ARNs may say arn:aws:.
                        assert name.startswith(("valid/", "marshal/", "example")), (name, lid, s)


def test_permissions_are_scoped(templates):
    for name, path in templates:
        t = json.loads(path.read_text())
        for lid, res in t["Resources"].items():
            if res["Type"] != "AWS::Lambda::Permission":
                continue
            p = res["Properties"]
            if "SourceArn" not in p:
                # Only the permission of an s3 event on a bucket that has no
                # BucketName: it cannot name the bucket (which waits for
                # it), so SourceAccount scopes it (docs/decisions.md).
                assert p["Principal"] == "s3.amazonaws.com", (name, lid)
                buckets = [b for b in t["Resources"].values()
                           if lid in b.get("DependsOn", [])]
                assert len(buckets) == 1 and buckets[0]["Type"] == "AWS::S3::Bucket", (name, lid)
                assert "BucketName" not in buckets[0].get("Properties", {}), (name, lid)
            if p["Principal"] in ("s3.amazonaws.com", "logs.amazonaws.com"):
                assert p.get("SourceAccount") == {"Ref": "AWS::AccountId"}, (name, lid)


def test_roles_trust_lambda_only(templates):
    for name, path in templates:
        t = json.loads(path.read_text())
        for lid, res in t["Resources"].items():
            if res["Type"] == "AWS::IAM::Role":
                st = res["Properties"]["AssumeRolePolicyDocument"]["Statement"]
                assert st == [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                               "Action": "sts:AssumeRole"}], (name, lid)


# ---- structure ----

def _example_template(tmp_path):
    r, tpl = build_case(EXAMPLE, tmp_path)
    assert r.returncode == 0, r.stderr
    return json.loads(tpl.read_text())


def test_example_structure(tmp_path):
    t = _example_template(tmp_path)
    res = t["Resources"]
    assert set(t["Parameters"]) >= {"ArtifactBucket", "CodeKey"}
    fns = {k: v for k, v in res.items() if v["Type"] == "AWS::Lambda::Function"}
    assert sorted(fns) == ["AuditFunction", "HelloFunction", "NightlyFunction",
                           "NotesFunction", "UploadsFunction", "WorkerFunction"]
    for lid, f in fns.items():
        p = f["Properties"]
        assert p["Runtime"] == "provided.al2023"
        assert p["Code"] == {"S3Bucket": {"Ref": "ArtifactBucket"}, "S3Key": {"Ref": "CodeKey"}}
        lg = lid[:-len("Function")] + "LogGroup"
        assert res[lg]["Type"] == "AWS::Logs::LogGroup"
        assert p["LoggingConfig"] == {"LogGroup": {"Ref": lg}}
        assert p["Environment"]["Variables"]["SPARTA_STACK_NAME"] == {"Ref": "AWS::StackName"}
    assert res["NotesFunction"]["Properties"]["MemorySize"] == 256
    assert res["NotesLogGroup"]["Properties"]["RetentionInDays"] == 30
    assert res["NotesFunction"]["Properties"]["Environment"]["Variables"]["SPARTA_REF_Notes"] == \
        {"Ref": "Notes"}
    # Shared role: one role for notes and worker, none generated for them.
    assert "NotesFunctionRole" not in res and "WorkerFunctionRole" not in res
    assert res["NotesFunction"]["Properties"]["Role"] == {"Fn::GetAtt": ["StoreRole", "Arn"]}
    # API: resource tree, proxy methods, CORS mocks, hashed deployment, stage.
    paths = sorted(v["Properties"]["PathPart"] for v in res.values()
                   if v["Type"] == "AWS::ApiGateway::Resource")
    assert paths == ["files", "hello", "notes", "{id}", "{proxy+}"]
    methods = {k: v["Properties"] for k, v in res.items() if v["Type"] == "AWS::ApiGateway::Method"}
    assert methods["ApiMethodNotesPost"]["AuthorizationType"] == "AWS_IAM"
    assert methods["ApiMethodNotesIdGet"]["Integration"]["Type"] == "AWS_PROXY"
    assert methods["ApiMethodNotesIdOptions"]["Integration"]["Type"] == "MOCK"
    deps = [k for k, v in res.items() if v["Type"] == "AWS::ApiGateway::Deployment"]
    assert len(deps) == 1 and re.fullmatch(r"ApiDeployment[0-9a-f]{12}", deps[0])
    assert sorted(res[deps[0]]["DependsOn"]) == sorted(methods)
    assert res["ApiStage"]["Properties"]["StageName"] == "v1"
    assert "ApiUrl" in t["Outputs"] and "SiteUrl" in t["Outputs"]
    # S3 notification on the manifest's bucket, after its permission.
    up = res["Uploads"]
    assert up["DependsOn"] == ["UploadsEvent1Permission"]
    cfg = up["Properties"]["NotificationConfiguration"]["LambdaConfigurations"]
    assert cfg[0]["Function"] == {"Fn::GetAtt": ["UploadsFunction", "Arn"]}


def test_deployment_id_follows_the_routes(tmp_path):
    def deployment(text):
        d = tmp_path / str(len(list(tmp_path.iterdir())))
        d.mkdir()
        (d / "s.yaml").write_text(text)
        r = run("build", "--template-only", "s.yaml", cwd=d)
        assert r.returncode == 0, r.stderr
        t = json.loads((d / ".spartac" / "template.json").read_text())
        return [k for k in t["Resources"] if k.startswith("ApiDeployment")]

    base = ("service: s\nfunctions:\n  a: {symbol: a, memory: %d}\n  b: {symbol: b}\n"
            "api:\n  routes:\n    GET /x: a\n%s")
    one = deployment(base % (128, ""))
    assert one == deployment(base % (512, ""))           # no route change: same deployment
    assert one != deployment(base % (128, "    GET /y: b\n"))  # a new route: a new one
    assert one != deployment(base.replace("GET /x: a", "GET /x: b") % (128, ""))


def test_stage_overrides_apply(tmp_path):
    r, tpl = build_case(EXAMPLE, tmp_path / "prod", "--stage", "prod")
    assert r.returncode == 0, r.stderr
    t = json.loads(tpl.read_text())
    assert t["Resources"]["NotesFunction"]["Properties"]["MemorySize"] == 1024
    assert t["Resources"]["ApiStage"]["Properties"]["StageName"] == "prod"


def test_build_writes_nothing_on_errors(tmp_path):
    (tmp_path / "s.yaml").write_text("service: s\nfunctions:\n  a: {symbol: a, memory: 1}\n")
    r = run("build", "--template-only", "s.yaml", cwd=tmp_path)
    assert r.returncode == 1
    assert not (tmp_path / ".spartac" / "template.json").exists()


def test_size_note_and_limit_warning(tmp_path):
    gen = tmp_path / "g"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen.py"), "150", str(gen)], check=True)
    r = run("build", "--template-only", "--no-color", "sparta.yaml", cwd=gen)
    assert r.returncode == 0, r.stderr
    # over 500 resources: split into nested stacks (tests/test_split.py),
    # the note counting the unsplit template's resources by type
    m = re.search(r"the template has (\d+) resources [^:]*: (.*) \[N-TEMPLATE-SPLIT\]", r.stderr)
    assert m, r.stderr
    # per function: function, role, log group, API resource, method, permission;
    # then the RestApi, its Deployment and Stage
    assert int(m.group(1)) == 150 * 6 + 3
    assert "AWS::Lambda::Function 150" in m.group(2)
    # validate checks the quotas on the template it builds in memory
    v = run("validate", "--no-color", "sparta.yaml", cwd=gen)
    assert v.returncode == 0, v.stderr
    assert v.stderr.replace("spartac: sparta.yaml: valid\n", "") == \
        r.stderr[:r.stderr.index("spartac: wrote ")]
    # under 500 resources but over 51,200 bytes: sent through S3
    mid = tmp_path / "m"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen.py"), "80", str(mid)], check=True)
    r = run("build", "--template-only", "--no-color", "sparta.yaml", cwd=mid)
    assert r.returncode == 0, r.stderr
    assert "[N-TEMPLATE-S3]" in r.stderr and "SPLIT" not in r.stderr, r.stderr
    # what cannot be split (no function: nothing moves) still warns
    big = tmp_path / "b"
    big.mkdir()
    (big / "sparta.yaml").write_text("service: b\nresources:\n" + "".join(
        f"  Q{i}: {{Type: AWS::SQS::Queue}}\n" for i in range(501)))
    r = run("build", "--template-only", "--no-color", "sparta.yaml", cwd=big)
    assert r.returncode == 0, r.stderr
    m = re.search(r"the template has (\d+) resources .*: (.*) \[W-TEMPLATE-LIMIT\]", r.stderr)
    assert m and int(m.group(1)) == 501 and "AWS::SQS::Queue 501" in m.group(2), r.stderr
    small = tmp_path / "s"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen.py"), "2", str(small)], check=True)
    r = run("build", "--template-only", "--no-color", "sparta.yaml", cwd=small)
    assert r.returncode == 0 and "TEMPLATE" not in r.stderr, r.stderr


def test_unwritable_output_dir_is_an_io_error(tmp_path):
    (tmp_path / "s.yaml").write_text("service: s\nfunctions:\n  a: {symbol: a}\n")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    r = run("build", "--template-only", "-o", blocker / "out", "s.yaml", cwd=tmp_path)
    assert r.returncode == 74, r.stderr
    assert "cannot create" in r.stderr


def test_unchanged_template_is_not_rewritten(tmp_path):
    r1, tpl = build_case(EXAMPLE, tmp_path)
    assert r1.returncode == 0, r1.stderr
    os.utime(tpl, (1_000_000_000, 1_000_000_000))
    r2, tpl = build_case(EXAMPLE, tmp_path)
    assert r2.returncode == 0, r2.stderr
    assert tpl.stat().st_mtime == 1_000_000_000
