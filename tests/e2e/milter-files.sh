#!/usr/bin/env bash
# tests/e2e/milter-files.sh: the files spf-milter makes as root before it becomes
# its `user`, in directories that user may write to (as /run/spf-milter is, with
# systemd's RuntimeDirectory=). No MTA, no DNS.
#
#   pre   a private network namespace; a system user spf-milter-e2e (created
#         with useradd if absent, kept afterwards); a run directory
#   test  a symbolic link at the pid file's path, planted by that user, makes
#         the daemon refuse to start with a line naming the path, and the file it
#         points to keeps its content, owner and mode; a socket directory the
#         daemon creates is given to the user, so after SIGTERM neither the socket
#         nor a pid file in it remains; a pid file in a root-owned directory, which
#         the user cannot remove, is named in a log line that says why
#   post  whatever is still running stopped, by PID
#
# CTest runs it as milter-files with $SPF_MILTER set. Needs root (else exit 77:
# skipped). Prints every check and "N passed, M failed".
set -uo pipefail

. "$(dirname "$0")/lib.sh"
require_root
in_private_network "$0" "$@"

: "${SPF_MILTER:?set SPF_MILTER to the spf-milter program}"

E2E_USER=spf-milter-e2e
declare -A DAEMON_PID

# write_config NAME LINE...: $RUN/NAME.conf, a daemon that becomes $E2E_USER.
write_config() {
	local name=$1
	shift
	printf '%s\n' "# written by milter-files.sh" "user = $E2E_USER" "dns_servers = 127.0.0.1:9" \
		"log_level = debug" "$@" >"$RUN/$name.conf"
}

# daemon_up NAME: starts spf-milter -f on $RUN/NAME.conf, log in $RUN/NAME.log.
daemon_up() {
	"$SPF_MILTER" -f -c "$RUN/$1.conf" </dev/null >"$RUN/$1.log" 2>&1 &
	DAEMON_PID[$1]=$!
}

# daemon_exit NAME [SECONDS]: waits (10 s at most) for the daemon to end by
# itself; STATUS is its exit status, or "running" if it did not end. (Not in a
# command substitution: only this shell can wait for its child.)
daemon_exit() {
	local pid=${DAEMON_PID[$1]} tenths=$((${2:-10} * 10))
	while running "$pid" && [ "$tenths" -gt 0 ]; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
	if running "$pid"; then
		STATUS=running
		return
	fi
	wait "$pid"
	STATUS=$?
	unset "DAEMON_PID[$1]"
}

# stop_daemon NAME: SIGTERM, then daemon_exit (libmilter notices the stop
# between two polls of its socket, a few seconds apart).
stop_daemon() {
	kill -TERM "${DAEMON_PID[$1]}"
	daemon_exit "$1" 15
}

# owner_and_mode PATH: "uid:gid mode" of PATH itself (not of what a link names).
owner_and_mode() { stat -c '%u:%g %a' -- "$1"; }

pre() {
	make_run_dir milter-files
	if ! getent passwd "$E2E_USER" >/dev/null; then
		useradd --system --user-group --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$E2E_USER" || die "cannot create the user $E2E_USER"
		log "created the system user $E2E_USER"
	fi
}

