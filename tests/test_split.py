"""Nested stacks (issue 17): a service over CloudFormation's limits, or over
nested_stacks.max_resources, is written as template.json plus
stacks/<Id>.json. Goldens, cfn-lint on every template written, and property
tests over seeded random services: every template within every limit, every
reference resolving in its template or through the generated plumbing,
one added function changing one child, and the split flattening back to
the unsplit template."""

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, need, run

CASES = ROOT / "tests" / "split"
PSEUDO = {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::URLSuffix",
          "AWS::StackName", "AWS::StackId", "AWS::NoValue", "AWS::NotificationARNs"}
SUB_VAR = re.compile(r"\$\{(?!!)([^}]*)\}")


def build(d, manifest="sparta.yaml"):
    r = run("build", "--template-only", "--no-color", manifest, cwd=d)
    assert r.returncode == 0, r.stderr
    out = Path(d) / ".spartac"
    root = json.loads((out / "template.json").read_text())
    stacks = out / "stacks"
    kids = {p.stem: p.read_bytes() for p in sorted(stacks.glob("*.json"))} \
        if stacks.is_dir() else {}
    return root, kids, r.stderr


def gen_service(rng, name, n, threshold=None, rich=True):
    """A random service: per-function or a shared role, schedule and sqs
    events on a manifest queue, s3 events on a manifest bucket (those
    functions stay in the root), depends_on between functions (references
    across children), a List parameter passed to children, environment
    references, a route each (own path)."""
    lines = [f"service: {name}", "functions:"]
    routes = []
    fns = []
    for i in range(n):
        fn = f"f{rng.randrange(10**6):06d}x{i}"
        ev = []
        if rng.random() < 0.4:
            ev.append("{schedule: rate(5 minutes)}")
        if rng.random() < 0.3:
            ev.append("{sqs: {queue: !GetAtt Queue.Arn}}")
        opts, env = "", []
        if rich and rng.random() < 0.05:
            ev.append("{s3: {bucket: Imports}}")
            if rng.random() < 0.5:  # its role names the bucket: stays in the root
                opts += (", privileges: [{actions: ['s3:GetObject'], "
                         "resources: [!Sub '${Imports.Arn}/*']}]")
        if rng.random() < 0.3:
            env.append("QUEUE: !Ref Queue")
        if rich and rng.random() < 0.1:
            env.append("NETS: !Join [',', !Ref Subnets]")
        if env:
            opts += f", environment: {{{', '.join(env)}}}"
        if rich and "privileges" not in opts and rng.random() < 0.15:
            opts += ", role: shared"
        if rich and fns and rng.random() < 0.1:
            opts += f", depends_on: [{rng.choice(fns)}]"
        evs = f", events: [{', '.join(ev)}]" if ev else ""
        lines.append(f"  {fn}: {{symbol: {fn}{opts}{evs}}}")
        fns.append(fn)
        if rng.random() < 0.7:
            routes.append(f"    GET /{fn}{'/{id}' if rng.random() < 0.3 else ''}: {fn}")
    if routes:
        lines += ["api:", "  routes:", *routes]
    lines += ["resources:", "  Queue: {Type: AWS::SQS::Queue}"]
    if rich:
        lines += ["  Imports: {Type: AWS::S3::Bucket}",
                  "roles:", "  shared:", "    privileges:",
                  "      - {actions: ['sqs:SendMessage'], resources: [!GetAtt Queue.Arn]}",
                  "parameters:", "  Subnets: {Type: CommaDelimitedList, Default: 'a,b'}",
                  "outputs:", "  Nets: {Value: !Join [',', !Ref Subnets]}"]
    if threshold is not None:
        lines += ["nested_stacks:", f"  max_resources: {threshold}"]
    return "\n".join(lines) + "\n"


