#!/bin/sh
# libspf2_netns.sh BUILD_DIR ZONE CASES: run by bench/compare.sh as
#   unshare --mount --net libspf2_netns.sh ...   (as root)
# In those private namespaces (only a loopback interface, which this brings up),
# serves ZONE with spf-test-dns on 127.0.0.1:53, bind-mounts a resolv.conf that
# names it over /etc/resolv.conf (libc's resolver, which libspf2 uses, knows
# port 53 only), and runs bench/libspf2_peer on CASES. Both mounts and the
# server vanish with the namespaces.
set -eu
build=$1 zone=$2 cases=$3
work=$(mktemp -d)
dns_pid=
cleanup() {
    [ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null && wait "$dns_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
ip link set lo up
printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:1\n' >"$work/resolv.conf"
mount --bind "$work/resolv.conf" /etc/resolv.conf
"$build/rfc7208-suite/spf-test-dns" --zone "$zone" --port 53 --port-file "$work/port" >"$work/dns.log" 2>&1 &
dns_pid=$!
tries=0
until [ -s "$work/port" ]; do
    tries=$((tries + 1))
    [ "$tries" -le 100 ] || { echo "libspf2_netns.sh: spf-test-dns did not start" >&2; cat "$work/dns.log" >&2; exit 1; }
    sleep 0.05
done
"$build/bench/libspf2_peer" <"$cases"
