#!/bin/sh
# deb.sh [BUILD] - a Debian package of spartac from BUILD (default build),
# written to BUILD/spartac_VERSION_ARCH.deb (make deb).
#
# Contents: make install PREFIX=/usr (the binary, the man page, the schema,
# <sparta/lambda.h>, the sparta-lambda pkg-config file).
# Depends: the libraries the binary links (dpkg-shlibdeps, from dpkg-dev:
# OpenSSL, libyaml, libzip, Graphviz's libgvc and the rest), and what spartac drives when it
# builds a bootstrap (gcc, and musl-tools for musl-gcc).
# Recommends: BearSSL (libbearssl-dev), which a bootstrap links when its
# handlers include <sparta/aws.h>; without it such a handler's HTTPS calls
# fail with a clear error. No debhelper: the tree is staged by hand and
# packed with dpkg-deb --build.
set -eu

cd "$(dirname "$0")/.."
top=$PWD
build=${1:-build}
version=$(cat VERSION)
arch=$(dpkg --print-architecture)
stage=$build/deb/spartac
out=$build/spartac_${version}_${arch}.deb

rm -rf "$stage"
mkdir -p "$stage/DEBIAN"
make -s BUILD="$build" install PREFIX=/usr DESTDIR="$PWD/$stage" >/dev/null
gzip -9n "$stage/usr/share/man/man1/spartac.1"
mkdir -p "$stage/usr/share/doc/spartac"
cp README.md "$stage/usr/share/doc/spartac/README.md"

# The shared libraries the binary links, with the versions their symbols
# need (dpkg-shlibdeps reads a debian/control, so give it a minimal one).
mkdir -p "$build/deb/shlibs/debian"
printf 'Source: spartac\n\nPackage: spartac\nArchitecture: any\n' \
    > "$build/deb/shlibs/debian/control"
shlibs=$(cd "$build/deb/shlibs" &&
    dpkg-shlibdeps -O "$top/$stage/usr/bin/spartac" 2>/dev/null |
    sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "deb.sh: dpkg-shlibdeps failed" >&2; exit 1; }
depends="$shlibs, gcc, musl-tools"
size=$(du -sk "$stage/usr" | cut -f1)

cat > "$stage/DEBIAN/control" <<EOF
Package: spartac
Version: $version
Architecture: $arch
Maintainer: spartac developers <spartac@example.invalid>
Installed-Size: $size
Depends: $depends
Recommends: libbearssl-dev
Suggests: gcc-aarch64-linux-gnu, qemu-user
Section: devel
Priority: optional
Description: compile sparta.yaml into a CloudFormation stack of C Lambdas
 spartac reads a sparta.yaml manifest, builds each function's static
 bootstrap, writes the CloudFormation template, runs the functions
 locally (invoke, serve) and deploys through CloudFormation change sets.
 Includes the C handler header <sparta/lambda.h> and its pkg-config file.
EOF

dpkg-deb --root-owner-group --build "$stage" "$out" >/dev/null
echo "$out"