def refs(v, out):
    """(kind, name, attr) of every Ref, GetAtt and ${} under v."""
    if isinstance(v, dict):
        if len(v) == 1:
            (k, a), = v.items()
            if k == "Ref" and isinstance(a, str):
                out.append(("Ref", a, ""))
                return
            if k == "Fn::GetAtt" and isinstance(a, list) and isinstance(a[0], str):
                out.append(("GetAtt", a[0], a[1]))
                return
            if k == "Fn::Sub":
                s, local = (a, {}) if isinstance(a, str) else (a[0], a[1] if len(a) > 1 else {})
                for var in SUB_VAR.findall(s):
                    if var not in local:
                        x, _, at = var.partition(".")
                        out.append(("Sub", x, at))
                refs(local, out)
                return
        for x in v.values():
            refs(x, out)
    elif isinstance(v, list):
        for x in v:
            refs(x, out)


def one_group(tpl):
    """Whether the functions of tpl are linked through references between
    its resources (which keeps them in one child)."""
    res = tpl["Resources"]
    up = {k: k for k in res}

    def find(k):
        while up[k] != k:
            k = up[k]
        return k
    for k, body in res.items():
        out = []
        refs(body, out)
        dep = body.get("DependsOn", [])
        for x in [o[1] for o in out] + ([dep] if isinstance(dep, str) else dep):
            if x in res:
                up[find(k)] = find(x)
    return len({find(k) for k, b in res.items() if b["Type"] == "AWS::Lambda::Function"}) == 1


def check_limits(tpl, text_len, max_resources):
    assert len(tpl["Resources"]) <= max_resources
    assert text_len <= 1048576
    for sec in ("Parameters", "Outputs", "Mappings"):
        assert len(tpl.get(sec, {})) <= 200, sec
    for sec in ("Parameters", "Resources", "Outputs"):
        for k in tpl.get(sec, {}):
            assert len(k) <= 255 and k.isalnum(), k
    assert len(tpl.get("Description", "")) <= 1024


def check_resolves(root, kids):
    """Every reference of every template resolves in its template, and the
    root passes exactly the parameters each child declares."""
    children = {k: json.loads(v) for k, v in kids.items()}
    for name, tpl in [("root", root), *children.items()]:
        names = set(tpl.get("Parameters", {})) | set(tpl["Resources"]) | PSEUDO
        out = []
        refs(tpl["Resources"], out)
        refs(tpl.get("Outputs", {}), out)
        for kind, x, attr in out:
            assert x in names, f"{name}: {kind} {x}"
            if x in children and attr.startswith("Outputs."):
                assert attr[8:] in children[x].get("Outputs", {}), (name, x, attr)
        for r in tpl["Resources"].values():
            dep = r.get("DependsOn", [])
            for x in [dep] if isinstance(dep, str) else dep:
                assert x in tpl["Resources"], f"{name}: DependsOn {x}"
    # no cycle between the root's resources and stacks (each child's
    # parameters name root resources or other children's outputs)
    state = {}

    def visit(rid):
        state[rid] = 1
        out = []
        refs(root["Resources"][rid], out)
        dep = root["Resources"][rid].get("DependsOn", [])
        for x in [k[1] for k in out] + ([dep] if isinstance(dep, str) else dep):
            if x in root["Resources"]:
                assert state.get(x) != 1, f"cycle through {rid} and {x}"
                if x not in state:
                    visit(x)
        state[rid] = 2
    for rid in root["Resources"]:
        if rid not in state:
            visit(rid)
    for cid, child in children.items():
        stack = root["Resources"][cid]
        assert stack["Type"] == "AWS::CloudFormation::Stack"
        assert set(stack["Properties"].get("Parameters", {})) == \
            set(child.get("Parameters", {})), cid
        assert "SpartacDigest" not in child.get("Parameters", {})


