#!/bin/sh
# bench/serve.sh - requests per second and p50/p99 latency of `spartac serve`
# for the hello-world route of a fresh `spartac init` service, measured with
# wrk on loopback. Goal (issue 7): at least 5,000 requests per second on a
# 2-core machine. Then (issue 15) the same handler behind a Lambda TOKEN
# authorizer with caching on (ttl 300) and off (ttl 0), against the route
# without auth, in the same serve process, 16 connections each.
#
#   sh bench/serve.sh [SECONDS]      (default 10 s per run)
#
# Needs wrk (Debian package) and a built spartac (make).
set -eu
cd "$(dirname "$0")/.."
secs=${1:-10}
spartac=$PWD/build/spartac
command -v wrk >/dev/null || { echo "bench/serve.sh: install wrk (apt-get install wrk)" >&2; exit 1; }
[ -x "$spartac" ] || make -s
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT INT TERM
"$spartac" init "$work/hello" >/dev/null 2>&1
cd "$work/hello"
# an authorizer that allows every method of the API, and two routes behind it
cat >src/allow.c <<'EOF_C'
#include <sparta/lambda.h>

int
allow(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event;
	(void)len;
	(void)ctx;
	return sparta_write_printf(res, "{\"principalId\":\"bench\",\"policyDocument\":"
	    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Action\":\"execute-api:Invoke\","
	    "\"Effect\":\"Allow\",\"Resource\":\"*\"}]},\"context\":{\"user\":\"bench\"}}");
}
EOF_C
cat >>sparta.yaml <<'EOF_Y'
    GET /cached/{name}: {function: hello, auth: Cached}
    GET /uncached/{name}: {function: hello, auth: Uncached}
  authorizers:
    Cached: {type: token, function: allow, identity: [header:Authorization], ttl: 300}
    Uncached: {type: token, function: allow, identity: [header:Authorization], ttl: 0}
EOF_Y
sed -i 's/^functions:$/functions:\n  allow: {symbol: allow, timeout: 3}/' sparta.yaml
"$spartac" serve --port 0 >"$work/serve.log" 2>&1 &
pid=$!
i=0
until port=$(sed -n 's|.*on http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/serve.log" | head -1) && [ -n "$port" ]; do
	i=$((i + 1))
	[ $i -lt 600 ] || { cat "$work/serve.log"; exit 1; }
	sleep 0.1
done
url="http://127.0.0.1:$port/hello?name=bench"
curl -fsS "$url" >/dev/null 2>&1 || wget -qO- "$url" >/dev/null
wrk -t2 -c16 -d2s "$url" >/dev/null   # warm the pool

# row LABEL WRK-ARGS...: one wrk run, printed as a table row
row() {
	label=$1
	shift
	out=$(wrk "$@")
	rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
	p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
	p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
	err=$(echo "$out" | awk '/Non-2xx|Socket errors/ {e = e $0 "; "} END {print e == "" ? "0" : e}')
	printf '%-34s %12s %10s %10s %10s\n' "  $label" "$rps" "$p50" "$p99" "$err"
}

printf '%-34s %12s %10s %10s %10s\n' "spartac serve, GET /hello" "requests/s" "p50" "p99" "errors"
for c in 1 16 64; do
	t=2
	[ "$c" -ge 2 ] || t=1
	row "$c connection(s)" -t$t -c$c -d"${secs}s" --latency "$url"
done
echo "(wrk -t2 (-t1 for one connection) -d${secs}s --latency on 127.0.0.1; pool: one warm bootstrap per CPU, $(nproc) CPUs)"

# issue 15: the same handler with and without a Lambda authorizer
base="http://127.0.0.1:$port"
for p in /hello/bench /cached/bench /uncached/bench; do
	wrk -t2 -c16 -d2s -H "Authorization: bench" "$base$p" >/dev/null   # warm both pools
done
printf '\n%-34s %12s %10s %10s %10s\n' "GET /{route}/bench, 16 connections" "requests/s" "p50" "p99" "errors"
for p in hello cached uncached; do
	case $p in
	hello) what="no auth" ;;
	cached) what="TOKEN authorizer, ttl 300" ;;
	uncached) what="TOKEN authorizer, ttl 0" ;;
	esac
	row "$what" -t2 -c16 -d"${secs}s" --latency -H "Authorization: bench" "$base/$p/bench"
done
echo "(wrk -t2 -c16 -d${secs}s --latency, Authorization: bench on every request; load average $(cut -d' ' -f1 /proc/loadavg))"
