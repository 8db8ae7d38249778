#!/bin/bash
# postfix_through.sh BUILD_DIR: messages per second through a real Postfix,
# with no milter, the null filter, Debian's pyspf-milter and spf-milter.
#
# One private Postfix instance (its own config, queue and data directories in a
# temporary directory; the system instance is neither read nor touched) relays
# everything to Postfix's smtp-sink. It has one smtpd listener per milter set-up,
# each with its own smtpd_milters, so switching milters needs no reload:
#
#   none         no milter: Postfix alone, accepting everything
#   refusing     no milter: Postfix alone, refusing at MAIL FROM the clients the
#                mix expects refused (a client access map made from the mix), so
#                that it queues and delivers the same messages as an SPF milter
#   null-unix    bench/null_milter (libmilter, does nothing) on a unix socket
#   null-tcp     the same over TCP, with TCP_NODELAY (--nodelay) as spf-milter
#   pyspf-unix   pyspf-milter (bench/pyspf_milter_peer.sh) on a unix socket
#   pyspf-tcp    the same over TCP
#   ours-unix    spf-milter on a unix socket
#   ours-tcp     the same over TCP
#
# Both SPF milters resolve through spf-test-dns serving bench/milter_mix.zone
# and have the same actions (spf-milter's defaults). bench/smtp_load.py drives
# each listener in turn with SESSIONS sessions, one message per connection, the
# clients of bench/milter_mix.txt presented with XCLIENT; ROUNDS alternating
# rounds of SECONDS_PER_RUN each (after WARMUP seconds not counted), the queue drained
# between runs. The outcomes of spf-milter and "refusing" must be each mix
# line's verdict, and the other set-ups without an SPF milter must accept every
# message: else the exit status is 1. pyspf-milter's outcomes that differ from
# the mix are shown, not failed (see expectation_of). First the load client's
# own ceiling: the same load against smtp-sink directly.
#
# Settings (environment): SESSIONS (20), ROUNDS (4), SECONDS_PER_RUN (6),
# WARMUP (1), BUDGET (330: no round starts that would end later than that many
# seconds after the start), MIX (bench/milter_mix.txt), ZONE
# (bench/milter_mix.zone), KEEP=1 keeps the run's directory (configurations,
# logs, results).
#
# Needs root (Postfix's master runs as root; the run has its own network
# namespace, so that only loopback exists and no port can clash), postfix,
# python3-spf and pyspf-milter (packaging/install-deps.sh --test), and the
# build's spf-milter, spf-test-dns and null_milter. About 4.5 minutes, never more
# than 6; every process it started is stopped and its directory removed on exit.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)

