# shellcheck shell=bash
# tests/e2e/milter.sh: start and stop spf-milter daemons, one per config file,
# each on its own unix socket $RUN/milter-NAME.sock. Sourced; needs lib.sh, $RUN,
# $DNS_PORT and $SPF_MILTER (the program).
#
#   milter_up NAME CONFIG   foreground daemon (-f), log in $RUN/milter-NAME.log;
#                           CONFIG sets socket_mode for Postfix's smtpd (user postfix)
#   milter_down NAME...     SIGTERM all of them at once, then wait for each; one
#                           check per milter: it exited with status 0

declare -A MILTER_PID

milter_up() {
	local name=$1 config=$2 socket=$RUN/milter-$1.sock
	"$SPF_MILTER" -f -c "$config" -p "unix:$socket" --dns-server "127.0.0.1:$DNS_PORT" \
		</dev/null >"$RUN/milter-$name.log" 2>&1 &
	MILTER_PID[$name]=$!
	wait_for_socket "$socket" 10 || {
		cat "$RUN/milter-$name.log" >&2
		die "spf-milter ($name) did not create $socket"
	}
	log "milter $name: pid ${MILTER_PID[$name]} on unix:$socket with $(basename "$config")"
}

# libmilter notices a stop request only between two polls of its listening
# socket, a few seconds apart: stopping them together costs that wait once.
# Each milter must exit with status 0 (a sanitizer build reports leaks and
# errors through the exit status).
milter_down() {
	local name pid status
	for name in "$@"; do
		pid=${MILTER_PID[$name]:-}
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	done
	for name in "$@"; do
		pid=${MILTER_PID[$name]:-}
		[ -n "$pid" ] || continue
		stop_pid "$pid" 15
		wait "$pid"
		status=$?
		check "milter $name: exit status 0 after SIGTERM (got $status)" test "$status" -eq 0
		unset "MILTER_PID[$name]"
	done
}
