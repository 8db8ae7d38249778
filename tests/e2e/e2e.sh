#!/usr/bin/env bash
# tests/e2e/e2e.sh postfix|sendmail: spf-milter behind a real MTA, end to end.
#
#   pre   a private network namespace whose loopback carries the clients'
#         documentation addresses; spf-test-dns serving world.zone; the SMTP
#         sink; one spf-milter per config in milters/; the MTA, with one
#         listener per milter (and one whose milter is not running)
#   test  the cases of mta-cases.sh: SMTP replies, and the headers of the
#         messages that reach the sink
#   post  everything stopped, each by its PID; the run directory removed
#         unless a check failed
#
# CTest runs it as e2e-postfix and e2e-sendmail with $SPF_MILTER, $SPF_TEST_DNS,
# $SPF_E2E_SYSLOG_SHIM and $SPF_E2E_SASL_SHIM set. Needs root (else exit 77:
# skipped), Postfix and saslpasswd2 installed, and for Sendmail the prefix that
# fetch-sendmail.sh unpacked. Prints every check and "N passed, M failed";
# exits non-zero on any failure.
set -uo pipefail

MTA=${1:-}
case $MTA in
postfix | sendmail) ;;
*)
	echo "usage: $0 postfix|sendmail" >&2
	exit 2
	;;
esac

. "$(dirname "$0")/lib.sh"
require_root
in_private_network "$0" "$@"
. "$E2E_DIR/sink.sh"
. "$E2E_DIR/dns.sh"
. "$E2E_DIR/milter.sh"
. "$E2E_DIR/$MTA.sh"
. "$E2E_DIR/mta-cases.sh"

: "${SPF_MILTER:?set SPF_MILTER to the spf-milter program}"
: "${SPF_TEST_DNS:?set SPF_TEST_DNS to the spf-test-dns program}"

# Inside the namespace every port is free: fixed numbers read better in logs.
SINK_PORT=10025
declare -A PORT=([default]=2525 [strict]=2526 [rcpt]=2527 [dry-run]=2528 [absent]=2529 [tcp]=2530)
MILTERS=(default strict rcpt dry-run tcp)
# milters/tcp.conf is the default one, reached over TCP instead of a unix socket.
MILTER_TCP_PORT[tcp]=8894

pre() {
	"${MTA}_available"
	client_addresses 192.0.2.25 198.51.100.7 2001:db8::25
	make_run_dir "e2e-$MTA"
	dns_up "$E2E_DIR/world.zone"
	sink_up "$SINK_PORT"
	local name listeners=()
	for name in "${MILTERS[@]}"; do
		milter_up "$name" "$E2E_DIR/milters/$name.conf"
		listeners+=("127.0.0.1:${PORT[$name]}=$name")
	done
	# The IPv6 client comes in on [::1]; "absent" names a milter never started.
	listeners+=("[::1]:${PORT[default]}=default" "127.0.0.1:${PORT[absent]}=absent")
	"${MTA}_up" "$SINK_PORT" "${listeners[@]}"
	MTA_HOST=mx.$MTA.test
}

post() {
	local status=$? # not 0: a step of pre or test died
	trap - EXIT
	"${MTA}_down"
	milter_down "${MILTERS[@]}"
	dns_down
	sink_down
	end_test "$status" "logs: $RUN/milter-*.log, $RUN/$MTA/maillog, $RUN/sink/"
}

trap post EXIT
pre
run_cases
exit 0
