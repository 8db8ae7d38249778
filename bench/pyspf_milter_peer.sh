#!/bin/sh
# pyspf_milter_peer.sh: Debian's pyspf-milter (package pyspf-milter) as the peer
# of the milter benchmarks, with its own configuration, on loopback DNS.
#
#   pyspf_milter_peer.sh start SOCKET DNS_PORT RUNDIR   prints the milter's pid
#   pyspf_milter_peer.sh stop RUNDIR
#
# SOCKET as libmilter spells it: unix:PATH (or local:PATH) or inet:PORT@127.0.0.1.
# It resolves through the DNS server at 127.0.0.1:DNS_PORT (bench/pyspf_milter_run.py).
# RUNDIR (made if missing) holds its configuration, pid file and stderr
# (pyspf-milter.log; it logs everything else to syslog only). Run as root: like
# the Debian service it drops to the pyspf-milter user once started, so a unix
# socket's directory must be writable by that user (made for it if missing).
#
# The actions are spf-milter's defaults: reject a MAIL FROM fail, tempfail a
# temperror, accept everything else (a HELO fail included) with a header.
# Debian's own defaults differ (HELO fail rejected, temperror accepted).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
user=pyspf-milter

die() { echo "pyspf_milter_peer.sh: $*" >&2; exit 1; }

socket_path() {
    case $1 in
        unix:* | local:*) echo "${1#*:}" ;;
        *) echo "" ;;
    esac
}

listening() {  # SOCKET: is someone accepting connections there?
    path=$(socket_path "$1")
    if [ -n "$path" ]; then
        [ -S "$path" ]
    else
        port=${1#inet:}
        port=${port%%@*}
        [ -n "$(ss -Hltn "sport = :$port")" ]
    fi
}

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

start() {
    [ $# -eq 3 ] || die "usage: start SOCKET DNS_PORT RUNDIR"
    socket=$1 dns_port=$2 rundir=$3
    [ -x /usr/bin/pyspf-milter ] || die "pyspf-milter is not installed (apt-get install pyspf-milter)"
    id -u "$user" >/dev/null 2>&1 || die "no user $user (apt-get install pyspf-milter makes it)"
    mkdir -p "$rundir"
    rundir=$(cd "$rundir" && pwd)
    pid_file=$rundir/pyspf-milter.pid
    # pyspf-milter refuses to start while its pid file exists.
    if [ -f "$pid_file" ]; then
        alive "$(cat "$pid_file")" && die "already running (pid $(cat "$pid_file"))"
        rm -f "$pid_file"
    fi
    path=$(socket_path "$socket")
    if [ -n "$path" ]; then
        directory=$(dirname "$path")
        if [ ! -d "$directory" ]; then
            mkdir -p "$directory"
            chown "$user:$user" "$directory"
        fi
        setpriv --reuid="$user" --regid="$user" --clear-groups test -w "$directory" ||
            die "$directory must be writable by the $user user (it creates the socket after dropping privileges)"
        rm -f "$path"
    fi
    cat >"$rundir/pyspf-milter.conf" <<EOF
# Written by bench/pyspf_milter_peer.sh: spf-milter's default actions.
debugLevel = 1
TestOnly = 1
HELO_reject = False
Mail_From_reject = Fail
PermError_reject = False
TempError_Defer = True
skip_addresses = 127.0.0.0/8,::ffff:127.0.0.0/104,::1
InternalHosts = 127.0.0.1
Socket = $socket
PidFile = $pid_file
UserID = $user
UMask = 0
EOF
    echo "$socket" >"$rundir/socket"
    /usr/bin/python3 "$here/pyspf_milter_run.py" "$rundir/pyspf-milter.conf" "$dns_port" \
        </dev/null >"$rundir/pyspf-milter.log" 2>&1 &
    pid=$!
    tries=0
    until listening "$socket"; do
        alive "$pid" || { cat "$rundir/pyspf-milter.log" >&2; die "pyspf-milter exited at start"; }
        tries=$((tries + 1))
        [ "$tries" -le 200 ] || { kill "$pid"; die "pyspf-milter is not listening on $socket after 10 s"; }
        sleep 0.05
    done
    echo "$pid"
}

stop() {
    [ $# -eq 1 ] || die "usage: stop RUNDIR"
    rundir=$1
    pid_file=$rundir/pyspf-milter.pid
    [ -f "$pid_file" ] || return 0
    pid=$(cat "$pid_file")
    if alive "$pid"; then
        kill "$pid"
        # libmilter notices a stop request within a few seconds; then no mercy.
        tries=0
        while alive "$pid" && [ "$tries" -lt 100 ]; do
            tries=$((tries + 1))
            sleep 0.1
        done
        alive "$pid" && kill -KILL "$pid"
    fi
    rm -f "$pid_file"
    if [ -f "$rundir/socket" ]; then
        path=$(socket_path "$(cat "$rundir/socket")")
        [ -n "$path" ] && rm -f "$path"
        rm -f "$rundir/socket"
    fi
    return 0
}

command=${1:-}
[ $# -gt 0 ] && shift
case $command in
    start) start "$@" ;;
    stop) stop "$@" ;;
    *) die "usage: pyspf_milter_peer.sh start SOCKET DNS_PORT RUNDIR | stop RUNDIR" ;;
esac
