#!/bin/sh
# fresh-check.sh - the README's two set-up commands on a fresh Debian 12
# machine, then the Debian package on another one.
#
#   1. debootstrap --variant=minbase bookworm, from the Debian archive apt
#      uses on this machine (read from its sources at run time).
#   2. Clone this repository's HEAD into it (committed work only).
#   3. Run the README's two commands exactly as the README writes them, in
#      a chroot, as root, with an empty environment but PATH, HOME and
#      TERM=dumb; run the test set-up a second time (it must print nothing);
#      report each command's exit status, wall time and the suite's summary.
#   4. make deb there; a second clean root gets `apt-get install
#      ./spartac_*.deb`, then spartac init, build and invoke.
#
# Needs root, debootstrap (installed when missing) and the network. What it
# gives the roots from this machine: /etc/resolv.conf, and the local CA
# certificates of /usr/local/share/ca-certificates (a network that
# inspects HTTPS needs them; ca-certificates, installed by tools/setup.sh,
# picks them up). No /etc/hosts: the suite must work without one.
# /proc, /sys, /dev/pts and /dev/shm are mounted for the chroot and
# always unmounted on the way out. Logs and roots: build/fresh-check/.
# debootstrap's downloads are cached there (checked against the archive's
# Release file on every run); each run starts from new roots and a new clone.
set -eu

cd "$(dirname "$0")/.."
top=$PWD
work=$top/build/fresh-check
suite=bookworm
envpath=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() { printf 'fresh-check: %s\n' "$*"; }
die() { say "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, mount, chroot)"

# The first deb URI apt uses for $suite: one-line sources.list entries,
# then deb822 .sources files.
apt_mirror() {
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v suite="$suite" '
		$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			if ($(i + 1) == suite) { print $i; exit }
		}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v suite="$suite" '
		BEGIN { RS = ""; FS = "\n" }
		{
			types = uris = suites = ""; enabled = 1
			for (i = 1; i <= NF; i++) {
				split($i, kv, ":[ \t]*")
				k = tolower(kv[1]); v = substr($i, length(kv[1]) + 2)
				sub(/^[ \t]+/, "", v)
				if (k == "types") types = " " v " "
				else if (k == "uris") uris = v
				else if (k == "suites") suites = " " v " "
				else if (k == "enabled" && v ~ /^no/) enabled = 0
			}
			if (enabled && types ~ / deb / && suites ~ " " suite " ") {
				split(uris, u, /[ \t]+/); print u[1]; exit
			}
		}' "$f"
	done
}

mirror=${FRESH_MIRROR:-$(apt_mirror | head -n 1)}
[ -n "$mirror" ] || die "no '$suite' deb source in apt's sources (set FRESH_MIRROR)"

if ! command -v debootstrap >/dev/null 2>&1; then
	say "installing debootstrap"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    debootstrap >/dev/null
fi

# Everything mounted under $work, deepest first.
unmount_all() {
	awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/mounts |
	    sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
}
trap 'unmount_all' EXIT
trap 'exit 130' INT TERM

# debootstrap made the device nodes of /dev; the root gets its own
# instance of devpts (the suite opens terminals), with /dev/ptmx pointing
# into it, and nothing of this machine's /dev.
mount_all() {
	mount -t proc proc "$1/proc"
	mount -t sysfs sysfs "$1/sys"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$1/dev/pts"
	rm -f "$1/dev/ptmx"
	ln -s pts/ptmx "$1/dev/ptmx"
	mount -t tmpfs -o mode=1777 tmpfs "$1/dev/shm"
}

# in ROOT DIR COMMAND: runs COMMAND with sh -c in DIR inside ROOT, empty
# environment but PATH, HOME and TERM.
in_root() {
	env -i PATH="$envpath" HOME=/root TERM=dumb \
	    chroot "$1" /bin/sh -c "cd '$2' && $3"
}

# timed NAME ROOT DIR COMMAND: runs it, its output to $work/NAME.log;
# sets rc and secs.
timed() {
	t0=$(date +%s)
	rc=0
	in_root "$2" "$3" "$4" >"$work/$1.log" 2>&1 </dev/null || rc=$?
	secs=$(( $(date +%s) - t0 ))
}