def resolve(v, env):
    """v with each plumbing reference replaced by what it stands for."""
    if isinstance(v, dict):
        if len(v) == 1:
            (k, a), = v.items()
            if k == "Ref" and a in env:
                return env[a]
            if k == "Fn::GetAtt" and isinstance(a, list) and (a[0], a[1]) in env:
                return env[(a[0], a[1])]
            if k == "Fn::Sub":
                def sub(s):
                    def one(m):
                        x, _, at = m.group(1).partition(".")
                        e = env.get(x) if not at else env.get((x, at))
                        if e is None:
                            return m.group(0)
                        if "Ref" in e:
                            return "${%s}" % e["Ref"]
                        return "${%s.%s}" % tuple(e["Fn::GetAtt"])
                    return SUB_VAR.sub(one, s)
                if isinstance(a, str):
                    return {k: sub(a)}
                return {k: [sub(a[0]), *[resolve(x, env) for x in a[1:]]]}
        return {k: resolve(x, env) for k, x in v.items()}
    if isinstance(v, list):
        return [resolve(x, env) for x in v]
    return v


def flatten(root, kids):
    """The resources of root and children as one template's, the plumbing
    resolved: child parameters to what the root passes, outputs to values."""
    children = {k: json.loads(v) for k, v in kids.items()}
    outs = {}
    for cid, c in children.items():
        for o, body in c.get("Outputs", {}).items():
            outs[(cid, "Outputs." + o)] = body["Value"]
    flat = {}
    for cid, c in children.items():
        passed = root["Resources"][cid]["Properties"].get("Parameters", {})
        env = {p: resolve(v, outs) for p, v in passed.items()}
        for p, v in env.items():  # a List parameter is passed joined
            if c["Parameters"][p]["Type"] == "CommaDelimitedList":
                assert v["Fn::Join"][0] == ","
                env[p] = v["Fn::Join"][1]
        for rid, body in c["Resources"].items():
            assert rid not in flat
            flat[rid] = resolve(body, env)
    for rid, body in root["Resources"].items():
        if rid in children:
            continue
        assert rid not in flat
        flat[rid] = resolve(body, outs)
    return flat


def without_depends(res):
    return {k: {a: b for a, b in v.items() if a != "DependsOn"} for k, v in res.items()}


def check_flattened(split_root, kids, unsplit):
    flat = flatten(split_root, kids)
    want = unsplit["Resources"]
    assert set(flat) == set(want)
    # the root's stack name and ID are passed to the children as parameters
    flat = resolve(without_depends(flat), {"AWSStackName": {"Ref": "AWS::StackName"},
                                           "AWSStackId": {"Ref": "AWS::StackId"}})
    assert flat == without_depends(want)


# ---- goldens ----

def golden(tmp_path, n, threshold, case):
    d = tmp_path / case
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen.py"), str(n), str(d)], check=True)
    if threshold:
        with open(d / "sparta.yaml", "a") as f:
            f.write(f"nested_stacks:\n  max_resources: {threshold}\n")
    root, kids, err = build(d)
    got = {"template.json": (d / ".spartac" / "template.json").read_text()}
    got.update({f"stacks/{k}.json": v.decode() for k, v in kids.items()})
    want_dir = CASES / case
    if not want_dir.is_dir():  # writes the golden, to be reviewed, and fails
        for k, v in got.items():
            (want_dir / k).parent.mkdir(parents=True, exist_ok=True)
            (want_dir / k).write_text(v)
        pytest.fail(f"wrote {want_dir}: review it and commit it")
    want = {str(p.relative_to(want_dir)): p.read_text()
            for p in sorted(want_dir.rglob("*.json"))}
    assert sorted(got) == sorted(want)
    for k in got:
        assert got[k] == want[k], k
    return d, root, kids, err


