#!/bin/sh
# milter_compare.sh BUILD_DIR: the milter load benchmark. spf-milter beside the
# floor (bench/null_milter, a libmilter filter that does nothing) and Debian's
# pyspf-milter, driven by bench/milter_load with the clients of
# bench/milter_mix.txt, all resolving through one spf-test-dns serving
# bench/milter_mix.zone (warm: every milter is warmed first).
#
#   - closed loop, unix socket and TCP, 1, 10 and 50 sessions, in alternating
#     rounds (the ratios are stable, absolute figures swing on a shared machine);
#   - TCP, one session, with the driver's TCP_NODELAY and with Postfix's writes
#     (Nagle on), the floor also with libmilter's defaults (no TCP_NODELAY);
#   - 500 sessions held open through HELO: each milter's RSS idle, with them,
#     and 10 s after they closed;
#   - 500 sessions busy at once for 3 s (closed loop): the RSS at the peak,
#     and 10 s after the burst.
# Prints one table (bench/milter_summary.py). Needs root (pyspf-milter drops to
# its own user), the build's spf-milter, spf-test-dns, null_milter and
# milter_load, and pyspf-milter (packaging/install-deps.sh --test). Everything
# stays on 127.0.0.1; about 5 minutes. MILTER_ROUNDS (default 3) and
# MILTER_SECONDS (default 3, per run) change the length.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
rounds=${MILTER_ROUNDS:-3}
seconds=${MILTER_SECONDS:-3}
hold_sessions=${MILTER_HOLD:-500}

dns="$build/rfc7208-suite/spf-test-dns"
ours="$build/milter/spf-milter"
null="$build/bench/null_milter"
load="$build/bench/milter_load"
for program in "$dns" "$ours" "$null" "$load"; do
    [ -x "$program" ] || { echo "milter_compare.sh: $program is not built" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "milter_compare.sh: run it as root (pyspf-milter changes user)" >&2; exit 1; }
[ -x /usr/bin/pyspf-milter ] || { echo "milter_compare.sh: pyspf-milter is not installed" >&2; exit 1; }

