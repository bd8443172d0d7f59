#!/bin/sh
# bench/compile.sh - the template compiler side by side, in one run, with
# its peer, its physical floor and (optionally) an older spartac:
#
#   sh bench/compile.sh [SPARTAC] [RUNS] [BASELINE]
#
# On the same generated service of N functions with one API route each
# (bench/gen.py writes sparta.yaml and the equivalent serverless.yml), for N
# in BENCH_SIZES (default "10 100 1000"; add 5000 for the big one, whose
# serverless run takes about ten minutes):
#
#   spartac    `spartac build --template-only`, the median of RUNS rebuilds
#              (default 15; the template is unchanged, so it is compared,
#              not rewritten) and the first build;
#   baseline   the same with BASELINE, another spartac binary (an older
#              commit's), run interleaved with SPARTAC so both see the same
#              machine: its wall time and CPU time (user + system), and
#              spartac's ratio to each (on a loaded machine the longer run
#              waits longer for a CPU, so the CPU ratio is the steadier);
#   floor      what no compiler can beat on this machine: starting a process
#              and reading the manifest (`cat sparta.yaml`), plus starting one
#              and writing the template's bytes (`dd` of template.json into a
#              new file), medians of RUNS each;
#   serverless `serverless package` (Serverless Framework v3), run once per
#              size.
#
# Then, for N in BENCH_SPLIT_SIZES (default "5000 10000"; "" for none), the
# sizes past CloudFormation's limits that spartac splits into nested stacks
# (issue 17; serverless is not run there: it does not split, and at 1,000
# functions it already writes a template CloudFormation refuses):
#
#   template   `spartac build --template-only`: the first build and the
#              median of the rebuilds (max(3, RUNS/3)), peak RSS, the
#              templates written (root + stacks/*.json), the largest
#              template's resources and bytes (each must be under 500 and
#              1 MB: exit status 1 otherwise);
#   full       `spartac build` (code and template; bench/gen.py --c writes
#              one C file defining every function): the first build and a
#              no-change rebuild, wall time and peak RSS.
#
# Each run is one child measured by bench/runstat.c with wait4(2): wall time,
# user+system CPU time and peak RSS of that child and its descendants. The
# machine may be shared; the load average is printed with the results, and
# the ratios (all from this one run) are the figures to compare across runs.
#
# Serverless Framework v3 is installed from npm into bench/sls/ (ignored by
# git) on the first run. Nothing here talks to AWS: `serverless package`
# only writes .serverless/.
#
# Goals (exit status 1 when one is missed), at 1,000 functions: spartac at
# least 500 times faster than `serverless package`, and, with a BASELINE, at
# most 30% slower than it.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
spartac=${1:-$here/../build/spartac}
runs=${2:-15}
baseline=${3:-}
absolute() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
# Each run's working directory is the generated service, so relative paths
# are made absolute here.
for b in "$spartac" $baseline; do
	[ -x "$b" ] || { echo "bench: $b is not built (run make)" >&2; exit 2; }
done
spartac=$(absolute "$spartac")
[ -z "$baseline" ] || baseline=$(absolute "$baseline")

sls="$here/sls/node_modules/.bin/serverless"
if [ ! -x "$sls" ]; then
	echo "bench: installing serverless@3 into bench/sls (npm)" >&2
	mkdir -p "$here/sls"
	[ -f "$here/sls/package.json" ] ||
		printf '{"name": "spartac-bench-sls", "private": true}\n' > "$here/sls/package.json"
	npm install --prefix "$here/sls" --no-audit --no-fund serverless@3 >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/spartac-compile.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
${CC:-cc} -O2 -o "$work/runstat" "$here/runstat.c"

python3 - "$spartac" "$runs" "$work" "$sls" "$here/gen.py" "$baseline" <<'PY'
import glob, json, os, shutil, statistics, subprocess, sys

