#!/usr/bin/env python3
"""The cfn-lint differential (issue 13): validate, build and cfn-lint agree.

Writes COUNT manifests, seeded, by mutating the valid corpus
(tests/manifests/valid) and sparta.yaml.example: references swapped or
broken, depends_on added, Fn::GetAtt on parameters and on attributes a type
lacks, S3 events on buckets that the same function names back in its
environment or privileges, conditions, stages, required properties removed,
unknown or misspelt resource types, resources removed while still named.
Then, for each manifest:

- `spartac validate --format json` and `spartac build --template-only
  --format json -o DIR` print the same diagnostics (code, position, path,
  message) and exit with the same status -- except the site root, which
  --template-only does not read (tests/test_validate_build.py);
- an accepted manifest's template has 0 cfn-lint errors. cfn-lint runs over
  many templates at once (its start-up dominates its time). One kind of
  error is expected: E3006 (an unknown type) on the resources spartac warned
  about with W-MARSHAL-TYPE-UNKNOWN, which is a warning by design.

Any disagreement is printed with the seed, the case number and the manifest,
which is kept under the work directory; the exit status is then 1.

Usage: tests/differential.py [--count N] [--seed S] [--keep DIR]
(make differential runs 2,000; tests/test_differential.py a short run).
"""
import argparse
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import manifestlib  # noqa: E402
import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VALID = ROOT / "tests" / "manifests" / "valid"
BUILD = Path(os.environ.get("SPARTAC_BUILD") or ROOT / "build").resolve()
SPARTAC = str(BUILD / "spartac")
LINT_BATCH = 250
# cfn-lint beside the Python that runs this (the set-up's .venv), else on PATH
CFN_LINT = next((str(p) for p in [Path(sys.executable).parent / "cfn-lint"] if p.exists()),
                shutil.which("cfn-lint") or "cfn-lint")


# ---- the seeds: every valid manifest, as the tree spartac reads ----

def corpus():
    out = []
    for p in sorted(VALID.glob("*.yaml")):
        if p.stem.startswith("limit-"):
            continue  # deep nesting, nothing to mutate
        out.append(("valid/" + p.stem, manifestlib.load_manifest(p)))
    out.append(("example", manifestlib.load_manifest(ROOT / "sparta.yaml.example")))
    return out


class Dumper(yaml.SafeDumper):
    pass


def dump(tree):
    return yaml.dump(tree, Dumper=Dumper, sort_keys=False, allow_unicode=True,
                     width=4096, default_flow_style=False)


# ---- what a tree holds ----

def functions(t):
    return t.setdefault("functions", {}) if isinstance(t.get("functions", {}), dict) else {}


def resources(t):
    r = t.get("resources")
    return r if isinstance(r, dict) else {}


def parameters(t):
    p = t.get("parameters")
    return p if isinstance(p, dict) else {}


def fn_id(name):
    """The logical ID spartac gives a function (docs/logical-ids.md)."""
    parts = [x for x in name.replace("_", "-").split("-") if x]
    return "".join(x[:1].upper() + x[1:] for x in parts) + "Function"


def names(t):
    return list(resources(t)) + list(parameters(t)) + [fn_id(f) for f in functions(t)]