die() { echo "postfix_through.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (Postfix's master, a network namespace)"
# Re-run in a network namespace of its own: only a loopback interface, which
# nothing else on the machine shares.
if [ "${POSTFIX_THROUGH_NETNS:-}" != "$(readlink /proc/self/ns/net)" ]; then
    exec unshare --net -- /bin/bash -c \
        'export POSTFIX_THROUGH_NETNS=$(readlink /proc/self/ns/net); ip link set lo up && exec "$@"' \
        postfix_through /bin/bash "$0" "$@"
fi

sessions=${SESSIONS:-20}
rounds=${ROUNDS:-4}
seconds=${SECONDS_PER_RUN:-6}
warmup=${WARMUP:-1}
budget=${BUDGET:-330} # seconds from the start; the stop takes about 5 more
mix=${MIX:-$here/milter_mix.txt}
zone=${ZONE:-$here/milter_mix.zone}
python=/usr/bin/python3

spf_milter=$build/milter/spf-milter
dns=$build/rfc7208-suite/spf-test-dns
null_milter=$build/bench/null_milter
for program in "$spf_milter" "$dns" "$null_milter"; do
    [ -x "$program" ] || die "$program is not built"
done
for file in "$mix" "$zone"; do
    [ -r "$file" ] || die "$file is missing"
done
command -v postfix >/dev/null || die "postfix is not installed"
[ -x /usr/sbin/smtp-sink ] || die "smtp-sink (package postfix) is missing"
[ -x /usr/bin/pyspf-milter ] || die "pyspf-milter is not installed (apt-get install pyspf-milter)"

sink_port=2600
listener_base=2610
labels=(none refusing null-unix null-tcp pyspf-unix pyspf-tcp ours-unix ours-tcp)

work=$(mktemp -d /tmp/postfix-through.XXXXXX)
chmod 755 "$work"
mkdir "$work/results"
declare -A pid_of # what we started: name -> pid

running() {
    kill -0 "$1" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

cleanup() {
    local name pid tries
    trap - EXIT INT TERM
    if [ -f "$work/postfix/queue/pid/master.pid" ]; then
        postfix -c "$work/postfix/etc" stop >/dev/null 2>&1 || true
    fi
    [ -d "$work/pyspf-unix" ] && "$here/pyspf_milter_peer.sh" stop "$work/pyspf-unix" &
    [ -d "$work/pyspf-tcp" ] && "$here/pyspf_milter_peer.sh" stop "$work/pyspf-tcp" &
    for name in "${!pid_of[@]}"; do kill -TERM "${pid_of[$name]}" 2>/dev/null || true; done
    # libmilter notices SIGTERM within about 5 s; wait for all of them at once.
    for name in "${!pid_of[@]}"; do
        pid=${pid_of[$name]}
        tries=0
        while running "$pid" && [ "$tries" -lt 100 ]; do
            sleep 0.1
            tries=$((tries + 1))
        done
        running "$pid" && kill -KILL "$pid" 2>/dev/null
    done
    wait
    if [ "${KEEP:-0}" = 1 ]; then echo "# kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_until() { # SECONDS COMMAND...: true once COMMAND succeeds
    local tenths=$(($1 * 10))
    shift
    until "$@"; do
        tenths=$((tenths - 1))
        [ "$tenths" -gt 0 ] || return 1
        sleep 0.1
    done
}
listening() { ss -Hltn | awk '{ print $4 }' | grep -qxF -- "$1"; }

# --- the DNS server, the sink, the milters ----------------------------------
"$dns" --zone "$zone" --port-file "$work/dns.port" >"$work/dns.log" 2>&1 &
pid_of[dns]=$!
wait_until 10 test -s "$work/dns.port" || { cat "$work/dns.log" >&2; die "spf-test-dns did not start"; }
dns_port=$(cat "$work/dns.port")

/usr/sbin/smtp-sink -u postfix "127.0.0.1:$sink_port" 256 >"$work/sink.log" 2>&1 &
pid_of[sink]=$!
wait_until 10 listening "127.0.0.1:$sink_port" || die "smtp-sink did not start"

# Postfix's smtpd (user postfix) connects to the unix sockets: umask 0.
(umask 0 && exec "$null_milter" -p "unix:$work/null.sock") >"$work/null-unix.log" 2>&1 &
pid_of[null-unix]=$!
"$null_milter" -p "inet:8911@127.0.0.1" --nodelay >"$work/null-tcp.log" 2>&1 &
pid_of[null-tcp]=$!

cat >"$work/spf-milter.conf" <<EOF
# spf-milter's defaults, the test DNS server, a socket Postfix's smtpd may use.
socket_mode = 0666
dns_servers = 127.0.0.1:$dns_port
dns_timeout = 2
EOF
"$spf_milter" -f -c "$work/spf-milter.conf" -p "unix:$work/ours.sock" >"$work/ours-unix.log" 2>&1 &
pid_of[ours-unix]=$!
"$spf_milter" -f -c "$work/spf-milter.conf" -p "inet:8915@127.0.0.1" >"$work/ours-tcp.log" 2>&1 &
pid_of[ours-tcp]=$!

# pyspf-milter creates its socket after dropping to its own user.
pid_of[pyspf-unix]=$("$here/pyspf_milter_peer.sh" start "unix:$work/pyspf/pyspf.sock" "$dns_port" "$work/pyspf-unix")
pid_of[pyspf-tcp]=$("$here/pyspf_milter_peer.sh" start "inet:8913@127.0.0.1" "$dns_port" "$work/pyspf-tcp")

wait_until 10 test -S "$work/null.sock" || die "null_milter did not create its socket"
wait_until 10 test -S "$work/ours.sock" ||
    { cat "$work/ours-unix.log" >&2; die "spf-milter did not create its socket"; }
for port in 8911 8915; do
    wait_until 10 listening "127.0.0.1:$port" || die "no milter listening on 127.0.0.1:$port"
done

milter_of() {
    case $1 in
    none | refusing) echo "" ;;
    null-unix) echo "unix:$work/null.sock" ;;
    null-tcp) echo "inet:127.0.0.1:8911" ;;
    pyspf-unix) echo "unix:$work/pyspf/pyspf.sock" ;;
    pyspf-tcp) echo "inet:127.0.0.1:8913" ;;
    ours-unix) echo "unix:$work/ours.sock" ;;
    ours-tcp) echo "inet:127.0.0.1:8915" ;;
    esac
}
port_of() {
    local i
    for i in "${!labels[@]}"; do
        [ "${labels[$i]}" = "$1" ] && echo $((listener_base + i))
    done
}

