#!/usr/bin/env bash
# tests/e2e/milter-notify.sh: spf-milter under a service manager (systemd's
# Type=notify), with no MTA and no systemd: the test listens on the
# NOTIFY_SOCKET itself, and runs `spf-milter --reload` as ExecReload= would.
#
#   pre   a private network namespace; spf-test-dns serving world.zone; a
#         listener on $RUN/notify.sock; one spf-milter (user nobody, a pid
#         file) started with NOTIFY_SOCKET pointing there
#   test  READY=1 comes once the milter socket accepts connections, with a
#         STATUS= line; --reload with a good file: RELOADING=1, then READY=1
#         with the new generation, exit 0, and the next connection gets the new
#         setting; --reload finds the daemon through pid_file; a bad file:
#         exit 78, the daemon is not disturbed (no RELOADING=1) and keeps its
#         configuration; a daemon that fails to reload (its own file is bad,
#         the command checked another): exit 1, the old configuration stays;
#         SIGTERM: STOPPING=1 and exit status 0
#   post  whatever is still running stopped, by PID
#
# CTest runs it as milter-notify with $SPF_MILTER and $SPF_TEST_DNS set.
# Needs root (else exit 77: skipped). Prints every check and "N passed, M failed".
set -uo pipefail

. "$(dirname "$0")/lib.sh"
require_root
in_private_network "$0" "$@"
. "$E2E_DIR/dns.sh"
. "$E2E_DIR/milter.sh"

: "${SPF_MILTER:?set SPF_MILTER to the spf-milter program}"
: "${SPF_TEST_DNS:?set SPF_TEST_DNS to the spf-test-dns program}"

FAIL_SESSION=$E2E_DIR/protocol/default/fail.session
CONFIG= # set by pre
NOTIFY_LOG=

write_config() { # write_config FILE LINE...
	local file=$1
	shift
	printf '%s\n' "# written by milter-notify.sh" "user = nobody" "pid_file = $RUN/spf-milter.pid" \
		"dns_timeout = 2" "log_level = debug" "$@" >"$file"
}

# mail_reply_is PATTERN: what the milter answers at MAIL FROM for a stranger
# sending as fail.example matches PATTERN ("^mail: continue$").
mail_reply_is() {
	local replies
	replies=$("$PYTHON" "$E2E_DIR/milter_client.py" --socket "unix:$RUN/milter-notify.sock" "$FAIL_SESSION")
	grep -q -- "$1" <<<"$replies"
}

# wait_for_notify COUNT PATTERN: the notify log has at least COUNT lines
# matching PATTERN (10 s at most).
wait_for_notify() {
	local tenths=100
	while [ "$tenths" -gt 0 ]; do
		[ "$(grep -c -- "$2" "$NOTIFY_LOG")" -ge "$1" ] && return 0
		sleep 0.1
		tenths=$((tenths - 1))
	done
	return 1
}

# reload EXPECTED_STATUS ARGS...: runs spf-milter --reload ARGS, keeps its
# output in $RUN/reload.out, and is true if it exits with EXPECTED_STATUS.
reload() {
	local expected=$1 status
	shift
	"$SPF_MILTER" --reload "$@" >"$RUN/reload.out" 2>&1
	status=$?
	sed 's/^/#   /' "$RUN/reload.out"
	[ "$status" -eq "$expected" ] || {
		echo "# spf-milter --reload $*: exit status $status, not $expected"
		return 1
	}
}

pre() {
	client_addresses
	make_run_dir milter-notify
	dns_up "$E2E_DIR/world.zone"
	NOTIFY_LOG=$RUN/notify.log
	CONFIG=$RUN/spf-milter.conf
	"$PYTHON" "$E2E_DIR/notify_listener.py" "$RUN/notify.sock" "$NOTIFY_LOG" \
		--probe "$RUN/milter-notify.sock" &
	LISTENER_PID=$!
	wait_for_file "$NOTIFY_LOG" 10 || die "the notify listener did not start"
	write_config "$CONFIG" "fail_action = reject"
	NOTIFY_SOCKET=$RUN/notify.sock milter_up notify "$CONFIG"
	PID=${MILTER_PID[notify]}
}

