#!/bin/sh
# setup.sh build|test - installs what is missing on a Debian 12 machine.
#
#   build  the compilers and libraries spartac needs, and the toolchains it
#          drives (musl for static bootstraps)
#   test   all of build, plus every program the suite runs: the test peers
#          (moto, cfn-lint, botocore, the AWS CLI, cargo-lambda and the
#          cargo it drives, aws-lambda-go), the JSON-Schema-Test-Suite,
#          valgrind, clang, jq (a hook in the corpus), shells, qemu
#
# Python packages go into the virtual environment .venv (made from Debian's
# /usr/bin/python3 when there is one), never into the system Python; make
# check uses it. Go modules the suite builds are downloaded here, not by
# the tests.
#
# Idempotent: it asks apt, pip and go only for what is not there yet, and
# prints nothing when everything is.
set -eu

mode=${1:-build}
cd "$(dirname "$0")/.."

# Debian packages, one list per mode (keep them sorted).
# git: the Makefile asks it which commit spartac --version names.
# dpkg-dev: make deb (dpkg-shlibdeps).
# libbearssl-dev (both architectures): the TLS client linked into bootstraps
# whose handlers call sparta_fetch (src/runtime/tls.c says how its archive
# links with musl).
BUILD_DEBS="gcc libc6-dev make pkg-config libyaml-dev libcjson-dev libzip-dev \
libexpat1-dev libssl-dev libgraphviz-dev musl-tools binutils \
gcc-aarch64-linux-gnu musl-dev:arm64 git dpkg-dev libbearssl-dev libbearssl-dev:arm64"
# ca-certificates: pip and go fetch over HTTPS. cargo: cargo-lambda runs
# `cargo metadata`. jq: the postmarshal hook of tests/manifests/valid/arm64-hooks.
TEST_DEBS="clang libclang-rt-14-dev mandoc valgrind json-schema-test-suite \
python3 python3-venv golang-go time zsh fish qemu-user chromium wrk curl procps \
openssl ca-certificates cargo jq"

case $mode in
build) debs=$BUILD_DEBS ;;
test) debs="$BUILD_DEBS $TEST_DEBS" ;;
*) echo "usage: sh tools/setup.sh build|test" >&2; exit 64 ;;
esac

missing=""
for p in $debs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
# A machine that already has a Go or Rust toolchain outside Debian's
# (e.g. rustup's cargo) keeps it.
for pair in golang-go:go cargo:cargo; do
	case " $missing " in
	*" ${pair%:*} "*) command -v "${pair#*:}" >/dev/null 2>&1 &&
		missing=$(echo "$missing" | sed "s/ ${pair%:*}\( \|\$\)/\1/") ;;
	esac
done
if [ -n "$missing" ]; then
	echo "setup: installing Debian packages:$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	# musl-dev:arm64 (aarch64-linux-musl-gcc, for arm64 static bootstraps)
	# is an arm64 package: dpkg must accept that architecture first.
	case " $missing " in
	*":arm64 "*) dpkg --print-foreign-architectures | grep -qx arm64 ||
		$SUDO dpkg --add-architecture arm64 ;;
	esac
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

[ "$mode" = test ] || exit 0

# Python test peers, pinned in tests/requirements.txt, in .venv.
VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
	py=python3
	[ -x /usr/bin/python3 ] && py=/usr/bin/python3
	echo "setup: creating the Python virtual environment $VENV"
	"$py" -m venv "$VENV"
fi
if ! "$VENV/bin/python" tools/check_requirements.py tests/requirements.txt 2>/dev/null; then
	echo "setup: installing Python test packages into $VENV"
	"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
		-r tests/requirements.txt
fi

# Go modules of the aws-lambda-go peer (tests/runtime/go), which the suite
# builds offline from the module cache.
if ! (cd tests/runtime/go && GOPROXY=off GOFLAGS=-mod=mod go mod download 2>/dev/null); then
	echo "setup: go mod download (tests/runtime/go)"
	(cd tests/runtime/go && GOFLAGS=-mod=mod go mod download)
fi

# Go test peers, built into build/peers (not committed). They may need a
# newer Go than Debian 12's (1.19, which cannot switch toolchains itself):
# then GO_PEERS_TOOLCHAIN, Go's own distribution as the golang.org/toolchain
# module, is fetched into build/peers/go and builds them.
GO_PEERS_TOOLCHAIN=go1.26.6
mkdir -p build/peers
export GOBIN="$PWD/build/peers"
export GOFLAGS=-mod=mod
peers_go() {
	case $(go env GOVERSION) in
	go1.1[0-9]|go1.1[0-9].*|go1.20|go1.20.*) ;;
	*) echo go; return ;;
	esac
	tc=build/peers/go
	if [ ! -x "$tc/bin/go" ]; then
		echo "setup: fetching $GO_PEERS_TOOLCHAIN for the Go peers" >&2
		dir=$(cd "${TMPDIR:-/tmp}" && go mod download -json \
		    "golang.org/toolchain@v0.0.1-$GO_PEERS_TOOLCHAIN.linux-$(go env GOARCH)" |
		    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
		rm -rf "$tc"
		cp -r "$dir" "$tc"
		chmod -R u+w "$tc"
		chmod +x "$tc"/bin/* "$tc"/pkg/tool/*/*
	fi
	echo "$tc/bin/go"
}
while read -r tool module; do
	case $tool in ''|'#'*) continue ;; esac
	if [ ! -x "build/peers/$tool" ]; then
		echo "setup: go install $module"
		GOTOOLCHAIN=local "$(peers_go)" install "$module"
	fi
done < tests/go-tools.txt