# --- Postfix ------------------------------------------------------------------
pf=$work/postfix
mkdir -p "$pf/etc" "$pf/queue" "$pf/data"
# The verdicts of the mix by client address, as an access map for "refusing":
# MAIL FROM refused with 550 or 450, as spf-milter refuses it. A client address
# with two different verdicts in the mix cannot be told apart there.
awk '{ sub(/#.*/, "") } NF == 5 {
        if (($1 in verdict) && verdict[$1] != $5) {
            print "client " $1 " has two verdicts in the mix" > "/dev/stderr"
            bad = 1
        }
        verdict[$1] = $5
     }
     END {
        for (client in verdict) {
            if (verdict[client] == "reject") print client, "550 5.7.1 refused as the mix expects"
            if (verdict[client] == "tempfail") print client, "450 4.7.1 deferred as the mix expects"
        }
        exit bad
     }' "$mix" >"$pf/etc/mix_verdicts" || die "the refusing set-up cannot follow $mix"
restrictions_of() {
    # Refused at MAIL FROM (not delayed to RCPT TO), where spf-milter refuses.
    if [ "$1" = refusing ]; then
        echo " -o smtpd_delay_reject=no -o smtpd_sender_restrictions=check_client_access,texthash:$pf/etc/mix_verdicts"
    fi
}
chown postfix:postfix "$pf/data"
cat >"$pf/etc/main.cf" <<EOF
# Private instance of bench/postfix_through.sh.
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
maillog_file = $pf/maillog
maillog_file_prefixes = $work
myhostname = mx.postfix.test
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = loopback-only
inet_protocols = all
mynetworks = 0.0.0.0/0 [::]/0
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_authorized_xclient_hosts = 127.0.0.1
# No milter for the load client's own session before XCLIENT: the milter then
# sees one connection per message, from the client XCLIENT presents, as it
# would for a real client (else two: 127.0.0.1, then that client).
smtpd_milter_maps = inline:{127.0.0.1=DISABLE}
relayhost = [127.0.0.1]:$sink_port
smtp_dns_support_level = disabled
# Under load: no 1 s pauses of smtpd when the queue manager falls behind, no
# limits on one client (the load client is one address), no reverse lookups.
in_flow_delay = 0
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_peername_lookup = no
milter_default_action = tempfail
milter_protocol = 6
smtputf8_enable = no
biff = no
EOF
{
    echo "# Private instance of bench/postfix_through.sh: one listener per milter set-up."
    for label in "${labels[@]}"; do
        echo "127.0.0.1:$(port_of "$label") inet n - n - - smtpd" \
            "-o smtpd_milters=$(milter_of "$label")$(restrictions_of "$label")"
    done
    cat <<EOF
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
} >"$pf/etc/master.cf"
# postfix waits for a main.cf younger than 2 s to settle: backdate both.
touch -d "@$(($(date +%s) - 10))" "$pf/etc/main.cf" "$pf/etc/master.cf"
postfix -c "$pf/etc" check >"$work/postfix-start.log" 2>&1 &&
    postfix -c "$pf/etc" start >>"$work/postfix-start.log" 2>&1 ||
    { cat "$work/postfix-start.log" >&2; die "postfix did not start"; }
for label in "${labels[@]}"; do
    wait_until 20 listening "127.0.0.1:$(port_of "$label")" || die "postfix is not listening for $label"
done

