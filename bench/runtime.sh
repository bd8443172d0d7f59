#!/bin/sh
# bench/runtime.sh - the same hello-world function as a spartac C bootstrap
# and as a Go bootstrap on AWS's aws-lambda-go (its current release, built
# with -tags lambda.norpc as AWS recommends for provided.al2), side by side
# in one run, under aws-lambda-rie (AWS's Runtime Interface Emulator, the
# core that runs functions on Lambda) and under spartac's own emulator:
#
#   size    the bootstrap's size in bytes (both static, stripped)
#   init    process start to its first GET /invocation/next: under rie its
#           own INIT REPORT durationMs (median over COLD fresh rie
#           processes, each started, invoked once and stopped); under
#           spartac's emulator, which sees both events, the same median
#   rate    warm invocations per second, back to back, one process: under
#           rie, WARM serial POSTs from one curl on one connection (rie
#           panics on concurrent invokes); under spartac's emulator, its
#           in-process invoke loop (bench/emu_bench.c)
#
# The work is split in 5 rounds that alternate C and Go, and the medians
# are reported, so load from elsewhere on the machine hits both alike.
# rie listens on loopback only, on free ports (never its 0.0.0.0 defaults).
#
# Needs aws-lambda-rie (sh tools/setup.sh test puts it in build/peers),
# curl, musl-gcc and a Go toolchain recent enough for aws-lambda-go
# $AWS_LAMBDA_GO (default below; the test peer in tests/runtime/go stays
# on an older release that Debian's Go can build).
#
# Usage: sh bench/runtime.sh [COLD [WARM]]   (defaults 50 and 5000)
set -eu
cd "$(dirname "$0")/.."
COLD=${1:-50}
WARM=${2:-5000}
AWS_LAMBDA_GO=${AWS_LAMBDA_GO:-v1.55.1}

RIE=build/peers/aws-lambda-rie
[ -x "$RIE" ] || RIE=$(command -v aws-lambda-rie) || {
	echo "bench/runtime.sh: aws-lambda-rie is missing: run 'sh tools/setup.sh test'" >&2
	exit 1
}
make -s build/spartac build/libspartac.a >/dev/null
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT INT TERM

CFLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror"
# As spartac links a bootstrap: sections, so that the AWS client and
# BearSSL are linked only when a handler uses them. c-aws is the same
# hello bootstrap with tests/aws/store.c (DynamoDB, SQS, S3, STS) kept in,
# so the client is linked: start -> first next with and without it.
BEARSSL=/usr/lib/$(musl-gcc -dumpmachine)/libbearssl.a
LINK="-static -Os -s -ffunction-sections -fdata-sections -Wl,--gc-sections"
RT="src/runtime/*.c src/base/util.c src/aws/url.c src/aws/sigv4.c src/aws/retry_codes.c"
musl-gcc $LINK $CFLAGS -Iinclude -Isrc/runtime -Isrc -I/usr/include/bearssl \
	-o "$W/c-bootstrap" $RT tests/runtime/handlers.c tests/runtime/table.c "$BEARSSL"
musl-gcc $LINK $CFLAGS -Iinclude -Isrc/runtime -Isrc -I/usr/include/bearssl \
	-Wl,--undefined=t_store -o "$W/c-aws-bootstrap" $RT tests/runtime/handlers.c \
	tests/runtime/table.c tests/aws/store.c "$BEARSSL"
# The Go peer's source, on the current aws-lambda-go release.
mkdir "$W/go"
cp tests/runtime/go/main.go tests/runtime/go/go.mod "$W/go/"
(cd "$W/go" && go mod edit -require="github.com/aws/aws-lambda-go@$AWS_LAMBDA_GO" &&
	CGO_ENABLED=0 GOFLAGS=-mod=mod go build -tags lambda.norpc -trimpath \
	-ldflags "-s -w" -o "$W/go-bootstrap" .)
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Isrc -o "$W/emu_bench" bench/emu_bench.c \
	build/libspartac.a $(pkg-config --libs yaml-0.1 libcjson libzip expat openssl) -lm

python3 - "$W" "$COLD" "$WARM" "$RIE" "$AWS_LAMBDA_GO" <<'PY'
import json, os, re, socket, subprocess, sys, time, urllib.request

w, cold, warm, rie, golib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
ROUNDS = 5
INIT = re.compile(rb"INIT REPORT\(durationMs: ([0-9.]+)\)")