test_ready() {
	check "READY=1 is sent, with a STATUS= line of generation 1" \
		wait_for_notify 1 '^READY=1 | STATUS=generation 1, [0-9]* sessions\? open, 0 MAIL FROM checked$'
	check "READY=1 comes once the milter socket accepts connections" \
		wait_for_notify 1 '^probe: connected$'
	check "READY=1 comes once privileges are dropped (the daemon runs as nobody)" \
		test "$(awk '/^Uid:/ { print $2 }' "/proc/$PID/status")" = "$(id -u nobody)"
	check "fail_action = reject: a fail is refused (550 5.7.23)" \
		mail_reply_is '^mail: reply 550 5\.7\.23 '
}

test_reload_good_file() {
	write_config "$CONFIG" "fail_action = accept"
	check "--reload --pid with a good file: exit 0" reload 0 -c "$CONFIG" --pid "$PID"
	check "--reload: says the daemon reloaded into generation 2" \
		grep -q "^spf-milter: pid $PID reloaded $CONFIG (generation 2)$" "$RUN/reload.out"
	check "--reload: RELOADING=1 with MONOTONIC_USEC= is sent" \
		wait_for_notify 1 '^RELOADING=1 | MONOTONIC_USEC=[0-9][0-9]*$'
	check "--reload: then READY=1 with generation 2 and the MAIL FROM seen so far" \
		wait_for_notify 1 '^READY=1 | STATUS=generation 2 (reload ok at [-0-9]* [:0-9]*), [0-9]* sessions\? open, [1-9][0-9]* MAIL FROM checked$'
	check "--reload: the next connection gets fail_action = accept" \
		mail_reply_is '^mail: continue$'
	check "--reload without --pid finds the daemon through pid_file (generation 3)" \
		reload 0 -c "$CONFIG"
	check "--reload through pid_file: the daemon says generation 3" \
		grep -q "(generation 3)$" "$RUN/reload.out"
}

test_reload_bad_file() {
	local reloads_before
	reloads_before=$(grep -c '^RELOADING=1' "$NOTIFY_LOG")
	write_config "$CONFIG" "fail_action = sometimes"
	check "--reload with a bad file: exit 78 (EX_CONFIG)" reload 78 -c "$CONFIG" --pid "$PID"
	check "--reload with a bad file: the error names the file, its line and the key" \
		grep -q "spf-milter\.conf:6.*fail_action" "$RUN/reload.out"
	sleep 0.5
	check "--reload with a bad file: the daemon is not asked (no RELOADING=1)" \
		test "$(grep -c '^RELOADING=1' "$NOTIFY_LOG")" -eq "$reloads_before"
	check "--reload with a bad file: the daemon keeps running its configuration" \
		mail_reply_is '^mail: continue$'
}

test_reload_refused_by_daemon() {
	# The command checks a good file, but the daemon reads its own, broken one:
	# only the daemon's answer says what runs.
	write_config "$RUN/other.conf" "fail_action = reject"
	write_config "$CONFIG" "fail_action = sometimes"
	check "the daemon fails to reload: --reload exits 1" reload 1 -c "$RUN/other.conf" --pid "$PID"
	check "the daemon fails to reload: --reload says it kept its previous configuration" \
		grep -q "^spf-milter: pid $PID kept its previous configuration" "$RUN/reload.out"
	check "the daemon fails to reload: READY=1 again, with the reload failed and generation 3" \
		wait_for_notify 1 '^READY=1 | STATUS=generation 3 (reload failed at '
	check "the daemon fails to reload: it keeps fail_action = accept" \
		mail_reply_is '^mail: continue$'
	write_config "$CONFIG" "fail_action = accept"
}

test_stop() {
	local status
	kill -TERM "$PID"
	check "SIGTERM: STOPPING=1 is sent" wait_for_notify 1 '^STOPPING=1$'
	local tenths=150
	while running "$PID" && [ "$tenths" -gt 0 ]; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
	wait "$PID"
	status=$?
	unset "MILTER_PID[notify]"
	check "SIGTERM: exit status 0 (got $status)" test "$status" -eq 0
}

post() {
	local status=$?
	trap - EXIT
	milter_down notify
	[ -n "${LISTENER_PID:-}" ] && stop_pid "$LISTENER_PID" 2
	dns_down
	[ -n "$NOTIFY_LOG" ] && sed 's/^/# notify: /' "$NOTIFY_LOG"
	end_test "$status" "log: $RUN/milter-notify.log"
}

trap post EXIT
pre
test_ready
test_reload_good_file
test_reload_bad_file
test_reload_refused_by_daemon
test_stop
exit 0