def lint(paths):
    need("cfn-lint")
    r = subprocess.run(["cfn-lint", "--format", "json", "--", *map(str, paths)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0 and json.loads(r.stdout or "[]") == [], r.stdout + r.stderr


def test_golden_low_threshold(tmp_path):
    d, root, kids, err = golden(tmp_path, 12, 20, "low-threshold-12")
    assert "[N-TEMPLATE-SPLIT]" in err
    assert len(kids) >= 2
    for k, v in kids.items():
        check_limits(json.loads(v), len(v), 20)
    check_resolves(root, kids)
    lint([d / ".spartac" / "template.json", *sorted((d / ".spartac" / "stacks").glob("*.json"))])


def test_golden_120_default(tmp_path):
    d, root, kids, err = golden(tmp_path, 120, None, "default-120")
    # 120 functions x 6 resources + the API's 3: over 500, so it splits
    m = re.search(r"the template has (\d+) resources", err)
    assert m and int(m.group(1)) == 120 * 6 + 3 > 500, err
    assert len(kids) >= 2
    for k, v in kids.items():
        check_limits(json.loads(v), len(v), 500)
    check_limits(root, len((d / ".spartac" / "template.json").read_bytes()), 500)
    check_resolves(root, kids)
    lint([d / ".spartac" / "template.json", *sorted((d / ".spartac" / "stacks").glob("*.json"))])


def small_service(tmp_path, threshold=20):
    """bench/gen.py's 12 functions, with nested_stacks.max_resources."""
    d = tmp_path / "s"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen.py"), "12", str(d)], check=True)
    with open(d / "sparta.yaml", "a") as f:
        f.write(f"nested_stacks:\n  max_resources: {threshold}\n")
    return d


def test_no_split_leaves_no_stacks(tmp_path):
    d = small_service(tmp_path)
    root, kids, _ = build(d)
    assert kids
    # back under the threshold: the children and stacks/ go
    text = (d / "sparta.yaml").read_text().replace("max_resources: 20", "max_resources: 500")
    (d / "sparta.yaml").write_text(text)
    root, kids, err = build(d)
    assert kids == {} and not (d / ".spartac" / "stacks").exists()
    assert "SPLIT" not in err


def test_root_over_limit(tmp_path):
    """The root keeps the manifest's own outputs: over 200, the split warns
    (deploy would fail), as the unsplit template's check does for resources."""
    d = tmp_path / "s"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen.py"), "12", str(d)], check=True)
    lines = ["nested_stacks:", "  max_resources: 20", "outputs:"]
    lines += [f"  O{i}: {{Value: v{i}}}" for i in range(201)]
    with open(d / "sparta.yaml", "a") as f:
        f.write("\n".join(lines) + "\n")
    root, kids, err = build(d)
    assert kids
    assert "the root template has 203 Outputs (at most 200) [W-TEMPLATE-SPLIT-LIMIT]" in err, err


def test_child_id_clash(tmp_path):
    """A manifest resource named like a child: the child's ID takes a suffix."""
    d = tmp_path / "s"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen.py"), "12", str(d)], check=True)
    root, kids, _ = build(d)  # no split: under 500
    assert kids == {}
    with open(d / "sparta.yaml", "a") as f:
        f.write("nested_stacks:\n  max_resources: 20\n")
    _, kids, _ = build(d)
    first = sorted(kids)[0]
    with open(d / "sparta.yaml", "a") as f:
        f.write(f"resources:\n  {first}: {{Type: AWS::SQS::Queue}}\n")
    root, kids2, _ = build(d)
    assert first + "Nested" in kids2 and first not in kids2
    assert root["Resources"][first]["Type"] == "AWS::SQS::Queue"
    check_resolves(root, kids2)


def test_describe_names_the_stacks(tmp_path):
    d = small_service(tmp_path)
    root, kids, _ = build(d)
    r = run("describe", "sparta.yaml", "-o", "d.html", cwd=d)
    assert r.returncode == 0, r.stderr
    html = (d / "d.html").read_text()
    assert "<h2>Nested stacks</h2>" in html
    for cid, text in kids.items():
        child = json.loads(text)
        n = len(child["Resources"])
        assert f"<td><code>{cid}</code></td>" in html
        assert f"<td>{n}</td><td>{len(text)}</td>" in html
        for rid, body in child["Resources"].items():
            if body["Type"] == "AWS::Lambda::Function":
                name = body["Properties"]["Handler"]
                assert f"<td>{name}</td><td><code>{cid}</code>" in html, name


# ---- properties over seeded random services ----

SEEDS = range(200)


@pytest.mark.parametrize("chunk", range(4))
def test_properties(tmp_path, chunk):
    for seed in SEEDS[chunk::4]:
        rng = random.Random(seed)
        n = rng.randrange(3, 40)
        threshold = rng.randrange(10, 60)
        text = gen_service(rng, f"p{seed}", n, threshold)
        d = tmp_path / f"s{seed}"
        d.mkdir()
        (d / "sparta.yaml").write_text(text)
        (d / "unsplit.yaml").write_text(text.replace(f"max_resources: {threshold}",
                                                     "max_resources: 500"))
        root, kids, _ = build(d)
        for v in kids.values():
            tpl = json.loads(v)
            # functions naming each other's resources stay together, even
            # over the threshold
            check_limits(tpl, len(v), threshold if not one_group(tpl) else 500)
        check_limits(root, len((d / ".spartac" / "template.json").read_bytes()), 500)
        check_resolves(root, kids)
        unsplit, none, _ = build(d, "unsplit.yaml")
        assert none == {}
        if kids:
            check_flattened(root, kids, unsplit)
        # one more function: exactly one child changes (or splits in two)
        extra = gen_service(random.Random(seed + 10**6), "x", 1, rich=False).split("\n")[2]
        lines = text.split("\n")
        lines.insert(2, extra)
        (d / "sparta.yaml").write_text("\n".join(lines))
        _, kids2, _ = build(d)
        if not kids:
            continue
        changed = {k for k in kids.keys() | kids2.keys() if kids.get(k) != kids2.get(k)}
        gone = changed - kids2.keys()
        if gone:  # the capacity case: one child split by its next bit(s)
            assert len(gone) == 1, changed
            g, = gone
            assert all(k.startswith(g) for k in changed), changed
        else:
            assert len(changed) == 1, (seed, changed)
        # one function fewer (one no other names, in no group, not in the
        # root): exactly one child changes or goes, or the capacity case:
        # children merge back into the child of their common prefix
        lines = text.split("\n")
        cands = [ln.split(":")[0].strip() for ln in lines
                 if ln.startswith("  f") and "{symbol:" in ln and "depends_on" not in ln
                 and "s3:" not in ln]
        cands = [f for f in cands if f"[{f}]" not in text]
        if not cands:
            continue
        gone_fn = rng.choice(cands)
        lines = [ln for ln in lines if not ln.startswith(f"  {gone_fn}:")
                 and not ln.endswith(f": {gone_fn}")]
        (d / "sparta.yaml").write_text("\n".join(lines))
        _, kids3, _ = build(d)
        changed = {k for k in kids.keys() | kids3.keys() if kids.get(k) != kids3.get(k)}
        new = changed - kids.keys()
        if new and kids3:  # the capacity case, in reverse
            assert len(new) == 1, changed
            p, = new
            assert all(k.startswith(p) for k in changed), changed
        else:
            assert len(changed) == 1, (seed, gone_fn, changed)


def test_cfn_lint_random_services(tmp_path):
    """cfn-lint, 0 errors and 0 warnings, on every template of 16 random
    services (one cfn-lint run: its start-up dominates)."""
    paths = []
    for seed in range(1000, 1016):
        rng = random.Random(seed)
        d = tmp_path / f"s{seed}"
        d.mkdir()
        (d / "sparta.yaml").write_text(gen_service(rng, f"l{seed}", rng.randrange(5, 30),
                                                   rng.randrange(10, 40)))
        root, kids, _ = build(d)
        paths.append(d / ".spartac" / "template.json")
        paths += sorted((d / ".spartac" / "stacks").glob("*.json"))
    assert len(paths) > 32
    lint(paths)


def test_pinned_to_root(tmp_path):
    """A function notified by a bucket its role names stays in the root: in a
    child, the bucket (root) would wait for the child and the child for it."""
    d = tmp_path / "s"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen.py"), "12", str(d)], check=True)
    text = (d / "sparta.yaml").read_text().replace(
        "  fn00003: {symbol: fn00003}",
        "  fn00003: {symbol: fn00003, events: [{s3: {bucket: Imports}}], "
        "privileges: [{actions: ['s3:GetObject'], resources: [!Sub '${Imports.Arn}/*']}]}")
    # notified by the same bucket and naming fn00003 (now the root's): fn00003's
    # function names no root resource that names a child's, so fn00004 stays
    # in a child, and no cycle forms (check_resolves)
    text = text.replace("  fn00004: {symbol: fn00004}",
                        "  fn00004: {symbol: fn00004, events: [{s3: {bucket: Imports}}], "
                        "depends_on: [fn00003]}")
    text += "resources:\n  Imports: {Type: AWS::S3::Bucket}\nnested_stacks:\n  max_resources: 20\n"
    (d / "sparta.yaml").write_text(text)
    root, kids, _ = build(d)
    assert kids
    for rid in ("Fn00003Function", "Fn00003FunctionRole", "Fn00003FunctionRoleBucketPolicy",
                "Fn00003Event1Permission", "Imports"):
        assert rid in root["Resources"], rid
    assert any(b"Fn00004Function" in v for v in kids.values())
    check_resolves(root, kids)
    lint([d / ".spartac" / "template.json", *sorted((d / ".spartac" / "stacks").glob("*.json"))])


def test_corpus_case(tmp_path):
    """tests/manifests/valid/nested-stacks.yaml: every template cfn-lint
    clean, references resolved, and flattened equal to the unsplit one."""
    src = ROOT / "tests" / "manifests" / "valid" / "nested-stacks.yaml"
    d = tmp_path / "s"
    d.mkdir()
    text = src.read_text()
    (d / "sparta.yaml").write_text(text)
    (d / "unsplit.yaml").write_text(text.replace("max_resources: 12", "max_resources: 500"))
    root, kids, _ = build(d)
    assert len(kids) >= 2
    assert "ArchiveFunction" in root["Resources"]  # its role names the bucket notifying it
    # create and ship (ship depends on create) share a child
    holder = {f: k for k, v in kids.items() for f in ("CreateFunction", "ShipFunction")
              if f in json.loads(v)["Resources"]}
    assert holder["CreateFunction"] == holder["ShipFunction"]
    check_resolves(root, kids)
    paths = [d / ".spartac" / "template.json", *sorted((d / ".spartac" / "stacks").glob("*.json"))]
    lint(paths)
    unsplit, none, _ = build(d, "unsplit.yaml")
    assert none == {}
    check_flattened(root, kids, unsplit)


def test_corpus_split_at_ten(tmp_path):
    """Every valid corpus manifest split at max_resources 10: references
    resolve, the flattened split equals the unsplit template, and cfn-lint
    finds nothing in any template (one run). The corpus has the REST and
    HTTP APIs with authorizers, sites, destinations, VPCs, conditions..."""
    paths, split = [], 0
    for src in sorted((ROOT / "tests" / "manifests" / "valid").glob("*.yaml")):
        d = tmp_path / src.stem
        d.mkdir()
        text = src.read_text()
        (d / "unsplit.yaml").write_text(text.replace("max_resources: 12", "max_resources: 500"))
        if "nested_stacks:" in text:
            text = text.replace("max_resources: 12", "max_resources: 10")
        elif re.search(r"^service:.*$", text, re.M):
            text = re.sub(r"^(service:.*)$", r"\1\nnested_stacks: {max_resources: 10}",
                          text, count=1, flags=re.M)
        else:
            continue  # a manifest in flow style: nowhere to put the key
        (d / "sparta.yaml").write_text(text)
        r = run("build", "--template-only", "--no-color", "unsplit.yaml", cwd=d)
        if r.returncode != 0:
            continue  # needs the files of its own directory: test_marshal builds it
        unsplit = json.loads((d / ".spartac" / "template.json").read_text())
        root, kids, _ = build(d)
        if not kids:
            continue
        split += 1
        check_resolves(root, kids)
        check_flattened(root, kids, unsplit)
        paths.append(d / ".spartac" / "template.json")
        paths += sorted((d / ".spartac" / "stacks").glob("*.json"))
    assert split >= 10, split
    lint(paths)
