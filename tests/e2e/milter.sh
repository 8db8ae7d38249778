# shellcheck shell=bash
# tests/e2e/milter.sh: start and stop spf-milter daemons, one per config file,
# each on its own unix socket $RUN/milter-NAME.sock, or on TCP
# 127.0.0.1:${MILTER_TCP_PORT[NAME]} when the caller set one. Sourced; needs
# lib.sh, $RUN, $DNS_PORT and $SPF_MILTER (the program).
#
#   milter_socket NAME      the milter's socket as spf-milter's -p names it
#                           (unix:PATH or inet:PORT@127.0.0.1)
#   milter_up NAME CONFIG   foreground daemon (-f), log in $RUN/milter-NAME.log;
#                           CONFIG sets socket_mode for Postfix's smtpd (user postfix)
#   milter_down NAME...     SIGTERM all of them at once, then wait for each; one
#                           check per milter: it exited with status 0

declare -A MILTER_PID
declare -A MILTER_TCP_PORT

milter_socket() {
	if [ -n "${MILTER_TCP_PORT[$1]:-}" ]; then
		echo "inet:${MILTER_TCP_PORT[$1]}@127.0.0.1"
	else
		echo "unix:$RUN/milter-$1.sock"
	fi
}

milter_up() {
	local name=$1 config=$2 socket
	socket=$(milter_socket "$name")
	"$SPF_MILTER" -f -c "$config" -p "$socket" --dns-server "127.0.0.1:$DNS_PORT" \
		</dev/null >"$RUN/milter-$name.log" 2>&1 &
	MILTER_PID[$name]=$!
	case $socket in
	unix:*) wait_for_socket "${socket#unix:}" 10 ;;
	*) wait_for_port "127.0.0.1:${MILTER_TCP_PORT[$name]}" 10 ;;
	esac || {
		cat "$RUN/milter-$name.log" >&2
		die "spf-milter ($name) is not listening on $socket"
	}
	log "milter $name: pid ${MILTER_PID[$name]} on $socket with $(basename "$config")"
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
