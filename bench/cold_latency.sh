#!/bin/sh
# cold_latency.sh BUILD_DIR: the latency of one cold SPF check (HELO and MAIL
# FROM), ours beside pyspf and the floor, over DNS with a round-trip time.
# Serves bench/cold.zone with spf-test-dns on loopback, every reply held back
# COLD_RTT_MS (default 10) ms, and runs bench/cold_latency.py, which times each
# case COLD_RUNS (default 20) times with nothing cached and prints the table.
# Needs the build's spf-test-dns (tests on), bench/cold_check and spf-milter,
# and python3-spf. Everything stays on 127.0.0.1; it takes about a minute.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
rtt=${COLD_RTT_MS:-10}
runs=${COLD_RUNS:-20}

dns="$build/rfc7208-suite/spf-test-dns"
for program in "$dns" "$build/bench/cold_check" "$build/milter/spf-milter"; do
    [ -x "$program" ] || { echo "cold_latency.sh: $program is not built" >&2; exit 1; }
done
"$dns" --help | grep -q -- '--delay' || { echo "cold_latency.sh: $dns has no --delay" >&2; exit 1; }

work=$(mktemp -d)
dns_pid=
cleanup() {
    [ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null && wait "$dns_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$dns" --zone "$here/cold.zone" --delay "$rtt" --port-file "$work/port" >"$work/dns.log" 2>&1 &
dns_pid=$!
tries=0
until [ -s "$work/port" ]; do
    tries=$((tries + 1))
    [ "$tries" -le 100 ] || { echo "cold_latency.sh: spf-test-dns did not start" >&2; cat "$work/dns.log" >&2; exit 1; }
    sleep 0.05
done

/usr/bin/python3 "$here/cold_latency.py" "$build" "$(cat "$work/port")" "$rtt" "$runs"