spartac, runs, work, sls, gen, baseline = sys.argv[1:7]
runs = int(runs)
sizes = [int(x) for x in os.environ.get("BENCH_SIZES", "10 100 1000").split()]
runstat = os.path.join(work, "runstat")
env = dict(os.environ, SLS_TELEMETRY_DISABLED="1", SLS_NOTIFICATIONS_MODE="off",
           SLS_DEPRECATION_DISABLE="*", AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")


def measure(cmd, cwd):
    """(status, wall s, cpu s, peak RSS KiB) of one run."""
    r = subprocess.run([runstat, *cmd], cwd=cwd, env=env, capture_output=True, text=True)
    wall, user, sys_, rss, status = map(int, r.stderr.split()[-5:])
    return status, wall / 1e6, (user + sys_) / 1e6, rss


def med(xs):
    return statistics.median(xs)


def build(binary, d):
    return measure([binary, "build", "--template-only", "--no-color", "-l", "error",
                    "sparta.yaml"], d)


def service(n, name, *opts):
    d = os.path.join(work, f"{name}-{n}")
    subprocess.run([sys.executable, gen, *opts, str(n), d], check=True)
    return d


def templates(d):
    """[(resources, bytes, name)] of every template the build wrote."""
    out = []
    for t in [os.path.join(d, ".spartac", "template.json"),
              *sorted(glob.glob(os.path.join(d, ".spartac", "stacks", "*.json")))]:
        with open(t) as f:
            doc = json.load(f)
        out.append((len(doc.get("Resources", {})), os.path.getsize(t), os.path.basename(t)))
    return out


split_rows = []
for n in [int(x) for x in os.environ.get("BENCH_SPLIT_SIZES", "5000 10000").split()]:
    k = max(3, runs // 3)
    d = service(n, "split", "--c")
    first = build(spartac, d)
    assert first[0] == 0, f"spartac build --template-only failed for {n} functions"
    again = [build(spartac, d) for _ in range(k)]
    assert all(a[0] == 0 for a in again)
    tpls = templates(d)
    shutil.rmtree(os.path.join(d, ".spartac"))
    full = measure([spartac, "build", "--no-color", "-l", "error", "sparta.yaml"], d)
    assert full[0] == 0, f"spartac build failed for {n} functions"
    full_again = measure([spartac, "build", "--no-color", "-l", "error", "sparta.yaml"], d)
    assert full_again[0] == 0
    split_rows.append(dict(n=n, first=first, again=again, tpls=tpls, full=full,
                           full_again=full_again))
    shutil.rmtree(d)


rows = []
for n in sizes:
    k = runs if n < 5000 else max(3, runs // 3)
    binaries = [("spartac", spartac)] + ([("baseline", baseline)] if baseline else [])
    dirs = {name: service(n, name) for name, _ in binaries}
    res = {}
    for name, b in binaries:
        first = build(b, dirs[name])
        assert first[0] == 0, f"{name} build failed for {n} functions (status {first[0]})"
        res[name] = {"first": first, "again": []}
    for _ in range(k):  # interleaved, so both see the same machine
        for name, b in binaries:
            r = build(b, dirs[name])
            assert r[0] == 0
            res[name]["again"].append(r)
    d = dirs["spartac"]
    template = os.path.join(d, ".spartac", "template.json")
    size = os.path.getsize(template)
    if baseline:
        with open(template, "rb") as a, \
                open(os.path.join(dirs["baseline"], ".spartac", "template.json"), "rb") as b:
            same = a.read() == b.read()
    else:
        same = None
    floor_out = os.path.join(work, "floor.json")
    floor = []
    for _ in range(k):
        cat = measure(["cat", "sparta.yaml"], d)
        if os.path.exists(floor_out):
            os.unlink(floor_out)
        dd = measure(["dd", f"if={template}", f"of={floor_out}", "bs=1M", "status=none"], d)
        floor.append(cat[1] + dd[1])
    sl = measure([sls, "package"], d)
    assert sl[0] == 0, f"serverless package failed for {n} functions"
    sls_size = os.path.getsize(os.path.join(d, ".serverless",
                                            "cloudformation-template-update-stack.json"))
    rows.append(dict(n=n, res=res, size=size, same=same, floor=med(floor), sls=sl,
                     sls_size=sls_size))
    for name in dirs:
        shutil.rmtree(dirs[name])

load = os.getloadavg()
print(f"spartac build --template-only: rebuild medians; load average "
      f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")
print(f"  spartac  {spartac}")
if baseline:
    print(f"  baseline {baseline}")
head = f"{'functions':>9} | {'spartac':>9} {'first':>9} {'cpu':>8} {'peak':>9} {'template':>9}"
if baseline:
    head += f" | {'baseline':>9} {'ratio':>6} {'cpu':>8} {'ratio':>6}"
head += f" | {'floor':>8} {'x floor':>7} | {'serverless':>10} {'template':>9} {'speed-up':>8}"
print(head)
for r in rows:
    s = r["res"]["spartac"]
    wall = med([a[1] for a in s["again"]])
    line = (f"{r['n']:>9} | {wall * 1e3:>6.1f} ms {s['first'][1] * 1e3:>6.1f} ms "
            f"{med([a[2] for a in s['again']]) * 1e3:>5.1f} ms "
            f"{max(a[3] for a in s['again']) / 1024:>5.1f} MiB {r['size'] / 1e6:>6.2f} MB")
    if baseline:
        bwall = med([a[1] for a in r["res"]["baseline"]["again"]])
        cpu = med([a[2] for a in s["again"]])
        bcpu = med([a[2] for a in r["res"]["baseline"]["again"]])
        line += (f" | {bwall * 1e3:>6.1f} ms {wall / bwall:>5.2f}x"
                 f" {bcpu * 1e3:>5.1f} ms {cpu / bcpu:>5.2f}x")
    line += (f" | {r['floor'] * 1e3:>5.1f} ms {wall / r['floor']:>6.1f}x"
             f" | {r['sls'][1]:>8.2f} s {r['sls_size'] / 1e6:>6.2f} MB {r['sls'][1] / wall:>7.0f}x")
    print(line)
    if r["same"] is False:
        print(f"  note: at {r['n']} functions the two binaries wrote different templates")

if split_rows:
    print("split into nested stacks: template-only build (first, rebuild median, peak RSS), "
          "templates written, the largest; full build (code too: first, no-change rebuild)")
    print(f"{'functions':>9} | {'first':>9} {'rebuild':>9} {'peak':>9} | {'templates':>9} "
          f"{'max res':>7} {'max bytes':>9} {'all res':>7} | {'full':>8} {'peak':>9} "
          f"{'again':>8} {'peak':>9}")
ok = True
for r in split_rows:
    big_n = max(t[0] for t in r["tpls"])
    big_b = max(t[1] for t in r["tpls"])
    print(f"{r['n']:>9} | {r['first'][1] * 1e3:>6.0f} ms "
          f"{med([a[1] for a in r['again']]) * 1e3:>6.0f} ms "
          f"{max(a[3] for a in r['again'] + [r['first']]) / 1024:>5.1f} MiB | "
          f"{len(r['tpls']):>9} {big_n:>7} {big_b:>9} {sum(t[0] for t in r['tpls']):>7} | "
          f"{r['full'][1]:>6.2f} s {r['full'][3] / 1024:>5.1f} MiB "
          f"{r['full_again'][1] * 1e3:>5.0f} ms {r['full_again'][3] / 1024:>5.1f} MiB")
    if big_n > 500 or big_b > 1048576:
        print(f"goal missed: at {r['n']} functions a template has {big_n} resources or "
              f"{big_b} bytes (CloudFormation: 500, 1 MB)")
        ok = False
for r in rows:
    if r["n"] != 1000:
        continue
    wall = med([a[1] for a in r["res"]["spartac"]["again"]])
    if r["sls"][1] / wall < 500:
        print(f"goal missed: {r['sls'][1] / wall:.0f}x faster than serverless package (goal >= 500x)")
        ok = False
    if baseline:
        bwall = med([a[1] for a in r["res"]["baseline"]["again"]])
        if wall > 1.3 * bwall:
            print(f"goal missed: {wall / bwall:.2f}x the baseline's time (goal <= 1.30x)")
            ok = False
sys.exit(0 if ok else 1)
PY
