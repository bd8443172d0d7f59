#!/bin/sh
# bench/compile.sh - the template compiler against Serverless Framework v3:
# time and peak memory of `spartac build --template-only` and of
# `serverless package` on the same service of 10, 100, 1,000 and 5,000
# functions with one API route each (bench/gen.py writes both manifests).
#
#   sh bench/compile.sh [SPARTAC] [RUNS]
#
# SPARTAC defaults to build/spartac. spartac runs RUNS times per size
# (default 15, a third as many at 5,000) and the median is shown, for the
# first build (which writes template.json and fsyncs it) and for rebuilds
# (the template is unchanged, so nothing is written). serverless package
# runs once per size: it takes seconds to minutes. Each run is one child
# measured by bench/runstat.c with wait4(2): wall time, user+system CPU time
# and peak RSS of that child and its descendants. The machine may be
# shared; CPU time is the steadier figure when the load average is high.
#
# Serverless Framework v3 is installed from npm into bench/sls/ (ignored by
# git) on the first run. Nothing here talks to AWS: `serverless package`
# only writes .serverless/.
#
# Goals (exit status 1 when one is missed): 1,000 functions in under 25 ms
# (median wall time of a rebuild) and at least 500 times faster than
# `serverless package`.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
spartac=${1:-$here/../build/spartac}
runs=${2:-15}
[ -x "$spartac" ] || { echo "bench: $spartac is not built (run make)" >&2; exit 2; }
# Each run's working directory is the generated service, so a relative
# SPARTAC must be made absolute here.
spartac=$(cd "$(dirname "$spartac")" && pwd)/$(basename "$spartac")

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

python3 - "$spartac" "$runs" "$work" "$sls" "$here/gen.py" <<'PY'
import os, statistics, subprocess, sys

spartac, runs, work, sls, gen = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
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


rows = []
for n in (10, 100, 1000, 5000):
    d = os.path.join(work, f"svc-{n}")
    subprocess.run([sys.executable, gen, str(n), d], check=True)
    cmd = [spartac, "build", "--template-only", "--no-color", "-l", "error", "sparta.yaml"]
    first = measure(cmd, d)
    assert first[0] == 0, f"spartac build failed for {n} functions (status {first[0]})"
    size = os.path.getsize(os.path.join(d, ".spartac", "template.json"))
    k = runs if n < 5000 else max(3, runs // 3)
    again = [measure(cmd, d) for _ in range(k)]
    assert all(a[0] == 0 for a in again)
    sl = measure([sls, "package"], d)
    assert sl[0] == 0, f"serverless package failed for {n} functions"
    sls_size = os.path.getsize(os.path.join(d, ".serverless",
                                            "cloudformation-template-update-stack.json"))
    rows.append((n, first, med([a[1] for a in again]), med([a[2] for a in again]),
                 max(a[3] for a in again), size, sl, sls_size))

load = os.getloadavg()
print(f"spartac build --template-only vs serverless package (v3), "
      f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
print(f"{'functions':>9} | {'spartac first':>13} | {'rebuild wall':>12} {'cpu':>8} {'peak':>8} "
      f"{'template':>9} | {'serverless wall':>15} {'cpu':>8} {'peak':>8} {'template':>9} | {'speed-up':>8}")
for n, first, wall, cpu, rss, size, sl, sls_size in rows:
    print(f"{n:>9} | {first[1] * 1e3:>10.1f} ms | {wall * 1e3:>9.1f} ms {cpu * 1e3:>5.1f} ms "
          f"{rss / 1024:>5.1f} MiB {size / 1e6:>6.2f} MB | {sl[1]:>13.2f} s {sl[2]:>6.2f} s "
          f"{sl[3] / 1024:>4.0f} MiB {sls_size / 1e6:>6.2f} MB | {sl[1] / wall:>7.0f}x")

ok = True
for n, first, wall, cpu, rss, size, sl, sls_size in rows:
    if n == 1000:
        if wall >= 0.025:
            print(f"goal missed: 1,000 functions took {wall * 1e3:.1f} ms (goal < 25 ms)")
            ok = False
        if sl[1] / wall < 500:
            print(f"goal missed: {sl[1] / wall:.0f}x faster than serverless package (goal >= 500x)")
            ok = False
sys.exit(0 if ok else 1)
PY