work=$(mktemp -d)
chmod 755 "$work"  # pyspf-milter, once it is its own user, makes its socket below
mkdir "$work/json"
pids=
cleanup() {
    "$here/pyspf_milter_peer.sh" stop "$work/pyspf_unix" 2>/dev/null &
    "$here/pyspf_milter_peer.sh" stop "$work/pyspf_tcp" 2>/dev/null &
    for pid in $pids; do kill "$pid" 2>/dev/null || true; done
    # libmilter takes a few seconds to notice a stop request.
    tries=0
    for pid in $pids; do
        while kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 60 ]; do
            tries=$((tries + 1))
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() {  # FILE_OR_PORT PID NAME: until the socket is there
    tries=0
    while :; do
        case $1 in
            /*) [ -S "$1" ] && return 0 ;;
            *) [ -n "$(ss -Hltn "sport = :$1")" ] && return 0 ;;
        esac
        kill -0 "$2" 2>/dev/null || { echo "milter_compare.sh: $3 exited at start" >&2; cat "$work/$3.log" >&2; exit 1; }
        tries=$((tries + 1))
        [ "$tries" -le 200 ] || { echo "milter_compare.sh: $3 is not listening" >&2; exit 1; }
        sleep 0.05
    done
}

"$dns" --zone "$here/milter_mix.zone" --port-file "$work/dns.port" >"$work/dns.log" 2>&1 &
pids="$pids $!"
tries=0
until [ -s "$work/dns.port" ]; do
    tries=$((tries + 1))
    [ "$tries" -le 100 ] || { echo "milter_compare.sh: spf-test-dns did not start" >&2; exit 1; }
    sleep 0.05
done
dns_port=$(cat "$work/dns.port")

# The milters: NAME, socket, pid (NAME_socket, NAME_pid).
start_ours() {  # NAME SOCKET WAIT_FOR
    printf 'socket = %s\ndns_servers = 127.0.0.1:%s\n' "$2" "$dns_port" >"$work/$1.conf"
    "$ours" -f -c "$work/$1.conf" >"$work/$1.log" 2>&1 &
    pid=$!
    pids="$pids $pid"
    wait_for "$3" "$pid" "$1"
    eval "$1_socket=\$2 $1_pid=\$pid"
}
start_null() {  # NAME SOCKET WAIT_FOR [OPTIONS]
    name=$1 socket=$2 target=$3
    shift 3
    "$null" -p "$socket" "$@" >"$work/$name.log" 2>&1 &
    pid=$!
    pids="$pids $pid"
    wait_for "$target" "$pid" "$name"
    eval "${name}_socket=\$socket ${name}_pid=\$pid"
}
start_pyspf() {  # NAME SOCKET
    pid=$("$here/pyspf_milter_peer.sh" start "$2" "$dns_port" "$work/$1")
    eval "$1_socket=\$2 $1_pid=\$pid"
}

port_ours=$(free_port)
start_ours ours_unix "unix:$work/ours.sock" "$work/ours.sock"
start_ours ours_tcp "inet:$port_ours@127.0.0.1" "$port_ours"
port_null=$(free_port)
start_null null_unix "unix:$work/null.sock" "$work/null.sock"
start_null null_tcp "inet:$port_null@127.0.0.1" "$port_null" --nodelay
port_plain=$(free_port)
start_null plain_tcp "inet:$port_plain@127.0.0.1" "$port_plain"
start_pyspf pyspf_unix "unix:$work/pyspf/pyspf.sock"
port_pyspf=$(free_port)
start_pyspf pyspf_tcp "inet:$port_pyspf@127.0.0.1"

run() {  # JSON_NAME MILTER(variable prefix) ARGS...: one driver run
    # (sh has no local variables: these names are run's own)
    run_out=$1 run_milter=$2
    shift 2
    eval "run_socket=\$${run_milter}_socket run_pid=\$${run_milter}_pid"
    run_check=
    # The floor accepts everything; pyspf-milter's own verdicts differ on some
    # lines (the summary names them): only ours must match the mix file.
    case $run_milter in ours_*) ;; *) run_check=--no-check ;; esac
    "$load" --socket "$run_socket" --mix "$here/milter_mix.txt" --pid "$run_pid" \
        --json "$work/json/$run_out.json" --quiet $run_check "$@" || echo "$run_out" >>"$work/failed"
}

echo "warming up (DNS cache, first connections)..." >&2
for milter in ours_unix ours_tcp null_unix null_tcp plain_tcp pyspf_unix pyspf_tcp; do
    run "warm_$milter" "$milter" --sessions 2 --count 200 --duration 2
done

round=1
while [ "$round" -le "$rounds" ]; do
    echo "round $round of $rounds..." >&2
    for sessions in 1 10 50; do
        for kind in unix tcp; do
            for milter in ours null pyspf; do
                run "r${round}_${milter}_${kind}_${sessions}" "${milter}_$kind" --sessions "$sessions" \
                    --count 1000000 --duration "$seconds"
            done
        done
    done
    round=$((round + 1))
done

echo "TCP, one session, with and without Nagle..." >&2
for milter in ours null plain pyspf; do
    run "tcp1_${milter}_nodelay" "${milter}_tcp" --sessions 1 --count 100000 --duration "$seconds"
    run "tcp1_${milter}_nagle" "${milter}_tcp" --sessions 1 --count 100000 --duration "$seconds" --nagle
done

echo "$hold_sessions sessions held open (RSS), the three milters at once..." >&2
hold_pids=
for milter in ours null pyspf; do
    run "hold_$milter" "${milter}_unix" --hold "$hold_sessions" --hold-seconds 3 --after-seconds 10 &
    hold_pids="$hold_pids $!"
done
for pid in $hold_pids; do wait "$pid" || true; done

# The same number of sessions busy at once (every one a transaction after
# another), then the RSS once the burst has been over for 10 s: what a real
# burst leaves behind. One milter at a time: each burst takes both cores.
echo "$hold_sessions sessions busy at once for 3 s, then 10 s idle (RSS), one milter at a time..." >&2
for milter in ours null pyspf; do
    eval "burst_pid=\$${milter}_unix_pid"
    run "burst_$milter" "${milter}_unix" --sessions "$hold_sessions" --count 10000000 --duration 3
    sleep 10
    awk '/^VmRSS:/ { print $2 }' "/proc/$burst_pid/status" >"$work/json/burst_$milter.after_kb"
done

/usr/bin/python3 "$here/milter_summary.py" "$work/json" "$rounds" "$seconds" "$hold_sessions"
if [ -s "$work/failed" ]; then
    echo "runs with errors or wrong verdicts: $(tr '\n' ' ' <"$work/failed")" >&2
    exit 1
fi
