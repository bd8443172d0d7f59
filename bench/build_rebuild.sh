#!/bin/sh
# bench/build_rebuild.sh [N] [PROJECT_DIR] - how long `spartac build` takes
# when nothing changed, and proof that it rewrites nothing.
#
# Copies sparta.yaml.example and its sources (examples/) to a temp
# directory (or PROJECT_DIR, which must hold a sparta.yaml, without its
# .spartac/), builds once (cold), then runs N (default 20) no-change
# rebuilds and prints the cold time and the min / median / max of the
# rebuilds, plus whether any file under .spartac/ changed its mtime.
# Goal (issue 4): a no-change rebuild of the example under 50 ms.
set -eu
cd "$(dirname "$0")/.."
n=${1:-20}
spartac=${SPARTAC:-$PWD/build/spartac}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
if [ -n "${2:-}" ]; then
	cp -R "$2/." "$tmp/"
	rm -rf "$tmp/.spartac"
else
	cp sparta.yaml.example "$tmp/sparta.yaml"
	[ -d examples ] && cp -R examples "$tmp/"
fi
python3 - "$spartac" "$tmp" "$n" <<'PY'
import os, resource, statistics, subprocess, sys, time
spartac, root, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
cmd = [spartac, "build", os.path.join(root, "sparta.yaml")]

cpu = []

def build():
    # Wall time, and CPU time (user + sys), which a loaded machine skews less.
    u0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    dt = (time.perf_counter() - t) * 1000
    u1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu.append((u1.ru_utime - u0.ru_utime + u1.ru_stime - u0.ru_stime) * 1000)
    if r.returncode != 0:
        sys.exit(f"spartac build failed ({r.returncode}):\n{r.stderr}")
    return dt

def times():
    out = {}
    for d, _, files in os.walk(os.path.join(root, ".spartac")):
        for f in files:
            p = os.path.join(d, f)
            out[p] = os.stat(p).st_mtime_ns
    return out

cold = build()
before = times()
runs = sorted(build() for _ in range(n))
changed = [p for p, t in times().items() if before.get(p) != t]
print(f"cold build            {cold:8.1f} ms")
print(f"no-change rebuild x{n}  min {runs[0]:.1f} ms  median {statistics.median(runs):.1f} ms  max {runs[-1]:.1f} ms")
print(f"  cpu (user+sys)       median {statistics.median(cpu[1:]):.1f} ms  (load average {os.getloadavg()[0]:.1f})")
print(f"files rewritten       {len(changed)}" + ("" if not changed else "  " + " ".join(changed)))
PY
