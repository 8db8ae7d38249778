# shellcheck shell=bash
# tests/e2e/dns.sh: start and stop the loopback DNS server (spf-test-dns) that
# answers the milters' questions from a zone file. Sourced; needs lib.sh, $RUN
# and $SPF_TEST_DNS (the program).
#
#   dns_up ZONE_FILE   sets DNS_PORT (a free UDP/TCP port on 127.0.0.1)
#   dns_down

dns_up() {
	"$SPF_TEST_DNS" --zone "$1" --address 127.0.0.1 --port 0 --port-file "$RUN/dns.port" \
		</dev/null >"$RUN/dns.log" 2>&1 &
	DNS_PID=$!
	wait_for_file "$RUN/dns.port" 10 || {
		cat "$RUN/dns.log" >&2
		die "spf-test-dns did not start"
	}
	DNS_PORT=$(cat "$RUN/dns.port")
	log "dns: pid $DNS_PID on 127.0.0.1:$DNS_PORT serving $(basename "$1")"
}

dns_down() {
	stop_pid "${DNS_PID:-}" 5
}
