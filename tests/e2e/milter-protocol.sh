#!/usr/bin/env bash
# tests/e2e/milter-protocol.sh: spf-milter spoken to directly, with no MTA.
#
#   pre   a private network namespace; spf-test-dns serving world.zone; one
#         spf-milter per directory of protocol/, with the config of the same
#         name in milters/ (protocol/strict/ runs against milters/strict.conf)
#   test  each protocol/CONFIG/NAME.session is played by milter_client.py as
#         an MTA would play it (connect with an IPv4, IPv6 or no address, HELO,
#         MAIL FROM and RCPT TO with macros such as {auth_authen} and {i},
#         header fields, end of message); the milter's replies and header
#         actions must equal NAME.expect, line for line
#   post  everything stopped, by PID
#
# SPF_E2E_BLESS=1 writes what the milter answered into the .expect files
# instead (review the diff before committing it). CTest runs it as
# milter-protocol with $SPF_MILTER and $SPF_TEST_DNS set. Needs root (else exit
# 77: skipped). Prints every check and "N passed, M failed".
set -uo pipefail

. "$(dirname "$0")/lib.sh"
require_root
in_private_network "$0" "$@"
. "$E2E_DIR/dns.sh"
. "$E2E_DIR/milter.sh"

: "${SPF_MILTER:?set SPF_MILTER to the spf-milter program}"
: "${SPF_TEST_DNS:?set SPF_TEST_DNS to the spf-test-dns program}"

MILTERS=()
for dir in "$E2E_DIR"/protocol/*/; do
	MILTERS+=("$(basename "$dir")")
done

pre() {
	client_addresses
	make_run_dir milter-protocol
	dns_up "$E2E_DIR/world.zone"
	local name
	for name in "${MILTERS[@]}"; do
		milter_up "$name" "$E2E_DIR/milters/$name.conf"
	done
}

# play CONFIG SESSION_FILE: one session against that config's milter.
play() {
	local config=$1 session=$2 name expect out
	name=$config/$(basename "$session" .session)
	expect=${session%.session}.expect
	out=$("$PYTHON" "$E2E_DIR/milter_client.py" --socket "unix:$RUN/milter-$config.sock" "$session")
	if [ "${SPF_E2E_BLESS:-0}" = 1 ]; then
		printf '%s\n' "$out" >"$expect"
		ok "$name: blessed into $(basename "$expect")"
	elif [ -f "$expect" ] && [ "$out" = "$(cat "$expect")" ]; then
		ok "$name"
	else
		not_ok "$name"
		diff <(cat "$expect" 2>/dev/null) <(printf '%s\n' "$out") | sed 's/^/#   /'
	fi
}

run_sessions() {
	local config session
	for config in "${MILTERS[@]}"; do
		for session in "$E2E_DIR/protocol/$config"/*.session; do
			play "$config" "$session"
		done
	done
	# The queue id (macro {i}) names the message in the milter's log lines.
	check "default/pass-ipv4: the log names queue id 4F3A2B1C0D" \
		grep -q 4F3A2B1C0D "$RUN/milter-default.log"
}

post() {
	local status=$?
	trap - EXIT
	milter_down "${MILTERS[@]}"
	dns_down
	end_test "$status" "logs: $RUN/milter-*.log"
}

trap post EXIT
pre
run_sessions
exit 0
