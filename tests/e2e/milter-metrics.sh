#!/usr/bin/env bash
# tests/e2e/milter-metrics.sh: spf-milter's metrics read by real scrapers.
#
#   pre   a private network namespace; spf-test-dns serving world.zone; one
#         spf-milter with metrics_listen and metrics_file (interval 1 s)
#   test  known traffic through the milter protocol (3 fails, 3 passes, one
#         trusted client, 2 forged Authentication-Results fields, one reload);
#         /metrics and the file show exactly those counts, and promtool finds
#         both well-formed; a real prometheus-node-exporter reads the file
#         through its textfile collector and a real Prometheus scrapes both
#         the milter and node-exporter, and its query API gives the same
#         counts; a 404 and a 405 for what is not a scrape
#   post  whatever is still running stopped, by PID
#
# CTest runs it as milter-metrics with $SPF_MILTER and $SPF_TEST_DNS set.
# Needs root (else exit 77: skipped), and promtool, prometheus and
# prometheus-node-exporter (Debian packages prometheus and
# prometheus-node-exporter: packaging/install-deps.sh --test).
# Prints every check and "N passed, M failed".
set -uo pipefail

. "$(dirname "$0")/lib.sh"
require_root
in_private_network "$0" "$@"
. "$E2E_DIR/dns.sh"
. "$E2E_DIR/milter.sh"

: "${SPF_MILTER:?set SPF_MILTER to the spf-milter program}"
: "${SPF_TEST_DNS:?set SPF_TEST_DNS to the spf-test-dns program}"
for program in promtool prometheus prometheus-node-exporter; do
	command -v "$program" >/dev/null || die "$program is missing (packaging/install-deps.sh --test)"
done

METRICS_PORT=9701
EXPORTER_PORT=9702
PROMETHEUS_PORT=9703
METRICS=http://127.0.0.1:$METRICS_PORT/metrics
SESSIONS=$E2E_DIR/protocol/default

session() { # session NAME: one milter session from protocol/default
	"$PYTHON" "$E2E_DIR/milter_client.py" --socket "unix:$RUN/milter-metrics.sock" "$SESSIONS/$1.session" >/dev/null
}

# value_is URL SERIES EXPECTED: the sample SERIES at URL has the value EXPECTED.
value_is() {
	local got
	got=$("$PYTHON" "$E2E_DIR/metrics_client.py" value "$1" "$2")
	[ "$got" = "$3" ] || {
		echo "# $2 at $1: '$got', not '$3'"
		return 1
	}
}

# file_value_is SERIES EXPECTED: the same in the metrics file (10 s at most:
# it is rewritten every second).
file_value_is() {
	local tenths=100 got
	while [ "$tenths" -gt 0 ]; do
		got=$(awk -v s="$1" '$1 == s { print $2 }' "$RUN/textfile/spf-milter.prom" 2>/dev/null)
		[ "$got" = "$2" ] && return 0
		sleep 0.1
		tenths=$((tenths - 1))
	done
	echo "# $1 in the file: '$got', not '$2'"
	return 1
}

# prometheus_says EXPR EXPECTED: Prometheus' query API gives EXPECTED for EXPR
# (30 s at most: it scrapes every second, and starts in a few).
prometheus_says() {
	local tenths=300 got
	while [ "$tenths" -gt 0 ]; do
		got=$("$PYTHON" "$E2E_DIR/metrics_client.py" query "http://127.0.0.1:$PROMETHEUS_PORT" "$1" 2>/dev/null)
		[ "$got" = "$2" ] && return 0
		sleep 0.1
		tenths=$((tenths - 1))
	done
	echo "# Prometheus: $1 = '$got', not '$2'"
	return 1
}

pre() {
	client_addresses
	make_run_dir milter-metrics
	# As README.Debian sets it up: the daemon writes in its own directory and
	# the collector's directory links to the file.
	mkdir -p "$RUN/textfile" "$RUN/state"
	ln -s "$RUN/state/spf-milter.prom" "$RUN/textfile/spf-milter.prom"
	dns_up "$E2E_DIR/world.zone"
	cat >"$RUN/spf-milter.conf" <<-EOF
		dns_timeout = 2
		log_level = debug
		metrics_listen = 127.0.0.1:$METRICS_PORT
		metrics_file = $RUN/state/spf-milter.prom
		metrics_interval = 1
	EOF
	# The unit's UMask=0007: the file must still be readable by the collector.
	local umask_before
	umask_before=$(umask)
	umask 0007
	milter_up metrics "$RUN/spf-milter.conf"
	umask "$umask_before"
	PID=${MILTER_PID[metrics]}
	wait_for_port "127.0.0.1:$METRICS_PORT" 10 || die "no metrics listener on $METRICS_PORT"
}