def intrinsic_sites(node, path=()):
    """(container, key) of every Ref/GetAtt value in the tree."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("Ref", "Fn::GetAtt") and len(node) == 1:
                yield node, k
            else:
                yield from intrinsic_sites(v, path + (k,))
    elif isinstance(node, list):
        for v in node:
            yield from intrinsic_sites(v, path)


def some_function(rng, t):
    fs = functions(t)
    if not fs:
        fs["extra"] = {"symbol": "extra_handler"}
    name = rng.choice(sorted(fs))
    if not isinstance(fs[name], dict):
        fs[name] = {"symbol": name.replace("-", "_") + "_h"}
    return name, fs[name]


def env_of(fn):
    env = fn.get("environment")
    if not isinstance(env, dict):
        env = fn["environment"] = {}
    return env


ATTRS = ["Arn", "Name", "Url", "StreamArn", "QueueName", "TopicName", "DomainName",
         "BucketName", "Id", "RoleId", "Endpoint.Address", "WebsiteURL", "DisplayName"]
TYPES = {
    "AWS::S3::Bucket": {},
    "AWS::SQS::Queue": {},
    "AWS::SNS::Topic": {},
    "AWS::DynamoDB::Table": {
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]},
    "AWS::SNS::Subscription": {"Protocol": "sqs", "Endpoint": "arn:aws:sqs:us-east-1:123456789012:q",
                               "TopicArn": "arn:aws:sns:us-east-1:123456789012:t"},
    "AWS::Logs::LogGroup": {},
    "AWS::SSM::Parameter": {"Type": "String", "Value": "v"},
    "AWS::Kinesis::Stream": {"ShardCount": 1},
    "AWS::Events::EventBus": {"Name": "bus"},
}
TYPOS = ["AWS::S3::Buckett", "AWS::SQS::Queues", "AWS::Sns::Topic", "AWS::DynamoDB::Tables",
         "AWS::Lambda::Functon", "Custom::Seeder", "AWS::CloudFormation::CustomResource",
         "AWS::Nope::Thing"]


# ---- mutations: each takes (rng, tree) and changes the tree ----

def m_swap_reference(rng, t):
    sites = list(intrinsic_sites(t))
    cands = names(t) + ["Missing", "AWS::Region", "AWS::StackName"]
    if not sites:
        return m_getatt_parameter(rng, t)
    node, k = rng.choice(sites)
    target = rng.choice(cands)
    if k == "Ref":
        node[k] = target
    else:
        # mostly an attribute the target may well have
        node[k] = [target, "Arn" if rng.random() < 0.6 else rng.choice(ATTRS)]


def m_depends_on(rng, t):
    name, fn = some_function(rng, t)
    cands = list(resources(t)) + list(functions(t)) + ["Ghost"]
    deps = fn.get("depends_on") if isinstance(fn.get("depends_on"), list) else []
    deps.append(rng.choice(cands))
    fn["depends_on"] = list(dict.fromkeys(deps))


def m_getatt_parameter(rng, t):
    ps = parameters(t)
    if not ps:
        t["parameters"] = ps = {"QueueName": {"Type": "String", "Default": "jobs"}}
    _, fn = some_function(rng, t)
    env_of(fn)["FROM_PARAM"] = {"Fn::GetAtt": [rng.choice(sorted(ps)), rng.choice(["Arn", "Value"])]}


def m_getatt_attribute(rng, t):
    rs = resources(t) or add_resource(rng, t)
    rid = rng.choice(sorted(rs))
    _, fn = some_function(rng, t)
    env_of(fn)["ATTR"] = {"Fn::GetAtt": [rid, rng.choice(ATTRS)]}


def add_resource(rng, t, rtype=None):
    rs = t.get("resources")
    if not isinstance(rs, dict):
        rs = t["resources"] = {}
    rtype = rtype or rng.choice(sorted(TYPES))
    rid = "Extra" + rtype.split("::")[-1] + str(rng.randrange(100))
    rs[rid] = {"Type": rtype}
    if TYPES.get(rtype):
        rs[rid]["Properties"] = copy.deepcopy(TYPES[rtype])
    return rs


def m_s3_back_reference(rng, t):
    """An S3 event on a bucket the same function names in its environment or
    privileges (the loop of issue 13), with or without a BucketName."""
    rs = t.get("resources")
    if not isinstance(rs, dict):
        rs = t["resources"] = {}
    rs["Inbox"] = {"Type": "AWS::S3::Bucket"}
    if rng.random() < 0.6:
        rs["Inbox"]["Properties"] = {"BucketName": {"Fn::Sub": "${AWS::StackName}-inbox"}}
    name, fn = some_function(rng, t)
    fn.pop("role", None)
    how = rng.randrange(4)
    if how in (0, 3):
        env_of(fn)["INBOX"] = rng.choice([{"Ref": "Inbox"}, {"Fn::GetAtt": ["Inbox", "Arn"]},
                                          {"Fn::Sub": "${Inbox}"}])
    if how in (1, 3):
        fn["privileges"] = [{"actions": ["s3:GetObject"],
                             "resources": [{"Fn::Sub": "${Inbox.Arn}/*"}]}]
    if how == 2:
        fn["depends_on"] = ["Inbox"]
    ev = fn.get("events") if isinstance(fn.get("events"), list) else []
    ev.append({"s3": {"bucket": "Inbox", "events": ["s3:ObjectCreated:*"]}})
    fn["events"] = ev


def m_condition(rng, t):
    conds = t.get("conditions")
    if not isinstance(conds, dict):
        conds = t["conditions"] = {}
    conds["IsProd"] = {"Fn::Equals": [{"Ref": rng.choice(["AWS::StackName", "Missing"] + list(parameters(t)))}, "prod"]}
    what = rng.randrange(4)
    rs = resources(t)
    if what == 0 and rs:
        rs[rng.choice(sorted(rs))]["Condition"] = rng.choice(["IsProd", "IsDev"])
    elif what == 1:
        _, fn = some_function(rng, t)
        env_of(fn)["MAYBE"] = {"Fn::If": [rng.choice(["IsProd", "IsProdd"]), "a", {"Ref": "AWS::NoValue"}]}
    elif what == 2:
        conds["Both"] = {"Fn::And": [{"Condition": "IsProd"}, {"Condition": rng.choice(["IsProd", "Both", "Other"])}]}
    else:
        outs = t.get("outputs") if isinstance(t.get("outputs"), dict) else {}
        outs["Maybe"] = {"Condition": "IsProd", "Value": {"Ref": rng.choice(names(t) or ["X"])}}
        t["outputs"] = outs


def m_stage(rng, t):
    stages = t.get("stages") if isinstance(t.get("stages"), dict) else {}
    name, _ = some_function(rng, t)
    over = rng.choice([{"memory": rng.choice([256, 100, 20000])},
                       {"environment": {"STAGE_REF": {"Ref": rng.choice(names(t) + ["Nope"])}}},
                       {"timeout": rng.choice([30, 0])}])
    fname = name if rng.random() < 0.8 else name + "x"
    stages["prod"] = {"functions": {fname: over}}
    t["stages"] = stages
    t["__stage"] = "prod" if rng.random() < 0.7 else rng.choice(["prod", "qa"])


def m_remove_required(rng, t):
    rs = [r for r in resources(t).values() if isinstance(r, dict) and isinstance(r.get("Properties"), dict)
          and r["Properties"]]
    if not rs:
        rs = [add_resource(rng, t, rng.choice(["AWS::DynamoDB::Table", "AWS::SSM::Parameter",
                                                "AWS::SNS::Subscription"]))]
        rs = [r for r in rs[0].values() if r.get("Properties")]
        if not rs:
            return
    r = rng.choice(rs)
    prop = rng.choice(sorted(r["Properties"]))
    if rng.random() < 0.3:  # a realistic slip: a property renamed or emptied
        r["Properties"][prop + rng.choice(["s", "Name"])] = r["Properties"].pop(prop)
    else:
        del r["Properties"][prop]


def m_unknown_type(rng, t):
    rs = resources(t)
    if rs and rng.random() < 0.5:
        r = rs[rng.choice(sorted(rs))]
        r["Type"] = rng.choice(TYPOS)
    else:
        add_resource(rng, t, rng.choice(TYPOS))


def m_remove_resource(rng, t):
    rs = resources(t)
    if rs:
        del rs[rng.choice(sorted(rs))]
        if not rs:
            t.pop("resources")


def m_output(rng, t):
    outs = t.get("outputs") if isinstance(t.get("outputs"), dict) else {}
    target = rng.choice(names(t) or ["Nothing"])
    outs["Out" + str(rng.randrange(10))] = rng.choice([
        {"Value": {"Ref": target}},
        {"Value": {"Fn::GetAtt": [target, rng.choice(ATTRS)]}},
        {"Value": {"Fn::Sub": "${%s}" % target}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-x"}}},
    ])
    t["outputs"] = outs


def m_role_reference(rng, t):
    name, fn = some_function(rng, t)
    roles = t.get("roles") if isinstance(t.get("roles"), dict) else {}
    fn["role"] = rng.choice(list(roles) + ["nope"]) if roles or rng.random() < 0.5 else "nope"
    if fn["role"] == "nope" and rng.random() < 0.5:
        fn.pop("role")
        fn["privileges"] = [{"actions": ["sqs:SendMessage"],
                             "resources": [{"Fn::GetAtt": [rng.choice(names(t) or ["Q"]), "Arn"]}]}]


def m_sub_variable(rng, t):
    _, fn = some_function(rng, t)
    target = rng.choice(names(t) + ["Nope", "AWS::Region"])
    env_of(fn)["SUB"] = {"Fn::Sub": rng.choice(["${%s}" % target, "${%s.Arn}" % target,
                                                "arn:aws:s3:::${!Literal}-${%s}" % target])}


def m_schema(rng, t):
    """A value of the wrong shape: the schema and what follows from it."""
    _, fn = some_function(rng, t)
    k, v = rng.choice([("memory", 100), ("timeout", "3"), ("events", {}), ("role", 5),
                       ("environment", {"bad-name": "x"}), ("symbol", "")])
    fn[k] = v


def m_raw_self_reference(rng, t):
    rs = resources(t) or add_resource(rng, t, "AWS::SQS::Queue")
    a = rng.choice(sorted(rs))
    b = rng.choice(sorted(rs))
    rs[a]["DependsOn"] = b
    if a != b and rng.random() < 0.5:
        rs[b]["DependsOn"] = a


def m_property_shape(rng, t):
    """A raw property of the wrong shape: Tags as a map, a scalar in a list."""
    rs = resources(t) or add_resource(rng, t, "AWS::SQS::Queue")
    r = rs[rng.choice(sorted(rs))]
    props = r.setdefault("Properties", {}) if isinstance(r.get("Properties", {}), dict) else None
    if props is None:
        return
    if rng.random() < 0.5 or not props:
        props["Tags"] = rng.choice([{"team": "core"}, [{"Key": "team", "Value": "core"}]])
    else:
        k = rng.choice(sorted(props))
        # top-level shapes only: spartac does not check nested properties
        props[k] = [props[k]] if not isinstance(props[k], list) else "x"


MUTATIONS = [m_property_shape, m_swap_reference, m_depends_on, m_getatt_parameter, m_getatt_attribute,
             m_s3_back_reference, m_condition, m_stage, m_remove_required, m_unknown_type,
             m_remove_resource, m_output, m_role_reference, m_sub_variable, m_schema,
             m_raw_self_reference]


def mutate(rng, seeds):
    label, tree = rng.choice(seeds)
    t = copy.deepcopy(tree)
    # hooks run at build, never at validate: they are not checks (and a
    # corpus hook reads .spartac/, which -o moves)
    t.pop("hooks", None)
    applied = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        m = rng.choice(MUTATIONS)
        # one shape mutation a manifest: a second on the same property (a map
        # put in a list) makes a nested shape, which spartac does not check
        if m is m_property_shape and "property_shape" in applied:
            continue
        try:
            m(rng, t)
        except (KeyError, TypeError, AttributeError, IndexError, ValueError):
            continue  # the seed lacks what this mutation needs
        applied.append(m.__name__[2:])
    return label, applied, t


# ---- running spartac ----

def spartac(args, cwd):
    r = subprocess.run([SPARTAC, "--format", "json", *args], cwd=cwd, capture_output=True,
                       text=True, timeout=60)
    try:
        diags = json.loads(r.stdout) if r.stdout.strip() else []
    except ValueError:
        diags = None
    return r.returncode, diags, r.stderr


def key(d):
    return (d["code"], d["file"], d["line"], d["column"], d.get("path"), d["message"])


def check_one(work, i, label, applied, tree):
    """Runs validate and build; returns (verdict, problem or None, template or None, warned ids)."""
    stage = tree.pop("__stage", None)
    d = work / ("example" if label == "example" else "valid")
    name = f"d{i:05d}.yaml"
    (d / name).write_text(dump(tree))
    extra = ["--stage", stage] if stage else []
    vs, vd, verr = spartac(["validate", *extra, name], d)
    out = work / "out" / f"d{i:05d}"
    bs, bd, berr = spartac(["build", *extra, "--template-only", "-o", str(out), name], d)
    if vd is None or bd is None:
        return "crash", f"output is not JSON: validate {verr!r} build {berr!r}", None, None
    if vs not in (0, 1) or bs not in (0, 1):
        return "crash", f"exit statuses validate {vs}, build {bs}: {verr} {berr}", None, None
    vk = [key(x) for x in vd if x["code"] != "E-SITE-ROOT"]
    bk = [key(x) for x in bd]
    site_only = vs == 1 and all(x["code"] == "E-SITE-ROOT" for x in vd if x["severity"] == "error")
    if vk != bk:
        return "disagree", f"validate and build print different diagnostics:\n{vd}\n{bd}", None, None
    if vs != bs and not site_only:
        return "disagree", f"validate exits {vs}, build {bs}", None, None
    if vs == 1:
        return "refused", None, None, None
    tpl = out / "template.json"
    if not tpl.exists():
        return "disagree", "build exited 0 without a template", None, None
    warned = set()
    for x in vd:
        if x["code"] == "W-MARSHAL-TYPE-UNKNOWN" and x.get("path"):
            warned.add(x["path"].split(".")[1])
    return "accepted", None, tpl, warned


def lint(paths):
    """cfn-lint's errors per template, one process per batch."""
    found = {str(p): [] for p in paths}
    for k in range(0, len(paths), LINT_BATCH):
        batch = [str(p) for p in paths[k:k + LINT_BATCH]]
        r = subprocess.run([CFN_LINT, "--format", "json", "--", *batch],
                           capture_output=True, text=True, timeout=1800)
        if r.returncode not in range(0, 16, 2) or (r.returncode and not r.stdout.strip()):
            raise SystemExit(f"cfn-lint failed ({r.returncode}): {r.stderr[-2000:]}")
        for f in json.loads(r.stdout or "[]"):
            if f["Level"] == "Error":
                found.setdefault(f["Filename"], []).append(f)
    return found


