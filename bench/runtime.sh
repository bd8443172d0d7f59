#!/bin/sh
# bench/runtime.sh - the same hello-world function as a spartac C bootstrap
# and as a Go bootstrap on AWS's aws-lambda-go, side by side in one run:
#
#   init    process start to its first GET /invocation/next (median over
#           COLD fresh processes), measured by spartac's Runtime API
#           emulator, which sees both events
#   rate    warm invocations per second, back to back, one process
#
# The work is split in 5 rounds that alternate C and Go, and the medians
# are reported, so load from elsewhere on the machine hits both alike.
#
# aws-lambda-rie, the emulator the issue names, cannot be installed from
# this project's registries (see tests/test_runtime_peers.py), and
# cargo-lambda's server answers 200 where Lambda answers 202, which makes
# aws-lambda-go exit after each invocation; so both bootstraps run under
# spartac's emulator, which sees the process start and the first `next`.
#
# Usage: sh bench/runtime.sh [COLD [WARM]]   (defaults 50 and 5000)
set -eu
cd "$(dirname "$0")/.."
COLD=${1:-50}
WARM=${2:-5000}

make -s build/spartac build/libspartac.a >/dev/null
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT INT TERM

CFLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror"
musl-gcc -static -Os -s $CFLAGS -Iinclude -Isrc/runtime -o "$W/c-bootstrap" \
	src/runtime/*.c tests/runtime/handlers.c tests/runtime/table.c
(cd tests/runtime/go && CGO_ENABLED=0 GOFLAGS=-mod=mod \
	go build -trimpath -ldflags "-s -w" -o "$W/go-bootstrap" .)
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Isrc -o "$W/emu_bench" bench/emu_bench.c \
	build/libspartac.a $(pkg-config --libs yaml-0.1 libcjson libzip libcurl expat openssl) -lm

# Rounds alternate the two so that load from elsewhere hits both alike.
ROUNDS=5
: > "$W/c.json"
: > "$W/go.json"
i=0
while [ $i -lt $ROUNDS ]; do
	"$W/emu_bench" "$W/c-bootstrap" hello $((COLD / ROUNDS)) $((WARM / ROUNDS)) >> "$W/c.json"
	"$W/emu_bench" "$W/go-bootstrap" hello $((COLD / ROUNDS)) $((WARM / ROUNDS)) >> "$W/go.json"
	i=$((i + 1))
done

python3 - "$W" "$COLD" "$WARM" <<'EOF'
import json, os, shutil, sys
w, cold, warm = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def summary(path):
    runs = [json.loads(line) for line in open(path)]
    med = lambda k: sorted(r[k] for r in runs)[len(runs) // 2]
    return {"init_median_ms": med("init_median_ms"),
            "init_min_ms": min(r["init_min_ms"] for r in runs),
            "per_second": med("per_second"), "best_per_second": max(r["per_second"] for r in runs)}
c = summary(f"{w}/c.json")
g = summary(f"{w}/go.json")
size = lambda p: os.path.getsize(f"{w}/{p}")

rows = [
    ("bootstrap size (bytes)", f"{size('c-bootstrap')}", f"{size('go-bootstrap')}"),
    (f"init: start -> first next, median of {cold} (ms)",
     f"{c['init_median_ms']:.3f}", f"{g['init_median_ms']:.3f}"),
    ("init: fastest (ms)", f"{c['init_min_ms']:.3f}", f"{g['init_min_ms']:.3f}"),
    (f"warm invocations/s, median of 5 rounds", f"{c['per_second']:.0f}", f"{g['per_second']:.0f}"),
    (f"warm invocations/s, best round", f"{c['best_per_second']:.0f}", f"{g['best_per_second']:.0f}"),
]
wid = max(len(r[0]) for r in rows)
print(f"{'hello-world':<{wid}}  {'C (spartac)':>14}  {'Go (aws-lambda-go)':>18}")
for name, a, b in rows:
    print(f"{name:<{wid}}  {a:>14}  {b:>18}")
print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
if not shutil.which("aws-lambda-rie"):
    print("aws-lambda-rie: not installed (not available from the package registries)")
EOF