unmount_all
mkdir -p "$work/debs"
rm -rf "$work/root" "$work/root-deb"
rm -f "$work"/*.log "$work"/*.deb

git -C "$top" diff --quiet HEAD 2>/dev/null ||
	say "note: uncommitted changes are not checked (the clone is of HEAD)"
head=$(git -C "$top" rev-parse HEAD)

say "debootstrap $suite from the archive apt uses on this machine"
t0=$(date +%s)
debootstrap --variant=minbase --cache-dir="$work/debs" "$suite" "$work/root" "$mirror" \
    >"$work/debootstrap.log" 2>&1 || die "debootstrap failed: see $work/debootstrap.log"
cp -a "$work/root" "$work/root-deb"
for r in "$work/root" "$work/root-deb"; do
	cp /etc/resolv.conf "$r/etc/resolv.conf"
	rm -f "$r/etc/hosts"
	mkdir -p "$r/usr/local/share/ca-certificates"
	for c in /usr/local/share/ca-certificates/*.crt; do
		[ -f "$c" ] && cp "$c" "$r/usr/local/share/ca-certificates/"
	done
done
say "two clean roots in $(( $(date +%s) - t0 )) s"

git clone -q "$top" "$work/root/root/spartac"
git -C "$work/root/root/spartac" checkout -q "$head"
say "cloned $(git -C "$top" rev-parse --short HEAD) into /root/spartac"

# The README's two commands, as written there.
cmds=$(sed -n 's/^    \(sh tools\/setup\.sh [a-z]* && make [a-z]*\)$/\1/p' README.md)
[ "$(printf '%s\n' "$cmds" | wc -l)" -eq 2 ] ||
	die "expected two set-up commands in README.md, found: $cmds"

mount_all "$work/root"
status=0
n=0
first_rc=1
printf '%s\n' "$cmds" > "$work/commands"
while IFS= read -r cmd; do
	n=$((n + 1))
	say "[$n] $cmd"
	timed "cmd$n" "$work/root" /root/spartac "$cmd"
	summary=$(grep -E '[0-9]+ (passed|failed)|[0-9]+ errors? in ' "$work/cmd$n.log" |
	    tail -n 1 || true)
	say "[$n] exit $rc, ${secs} s${summary:+, summary: $summary}"
	if [ "$n" -eq 1 ]; then first_rc=$rc; fi
	[ "$rc" -eq 0 ] || { status=1; tail -n 30 "$work/cmd$n.log"; }
done < "$work/commands"

# The steps below do not depend on the suite's result: they run (and
# report) whatever it was.
if [ "$first_rc" -eq 0 ]; then
	# A second run of the set-up must do nothing and say nothing.
	timed again "$work/root" /root/spartac "sh tools/setup.sh test"
	if [ "$rc" -ne 0 ] || [ -s "$work/again.log" ]; then
		say "second 'sh tools/setup.sh test': exit $rc, output:"
		cat "$work/again.log"
		status=1
	else
		say "second 'sh tools/setup.sh test': exit 0, silent, ${secs} s"
	fi
fi

if [ "$first_rc" -eq 0 ]; then
	timed deb "$work/root" /root/spartac "make deb"
	deb=$(ls "$work"/root/root/spartac/build/spartac_*.deb 2>/dev/null | head -n 1)
	if [ "$rc" -ne 0 ] || [ -z "$deb" ]; then
		say "make deb: exit $rc"; tail -n 30 "$work/deb.log"; status=1
	else
		say "make deb: exit 0, ${secs} s, $(basename "$deb")"
		cp "$deb" "$work/root-deb/root/"
		cp "$deb" "$work/"
		mount_all "$work/root-deb"
		timed install "$work/root-deb" /root "apt-get update -qq &&
		    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./spartac_*.deb"
		say "apt-get install ./$(basename "$deb"): exit $rc, ${secs} s"
		if [ "$rc" -ne 0 ]; then
			tail -n 30 "$work/install.log"; status=1
		else
			use="spartac init hello && cd hello && spartac build && spartac invoke hello"
			timed use "$work/root-deb" /root "spartac --version && $use"
			say "$use: exit $rc, ${secs} s"
			cat "$work/use.log"
			[ "$rc" -eq 0 ] || status=1
		fi
	fi
fi

unmount_all
if [ "$status" -eq 0 ]; then
	say "passed (logs in $work)"
else
	say "FAILED (logs in $work)"
fi
exit "$status"
