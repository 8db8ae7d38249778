#!/usr/bin/env bash
# tests/e2e/milter-signals.sh: spf-milter's signals, with no MTA.
#
#   pre   a private network namespace; spf-test-dns serving world.zone; one
#         spf-milter whose config file the test rewrites ($RUN/spf-milter.conf)
#   test  SIGHUP reloads the file: a changed key changes what the next
#         connection gets, while a connection already open keeps the config it
#         began with; a broken file is reported and the old config kept;
#         SIGUSR1 (the reload signal of OpenDKIM and OpenDMARC) reloads too;
#         SIGTERM ends the daemon with exit status 0
#   post  whatever is still running stopped, by PID
#
# CTest runs it as milter-signals with $SPF_MILTER and $SPF_TEST_DNS set.
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

write_config() { # write_config LINE...: the milter's config file, as given
	printf '%s\n' "# written by milter-signals.sh" "dns_timeout = 2" "log_level = debug" "$@" \
		>"$RUN/spf-milter.conf"
}

# mail_reply: what the milter answers at MAIL FROM for a stranger sending as
# fail.example ("mail: continue", "mail: reply 550 5.7.23 ...").
mail_reply() {
	"$PYTHON" "$E2E_DIR/milter_client.py" --socket "unix:$RUN/milter-signals.sock" \
		"$FAIL_SESSION" | grep '^mail: '
}

# until_mail_reply PATTERN: polls (5 s at most) until mail_reply matches.
until_mail_reply() {
	local tenths=50
	while [ "$tenths" -gt 0 ]; do
		mail_reply | grep -q -- "$1" && return 0
		sleep 0.1
		tenths=$((tenths - 1))
	done
	return 1
}

pre() {
	client_addresses
	make_run_dir milter-signals
	dns_up "$E2E_DIR/world.zone"
	write_config "fail_action = reject"
	milter_up signals "$RUN/spf-milter.conf"
	PID=${MILTER_PID[signals]}
}

test_reload() {
	check "fail_action = reject: a fail is refused (550 5.7.23)" \
		until_mail_reply '^mail: reply 550 5\.7\.23 '

	# A connection opened now, under fail_action = reject, waits at "pause".
	"$PYTHON" "$E2E_DIR/milter_client.py" --socket "unix:$RUN/milter-signals.sock" \
		--resume-file "$RUN/resume" "$E2E_DIR/signals/open-across-reload.session" \
		>"$RUN/open-connection.out" 2>&1 &
	local open_connection=$!
	wait_for_line "$RUN/open-connection.out" '^helo: (no reply requested)$' ||
		not_ok "a connection is open before the reload"

	write_config "fail_action = accept"
	kill -HUP "$PID"
	check "SIGHUP with fail_action = accept: the next connection's fail is accepted" \
		until_mail_reply '^mail: continue$'

	touch "$RUN/resume"
	wait "$open_connection"
	check "SIGHUP: the connection open across the reload keeps fail_action = reject" \
		grep -q '^mail: reply 550 5\.7\.23 ' "$RUN/open-connection.out"

	write_config "fail_action = sometimes"
	check "spf-milter -n refuses the broken file" \
		test "$("$SPF_MILTER" -n -c "$RUN/spf-milter.conf" >/dev/null 2>&1; echo $?)" -ne 0
	local lines_before
	lines_before=$(wc -l <"$RUN/milter-signals.log")
	kill -HUP "$PID"
	check "SIGHUP with a broken file: the error is logged with the file's line" \
		wait_for_log_line "$lines_before" 'spf-milter\.conf:4'
	check "SIGHUP with a broken file: the daemon keeps running" running "$PID"
	check "SIGHUP with a broken file: the old config stays (a fail is still accepted)" \
		until_mail_reply '^mail: continue$'
}

# wait_for_line FILE PATTERN: PATTERN appears in FILE (5 s at most).
wait_for_line() {
	local tenths=50
	while [ "$tenths" -gt 0 ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		tenths=$((tenths - 1))
	done
	return 1
}

# wait_for_log_line SKIP PATTERN: PATTERN appears in the milter's log after
# its first SKIP lines (5 s at most).
wait_for_log_line() {
	local tenths=50
	while [ "$tenths" -gt 0 ]; do
		tail -n +"$(($1 + 1))" "$RUN/milter-signals.log" | grep -q -- "$2" && return 0
		sleep 0.1
		tenths=$((tenths - 1))
	done
	return 1
}

test_reload_on_sigusr1() {
	write_config "fail_action = reject"
	local lines_before
	lines_before=$(wc -l <"$RUN/milter-signals.log")
	kill -USR1 "$PID"
	check "SIGUSR1 (OpenDKIM's and OpenDMARC's reload signal) is logged as a reload" \
		wait_for_log_line "$lines_before" 'SIGUSR1: reloading'
	check "SIGUSR1 with fail_action = reject: a fail is refused again (550 5.7.23)" \
		until_mail_reply '^mail: reply 550 5\.7\.23 '
	check "SIGUSR1: the daemon keeps running" running "$PID"
}

test_terminate() {
	local started status timeout_at
	started=$(date +%s)
	kill -TERM "$PID"
	# The milter is this shell's child: wait gives its exit status. libmilter
	# notices the stop between two polls of its socket, a few seconds apart.
	timeout_at=$((started + 15))
	while running "$PID" && [ "$(date +%s)" -lt "$timeout_at" ]; do sleep 0.1; done
	if running "$PID"; then
		not_ok "SIGTERM: the daemon exits within 15 s"
		return
	fi
	wait "$PID"
	status=$?
	unset "MILTER_PID[signals]" # stopped and reaped here, not by post
	ok "SIGTERM: the daemon exits within 15 s (took $(($(date +%s) - started)) s)"
	check "SIGTERM: exit status 0 (got $status)" test "$status" -eq 0
}

post() {
	local status=$?
	trap - EXIT
	milter_down signals
	dns_down
	end_test "$status" "log: $RUN/milter-signals.log"
}

trap post EXIT
pre
test_reload
test_reload_on_sigusr1
test_terminate
exit 0