test_symbolic_link_at_the_pid_file() {
	# The user's directory, as RuntimeDirectory= makes it; in it the user has
	# pointed the pid file's name at a root-only file.
	mkdir "$RUN/user-run"
	chown "$E2E_USER:" "$RUN/user-run"
	printf 'precious\n' >"$RUN/precious"
	chmod 600 "$RUN/precious"
	local before
	before=$(owner_and_mode "$RUN/precious")
	ln -s "$RUN/precious" "$RUN/user-run/spf-milter.pid"
	chown -h "$E2E_USER:" "$RUN/user-run/spf-milter.pid"

	write_config link "socket = unix:$RUN/user-run/s.sock" "pid_file = $RUN/user-run/spf-milter.pid"
	daemon_up link
	daemon_exit link
	[ "$STATUS" = running ] && stop_daemon link
	check "a symbolic link at the pid file: the daemon refuses to start (exit status 1, got $STATUS)" \
		test "$STATUS" = 1
	check "a symbolic link at the pid file: the fatal line names the path and says it is a link" \
		grep -qF "fatal: pid file $RUN/user-run/spf-milter.pid is a symbolic link; not following it" \
		"$RUN/link.log"
	check "a symbolic link at the pid file: its target keeps its content" \
		test "$(cat "$RUN/precious")" = precious
	check "a symbolic link at the pid file: its target keeps its owner and mode ($before)" \
		test "$(owner_and_mode "$RUN/precious")" = "$before"
	check "a symbolic link at the pid file: the link is left as it was" \
		test "$(readlink "$RUN/user-run/spf-milter.pid")" = "$RUN/precious"
	check "a refused start leaves no socket behind" test ! -e "$RUN/user-run/s.sock"
}

test_files_removed_at_stop() {
	# The socket directory does not exist: the daemon makes it, as root.
	write_config made "socket = unix:$RUN/made/s.sock" "pid_file = $RUN/made/spf-milter.pid"
	daemon_up made
	local pid=${DAEMON_PID[made]}
	if ! wait_for_socket "$RUN/made/s.sock" 10; then
		not_ok "the daemon creates its socket in a directory it makes"
		cat "$RUN/made.log" >&2
		return
	fi
	check "the daemon runs as $E2E_USER" \
		test "$(awk '/^Uid:/ { print $3 }' "/proc/$pid/status")" = "$(id -u "$E2E_USER")"
	check "the socket directory it made belongs to $E2E_USER" \
		test "$(stat -c %U "$RUN/made")" = "$E2E_USER"
	check "the socket belongs to $E2E_USER with mode 660" \
		test "$(stat -c '%U %a' "$RUN/made/s.sock")" = "$E2E_USER 660"
	check "the pid file holds the daemon's pid" test "$(cat "$RUN/made/spf-milter.pid")" = "$pid"
	# root's tools trust a pid file: the service user must not be able to rewrite it
	check "the pid file stays root's, mode 644" \
		test "$(stat -c '%U %a' "$RUN/made/spf-milter.pid")" = "root 644"
	stop_daemon made
	check "SIGTERM: exit status 0 (got $STATUS)" test "$STATUS" = 0
	check "SIGTERM: the socket is removed" test ! -e "$RUN/made/s.sock"
	check "SIGTERM: the pid file is removed" test ! -e "$RUN/made/spf-milter.pid"
}

test_pid_file_the_user_cannot_remove() {
	mkdir "$RUN/root-only"
	chmod 755 "$RUN/root-only"
	write_config rooted "socket = unix:$RUN/made-too/s.sock" "pid_file = $RUN/root-only/spf-milter.pid"
	daemon_up rooted
	if ! wait_for_socket "$RUN/made-too/s.sock" 10; then
		not_ok "the daemon starts with its pid file in a root-owned directory"
		cat "$RUN/rooted.log" >&2
		return
	fi
	stop_daemon rooted
	check "SIGTERM: exit status 0 (got $STATUS)" test "$STATUS" = 0
	check "SIGTERM: the socket in the directory it made is removed" test ! -e "$RUN/made-too/s.sock"
	check "SIGTERM: a log line says why the pid file in a root-owned directory stays" \
		grep -qF "warning: cannot remove pid file $RUN/root-only/spf-milter.pid: Permission denied" \
		"$RUN/rooted.log"
}

post() {
	local status=$? name
	trap - EXIT
	for name in "${!DAEMON_PID[@]}"; do stop_pid "${DAEMON_PID[$name]}" 15; done
	end_test "$status" "logs: $RUN/*.log"
}

trap post EXIT
pre
test_symbolic_link_at_the_pid_file
test_files_removed_at_stop
test_pid_file_the_user_cannot_remove
exit 0