def prepare(work):
    shutil.copytree(VALID, work / "valid")
    (work / "example" / "examples" / "hello").mkdir(parents=True)
    shutil.copytree(ROOT / "examples" / "hello" / "site", work / "example" / "examples" / "hello" / "site")
    (work / "out").mkdir()


def run(count, seed, work, log=print):
    rng = random.Random(seed)
    seeds = corpus()
    prepare(work)
    counts = {"accepted": 0, "refused": 0}
    problems, accepted = [], []
    for i in range(count):
        label, applied, tree = mutate(rng, seeds)
        verdict, problem, tpl, warned = check_one(work, i, label, applied, tree)
        if problem:
            problems.append((i, label, applied, problem))
            continue
        counts[verdict] += 1
        if tpl:
            accepted.append((i, label, applied, tpl, warned))
    errors = lint([a[3] for a in accepted]) if accepted else {}
    for i, label, applied, tpl, warned in accepted:
        bad = []
        for f in errors.get(str(tpl), []):
            path = f["Location"].get("Path") or []
            if f["Rule"]["Id"] == "E3006" and len(path) > 1 and path[1] in warned:
                continue  # a type spartac warned about; a warning by design
            bad.append(f"{f['Rule']['Id']} {f['Message']} at {'/'.join(map(str, path))}")
        if bad:
            problems.append((i, label, applied, "cfn-lint errors on an accepted template:\n  "
                             + "\n  ".join(bad)))
    for i, label, applied, problem in problems:
        d = "example" if label == "example" else "valid"
        log(f"--- seed {seed} case {i} ({label} + {', '.join(applied)}): "
            f"{work / d / f'd{i:05d}.yaml'}\n{problem}")
    log(f"differential: seed {seed}, {count} manifests: {counts['accepted']} accepted, "
        f"{counts['refused']} refused, {len(problems)} disagreements")
    return counts, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--keep", help="work directory to keep (default: a temporary one)")
    a = ap.parse_args()
    if a.keep:
        work = Path(a.keep)
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        _, problems = run(a.count, a.seed, work)
    else:
        with tempfile.TemporaryDirectory(prefix="differential.") as tmp:
            _, problems = run(a.count, a.seed, Path(tmp))
            if problems:
                keep = Path(tempfile.mkdtemp(prefix="differential-failed."))
                shutil.copytree(tmp, keep, dirs_exist_ok=True)
                print(f"manifests kept in {keep}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
