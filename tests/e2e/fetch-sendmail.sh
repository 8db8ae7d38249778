#!/usr/bin/env bash
# fetch-sendmail.sh [PREFIX]: unpack Debian's Sendmail into PREFIX for the
# end-to-end tests, without installing it.
#
# Run once, by the install step (it needs the Debian mirror; the tests never
# download anything). PREFIX defaults to $SPF_TEST_SENDMAIL, else
# /opt/spf-milter-test/sendmail: the place e2e-sendmail looks for it.
#
# Why unpacked and not installed: sendmail-bin and postfix both provide and
# conflict with mail-transport-agent, so "apt-get install sendmail" would remove
# Postfix, which the other end-to-end test needs. The .debs are fetched with
# "apt-get download" and opened with "dpkg -x"; no maintainer script runs and
# nothing outside PREFIX changes.
#
#   sendmail-bin  the daemon, PREFIX/usr/libexec/sendmail/sendmail
#   sendmail-cf   the m4 macros that build sendmail.cf from a .mc file
#   m4            to run them
#   libwrap0      the one library sendmail-bin needs that a Postfix host lacks
#
# Debian ships the binary setgid "mail"; the dynamic loader then ignores
# LD_LIBRARY_PATH and LD_PRELOAD, which the tests need (libwrap0 from PREFIX, a
# syslog shim). The tests run it as root, so the private copy loses the bit.
set -euo pipefail

prefix=${1:-${SPF_TEST_SENDMAIL:-/opt/spf-milter-test/sendmail}}
packages=(sendmail-bin sendmail-cf m4 libwrap0)
sendmail=$prefix/usr/libexec/sendmail/sendmail
libdir=$prefix/usr/lib/x86_64-linux-gnu

if [ -x "$sendmail" ] && [ -f "$prefix/usr/share/sendmail/cf/m4/cf.m4" ] &&
	[ -x "$prefix/usr/bin/m4" ] && [ -f "$prefix/PACKAGES" ]; then
	echo "fetch-sendmail: $prefix is ready ($(tr '\n' ' ' <"$prefix/PACKAGES"))"
	exit 0
fi

debs=$(mktemp -d)
trap 'rm -rf "$debs"' EXIT
# apt-get download drops to the _apt user, which must be able to write here.
chmod 777 "$debs"
(cd "$debs" && apt-get download -q "${packages[@]}") || {
	echo "fetch-sendmail: apt-get download ${packages[*]} failed (apt-get update first?)" >&2
	exit 1
}

mkdir -p "$prefix"
: >"$prefix/PACKAGES.new"
for deb in "$debs"/*.deb; do
	dpkg -x "$deb" "$prefix"
	dpkg-deb --show --showformat='${Package} ${Version}\n' "$deb" >>"$prefix/PACKAGES.new"
done
chmod g-s "$sendmail"

missing=$(LD_LIBRARY_PATH=$libdir ldd "$sendmail" | awk '/not found/ { print $1 }')
if [ -n "$missing" ]; then
	echo "fetch-sendmail: $sendmail still lacks: $missing" >&2
	echo "fetch-sendmail: install the Debian packages that provide them" >&2
	exit 1
fi
mv "$prefix/PACKAGES.new" "$prefix/PACKAGES"
echo "fetch-sendmail: unpacked into $prefix: $(tr '\n' ' ' <"$prefix/PACKAGES")"