def port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Rie:
    def __init__(self, boot):
        for _ in range(3):
            self.port, api = port(), port()
            self.logf = f"{w}/rie.log"
            with open(self.logf, "wb") as log:
                self.proc = subprocess.Popen(
                    [rie, "--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
                     "--runtime-api-address", f"127.0.0.1:{api}", boot],
                    env={"PATH": os.environ["PATH"], "_HANDLER": "hello"},
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                    return
                except OSError:
                    time.sleep(0.02)
            self.stop()
        sys.exit("aws-lambda-rie did not start: " + open(self.logf).read())

    def url(self):
        return f"http://127.0.0.1:{self.port}/2015-03-31/functions/function/invocations"

    def invoke(self):
        with urllib.request.urlopen(urllib.request.Request(self.url(), b"{}"), timeout=60) as r:
            assert r.read() == b'{"greeting":"hello, world"}'

    def init_ms(self):
        m = INIT.search(open(self.logf, "rb").read())
        return float(m.group(1))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=60)


def rie_round(boot, ncold, nwarm):
    inits = []
    for _ in range(ncold):
        r = Rie(boot)
        r.invoke()
        inits.append(r.init_ms())
        r.stop()
    r = Rie(boot)
    r.invoke()
    t0 = time.monotonic()
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}\\n", "-d", "{}",
                          f"{r.url()}?n=[1-{nwarm}]"], capture_output=True, text=True,
                         check=True).stdout
    rate = nwarm / (time.monotonic() - t0)
    r.stop()
    assert out.split() == ["200"] * nwarm, "a warm invocation failed under rie"
    return {"init": sorted(inits), "per_second": rate}


def emu_round(boot, ncold, nwarm):
    out = subprocess.run([f"{w}/emu_bench", boot, "hello", str(ncold), str(nwarm)],
                         capture_output=True, text=True, check=True).stdout
    doc = json.loads(out)
    assert doc["failed"] == 0
    return {"init": [doc["init_median_ms"]], "init_min": doc["init_min_ms"],
            "per_second": doc["per_second"]}


BOOTS = ("c", "c-aws", "go")
runs = {(k, b): [] for k in ("rie", "emu") for b in BOOTS}
for _ in range(ROUNDS):
    for b in BOOTS:  # alternate, so load from elsewhere hits both alike
        boot = f"{w}/{b}-bootstrap"
        runs[("rie", b)].append(rie_round(boot, cold // ROUNDS, warm // ROUNDS))
        runs[("emu", b)].append(emu_round(boot, cold // ROUNDS, warm // ROUNDS))


def med(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def summary(k, b):
    rs = runs[(k, b)]
    if k == "rie":
        inits = [x for r in rs for x in r["init"]]
        lo = min(inits)
        init = med(inits)
    else:
        init = med(r["init"][0] for r in rs)
        lo = min(r["init_min"] for r in rs)
    return init, lo, med(r["per_second"] for r in rs), max(r["per_second"] for r in rs)


size = lambda b: os.path.getsize(f"{w}/{b}-bootstrap")
rows = [("bootstrap size (bytes)", *(f"{size(b)}" for b in BOOTS))]
for k, label in (("rie", "aws-lambda-rie"), ("emu", "spartac's emulator")):
    s = [summary(k, b) for b in BOOTS]
    rows += [
        (f"{label}: init, start -> first next, median of {cold} (ms)", *(f"{x[0]:.3f}" for x in s)),
        (f"{label}: init, fastest (ms)", *(f"{x[1]:.3f}" for x in s)),
        (f"{label}: warm invocations/s, median of {ROUNDS} rounds", *(f"{x[2]:.0f}" for x in s)),
        (f"{label}: warm invocations/s, best round", *(f"{x[3]:.0f}" for x in s)),
    ]
heads = ["C (spartac)", "C + AWS client", f"Go (aws-lambda-go {golib})"]
wid = max(len(r[0]) for r in rows)
print(f"| {'hello-world':<{wid}} | " + " | ".join(heads) + " |")
print(f"|{'-' * (wid + 2)}|" + "|".join("-" * (len(h) + 1) + ":" for h in heads) + "|")
for name, *vals in rows:
    print(f"| {name:<{wid}} | " + " | ".join(f"{v:>{len(h)}}" for v, h in zip(vals, heads)) + " |")
print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
PY