queue_empty() {
    [ -z "$(cd "$pf/queue" && find incoming active deferred maildrop -type f -print -quit 2>/dev/null)" ]
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# postfix_ticks: the CPU time of all of Postfix in clock ticks: the master's own,
# that of its children that have exited (the master reaps them: cutime and
# cstime), and that of those alive. A child that exits between two readings
# moves from the last sum to the second, with all its time: the difference of
# two readings is what Postfix used in between, short-lived smtpd included.
postfix_ticks() {
    local master
    master=$(tr -dc 0-9 <"$pf/queue/pid/master.pid")
    # getline, not awk's file arguments: a process may be gone before its
    # file is read, and mawk stops at a file it cannot open.
    awk -v master="$master" 'BEGIN {
        for (i = 1; i < ARGC; i++) {
            if ((getline line < ARGV[i]) > 0) {
                # The command name is in parentheses and may hold blanks: count
                # fields after the last ")" (f[1] is field 3, the state).
                match(line, /.*\)/)
                split(substr(line, RLENGTH + 2), f, " ")
                if (ARGV[i] == "/proc/" master "/stat") total += f[12] + f[13] + f[14] + f[15]
                else if (f[2] == master) total += f[12] + f[13]
            }
            close(ARGV[i])
        }
        print total + 0
    }' /proc/[0-9]*/stat
}

status=0
# What the outcomes must be: spf-milter's, each mix line's verdict; pyspf-milter's
# are compared with them but may differ (it takes the HELO name from the
# client's host name, here [address], and its DNS library reads SERVFAIL as no
# record); without an SPF milter everything is accepted.
expectation_of() {
    case $1 in
    ours-* | refusing) echo "--expect mix" ;;
    pyspf-*) echo "--expect mix --lenient" ;;
    *) echo "--expect accept" ;;
    esac
}

# run LABEL ROUND PORT DURATION WARMUP: one load run; its results in
# results/ROUND-LABEL.json, the CPU ticks of the milter and of Postfix over the
# run in results/ROUND-LABEL.cpu and ROUND-LABEL.postfix-cpu.
run() {
    local label=$1 round=$2 port=$3 pid=${pid_of[$1]:-} before=0 postfix_before
    wait_until 30 queue_empty || echo "# the queue did not drain before $label" >&2
    [ -n "$pid" ] && before=$(cpu_ticks "$pid")
    postfix_before=$(postfix_ticks)
    # shellcheck disable=SC2046 # expectation_of gives options, one word each
    "$python" "$here/smtp_load.py" --port "$port" --mix "$mix" --sessions "$sessions" \
        --duration "$4" --warmup "$5" $(expectation_of "$label") --label "$label (round $round)" \
        --json "$work/results/$round-$label.json" >"$work/results/$round-$label.txt" || {
        status=1
        cat "$work/results/$round-$label.txt"
    }
    [ -n "$pid" ] && echo $(($(cpu_ticks "$pid") - before)) >"$work/results/$round-$label.cpu"
    echo $(($(postfix_ticks) - postfix_before)) >"$work/results/$round-$label.postfix-cpu"
    head -n 1 "$work/results/$round-$label.txt"
}

echo "# postfix $(postconf -d -h mail_version), $sessions sessions," \
    "$rounds rounds of ${seconds} s (+${warmup} s warm-up), mix $(basename "$mix")"
run sink ceiling "$sink_port" 5 1
for label in "${labels[@]}"; do # warm every listener and the milters' caches
    run "$label" warm "$(port_of "$label")" 2 0
done
# The rounds, within the time budget: a round is started only if one more as
# long as the last still fits.
done_rounds=0
took=0
for round in $(seq 1 "$rounds"); do
    if [ $((SECONDS + took)) -gt "$budget" ]; then
        echo "# stopped after $done_rounds rounds: the next would end after ${budget} s"
        break
    fi
    started=$SECONDS
    for label in "${labels[@]}"; do
        run "$label" "$round" "$(port_of "$label")" "$seconds" "$warmup"
    done
    took=$((SECONDS - started))
    done_rounds=$round
done

echo
"$python" "$here/postfix_through_table.py" "$work/results" "$done_rounds" "${labels[@]}"
exit "$status"