test_traffic() {
	check "before any traffic: no fail counted" \
		value_is "$METRICS" 'spf_milter_checks_total{identity="mailfrom",result="fail"}' 0
	local i
	for i in 1 2 3; do session fail; done
	for i in 1 2; do session pass-ipv4; done
	session forged-authentication-results
	session trusted-client
	kill -HUP "$PID"
	sleep 1

	check "/metrics: 3 MAIL FROM fails" \
		value_is "$METRICS" 'spf_milter_checks_total{identity="mailfrom",result="fail"}' 3
	check "/metrics: 3 MAIL FROM passes" \
		value_is "$METRICS" 'spf_milter_checks_total{identity="mailfrom",result="pass"}' 3
	check "/metrics: 3 rejected at MAIL FROM" \
		value_is "$METRICS" 'spf_milter_actions_total{stage="mail",action="reject"}' 3
	check "/metrics: 3 accepted at MAIL FROM (the trusted client's is not checked)" \
		value_is "$METRICS" 'spf_milter_actions_total{stage="mail",action="accept"}' 4
	check "/metrics: 1 trusted client skipped" \
		value_is "$METRICS" 'spf_milter_skips_total{reason="trusted_network"}' 1
	check "/metrics: 2 forged Authentication-Results removed" \
		value_is "$METRICS" 'spf_milter_forged_results_removed_total' 2
	check "/metrics: 1 reload ok, generation 2" \
		value_is "$METRICS" 'spf_milter_reloads_total{outcome="ok"}' 1
	check "/metrics: generation 2" value_is "$METRICS" 'spf_milter_config_generation' 2
	check "/metrics: no session open" value_is "$METRICS" 'spf_milter_sessions_open' 0
	check "/metrics: 6 checks timed" value_is "$METRICS" 'spf_milter_check_duration_seconds_count' 6
	check "/metrics: DNS questions sent for TXT records, answered ok" \
		bash -c "[ \"\$('$PYTHON' '$E2E_DIR/metrics_client.py' value '$METRICS' 'spf_milter_dns_queries_total{type=\"txt\",outcome=\"ok\"}')\" -gt 0 ]"
	check "/metrics: the cache answered some (hits > 0)" \
		bash -c "[ \"\$('$PYTHON' '$E2E_DIR/metrics_client.py' value '$METRICS' spf_milter_dns_cache_hits_total)\" -gt 0 ]"
	"$PYTHON" "$E2E_DIR/metrics_client.py" get "$METRICS" >"$RUN/scrape.txt"
	check "promtool check metrics: the scrape is well-formed" \
		bash -c "promtool check metrics <'$RUN/scrape.txt'"
	check "metrics_file: 3 MAIL FROM fails" \
		file_value_is 'spf_milter_checks_total{identity="mailfrom",result="fail"}' 3
	check "metrics_file: mode 0644 under a umask of 0007" test "$(stat -c %a "$RUN/state/spf-milter.prom")" = 644
	check "promtool check metrics: the file is well-formed" \
		bash -c "promtool check metrics <'$RUN/textfile/spf-milter.prom'"
	check "not a scrape: GET / is 404" \
		test "$("$PYTHON" "$E2E_DIR/metrics_client.py" status GET "http://127.0.0.1:$METRICS_PORT/")" = 404
	check "not a scrape: POST /metrics is 405" \
		test "$("$PYTHON" "$E2E_DIR/metrics_client.py" status POST "$METRICS")" = 405
}

test_scrapers() {
	prometheus-node-exporter --collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$RUN/textfile" --web.listen-address="127.0.0.1:$EXPORTER_PORT" \
		>"$RUN/node-exporter.log" 2>&1 &
	EXPORTER_PID=$!
	wait_for_port "127.0.0.1:$EXPORTER_PORT" 10 || not_ok "node-exporter listens"
	check "node-exporter's textfile collector: 3 MAIL FROM fails" \
		value_is "http://127.0.0.1:$EXPORTER_PORT/metrics" 'spf_milter_checks_total{identity="mailfrom",result="fail"}' 3
	check "node-exporter: it read the file without error" \
		value_is "http://127.0.0.1:$EXPORTER_PORT/metrics" 'node_textfile_scrape_error' 0

	cat >"$RUN/prometheus.yml" <<-EOF
		global:
		  scrape_interval: 1s
		scrape_configs:
		  - job_name: spf-milter
		    static_configs: [{targets: ["127.0.0.1:$METRICS_PORT"]}]
		  - job_name: node
		    static_configs: [{targets: ["127.0.0.1:$EXPORTER_PORT"]}]
	EOF
	prometheus --config.file="$RUN/prometheus.yml" --storage.tsdb.path="$RUN/tsdb" \
		--web.listen-address="127.0.0.1:$PROMETHEUS_PORT" >"$RUN/prometheus.log" 2>&1 &
	PROMETHEUS_PID=$!
	check "Prometheus scraping /metrics: 3 MAIL FROM fails" \
		prometheus_says 'spf_milter_checks_total{job="spf-milter",identity="mailfrom",result="fail"}' 3
	check "Prometheus scraping /metrics: 2 forged Authentication-Results removed" \
		prometheus_says 'spf_milter_forged_results_removed_total{job="spf-milter"}' 2
	check "Prometheus scraping /metrics: the target is up" prometheus_says 'up{job="spf-milter"}' 1
	check "Prometheus through node-exporter's textfile: 3 MAIL FROM fails" \
		prometheus_says 'spf_milter_checks_total{job="node",identity="mailfrom",result="fail"}' 3
	session fail
	check "Prometheus sees the next fail (4)" \
		prometheus_says 'spf_milter_checks_total{job="spf-milter",identity="mailfrom",result="fail"}' 4
}

post() {
	local status=$?
	trap - EXIT
	[ -n "${PROMETHEUS_PID:-}" ] && stop_pid "$PROMETHEUS_PID" 5
	[ -n "${EXPORTER_PID:-}" ] && stop_pid "$EXPORTER_PID" 5
	milter_down metrics
	dns_down
	end_test "$status" "log: $RUN/milter-metrics.log"
}

trap post EXIT
pre
test_traffic
test_scrapers
exit 0
