#!/bin/sh
# bench/moto_1000.sh - a 1,000-function service, split into nested stacks
# by spartac at CloudFormation's limits (the default threshold),
# deployed on moto (tests/tools/moto_server_ordered.py) through the counting
# proxy (tests/tools/countproxy.py): wall time and API calls of the first
# deploy, of the no-op redeploy and of a one-function change; the number
# of templates written and the largest one's resources and bytes; then
# delete, and what is left (nothing). Fails when a step fails or a figure
# breaks a CloudFormation limit. `make moto-1000` runs it.
#
#   sh bench/moto_1000.sh [FUNCTIONS]      (default 1000)
set -eu
cd "$(dirname "$0")/.."
spartac=${SPARTAC:-$PWD/build/spartac}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
python3 - "$spartac" "$tmp" "${1:-1000}" <<'PY'
import collections, json, os, subprocess, sys, time, urllib.request
from pathlib import Path

spartac, tmp, nfunc = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
root = Path.cwd()
sys.path.insert(0, str(root / "tests"))
sys.path.insert(0, str(root / "tests" / "tools"))
import countproxy
from test_nested_moto import SOURCE, manifest

moto, proxy = countproxy.start_moto(root, tmp / "moto.log")
stack = f"spartac-moto-{nfunc}"
proj = tmp / "svc"
(proj / "src").mkdir(parents=True)
(proj / "src" / "hello.c").write_text(SOURCE)
(proj / "sparta.yaml").write_text(manifest(stack, nfunc))
try:
    endpoint = f"http://localhost:{proxy.server_address[1]}"
    env = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1",
               AWS_CONFIG_FILE=str(tmp / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp / "none"),
               AWS_EC2_METADATA_DISABLED="true")

    def op_name(op):
        """S3 calls come as "METHOD /bucket[/key]": named by method and
        whether they address an object."""
        if " " not in op:
            return op
        method, path = op.split(" ", 1)
        return f"{method.title()}{'Object' if '/' in path.strip('/') else 'Bucket'}"

    def step(what, *args):
        proxy.reset()
        t0 = time.monotonic()
        r = subprocess.run([spartac, *args, "--endpoint-url", endpoint, "--format", "json"],
                           cwd=proj, env=env, capture_output=True, text=True, timeout=1800)
        took = time.monotonic() - t0
        if r.returncode != 0:
            sys.exit(f"{what}: exit {r.returncode}\n{r.stdout}{r.stderr}")
        ops = collections.Counter(op_name(c[2]) for c in proxy.snapshot())
        out = json.loads(r.stdout) if r.stdout.strip().startswith("{") else {}
        print(f"{what:<24} {took:7.2f} s  {sum(ops.values()):5d} calls  "
              f"result {out.get('result', '-')}  "
              + ", ".join(f"{k} {v}" for k, v in sorted(ops.items())))
        return out

    print(f"{nfunc} functions, split at CloudFormation's limits (the default); "
          f"spartac {subprocess.run([spartac, '--version'], capture_output=True, text=True).stdout.strip()}")
    step("first deploy", "deploy", "--yes")
    out = proj / ".spartac"
    tpls = [out / "template.json", *sorted((out / "stacks").glob("*.json"))]
    sizes = []
    for t in tpls:
        doc = json.loads(t.read_text())
        sizes.append((len(doc.get("Resources", {})), t.stat().st_size, t.name))
    big_n = max(sizes)
    big_b = max(sizes, key=lambda s: s[1])
    print(f"templates {len(tpls)} (root + {len(tpls) - 1} children); "
          f"most resources {big_n[0]} ({big_n[2]}); largest {big_b[1]} bytes ({big_b[2]}); "
          f"resources in all {sum(s[0] for s in sizes)}")
    if big_n[0] > 500 or big_b[1] > 1048576:
        sys.exit("a template is over a CloudFormation limit")
    noop = step("no-op redeploy", "deploy", "--yes")
    if sum(1 for _ in proxy.snapshot()) != 1:
        sys.exit("the no-op redeploy was not one call")
    (proj / "sparta.yaml").write_text(manifest(stack, nfunc, None, {7: 512}))
    step("one function changed", "deploy", "--yes")
    step("delete", "delete", "--yes")
    cfn = subprocess.run(["aws", "--endpoint-url", f"http://127.0.0.1:{proxy.up_port}", "cloudformation",
                          "list-stacks", "--output", "json"], env=env, capture_output=True,
                         text=True, timeout=120)
    left = [s["StackName"] for s in json.loads(cfn.stdout)["StackSummaries"]
            if s["StackStatus"] != "DELETE_COMPLETE"]
    print(f"stacks left after delete: {len(left)}")
    if left:
        sys.exit(f"left: {left}")
    proxy.shutdown()
finally:
    moto.kill()
    moto.wait()
PY
