#!/usr/bin/env bash
# tests/e2e/soak.sh: thousands of messages through a real Postfix and one
# spf-milter, hundreds of sessions at once, while the milter is reloaded
# (SIGHUP) several times and restarted once.
#
#   pre   a private network namespace; spf-test-dns serving world.zone; the
#         SMTP sink; spf-milter on soak.conf; Postfix with one listener whose
#         milter is that one (milter_default_action = tempfail), its process
#         limit raised above the number of sessions
#   test  soak_client.py sends $SOAK_MESSAGES messages (default 5000) over
#         $SOAK_SESSIONS sessions at once (default 200), every SPF result in the
#         mix (soak_cases.py). At given shares of the messages done the milter
#         gets a SIGHUP, and once it is stopped and started again: the sessions
#         of that gap get 4xx from Postfix and send their message again. Then,
#         with Postfix's queue empty, soak_check.py accounts for every message
#         (accepted and in the sink once with exactly the milter's header
#         fields, or refused with the exact reply), and the milter's memory and
#         threads (/proc/PID/status) are reported before, at the peak and after
#   post  everything stopped, each by its PID; the run directory removed
#         unless a check failed
#
# CTest runs it as "soak" (label soak) with $SPF_MILTER and $SPF_TEST_DNS set.
# Needs root (else exit 77: skipped) and Postfix. Prints every check, the line
# "soak: sent N delivered D refused R tempfailed-then-retried T lost L
# duplicated U" and "N passed, M failed"; exits non-zero on any failure.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
require_root
in_private_network "$0" "$@"
. "$E2E_DIR/sink.sh"
. "$E2E_DIR/dns.sh"
. "$E2E_DIR/milter.sh"
. "$E2E_DIR/postfix.sh"

: "${SPF_MILTER:?set SPF_MILTER to the spf-milter program}"
: "${SPF_TEST_DNS:?set SPF_TEST_DNS to the spf-test-dns program}"
MESSAGES=${SOAK_MESSAGES:-5000}
SESSIONS=${SOAK_SESSIONS:-200}
# The client's own bound; CTest's TIMEOUT bounds the whole test.
CLIENT_DEADLINE=${SOAK_DEADLINE:-120}

SINK_PORT=10025
SMTP_PORT=2525
MTA_HOST=mx.postfix.test
# What happens to the milter when this share (percent) of the messages is done.
EVENTS=(10:hup 25:hup 40:restart 55:hup 70:hup 85:hup)

pre() {
	postfix_available
	client_addresses # XCLIENT gives Postfix the clients' addresses: only lo and the host name
	make_run_dir soak
	dns_up "$E2E_DIR/world.zone"
	sink_up "$SINK_PORT"
	milter_up soak "$E2E_DIR/soak.conf"
	postfix_up "$SINK_PORT" "127.0.0.1:$SMTP_PORT=soak"
	tune_postfix
}

# tune_postfix: what the soak needs beyond postfix.sh's instance, applied with
# a reload: more smtpd processes than sessions (the default limit, 100, would
# queue the rest, and a master at its limit goes into stress mode, with
# shorter timeouts and error limits); no pause before accepting mail when the
# queue fills faster than it empties (in_flow_delay); more deliveries to the
# sink at once.
tune_postfix() {
	local etc=$RUN/postfix/etc
	postconf -c "$etc" -e \
		"default_process_limit = $((SESSIONS * 2))" \
		"in_flow_delay = 0s" \
		"default_destination_concurrency_limit = 50" ||
		die "postconf could not tune $etc/main.cf"
	postfix -c "$etc" reload >>"$RUN/postfix/start.log" 2>&1 || die "postfix reload failed"
	local tenths=100
	until grep -q 'reload -- version' "$RUN/postfix/maillog" 2>/dev/null; do
		[ "$tenths" -gt 0 ] || die "postfix did not reload its tuned main.cf"
		sleep 0.1
		tenths=$((tenths - 1))
	done
	log "postfix: process limit $((SESSIONS * 2)), in_flow_delay 0s"
}

# The milter's memory and threads, from /proc/PID/status: "rss KB hwm KB threads N".
milter_status() {
	awk '/^VmRSS:/ { rss = $2 } /^VmHWM:/ { hwm = $2 } /^Threads:/ { threads = $2 }
	     END { printf "rss %d hwm %d threads %d\n", rss, hwm, threads }' "/proc/$1/status" 2>/dev/null
}

# The milter's open sockets: its listener and one per MTA connection.
milter_sockets() {
	find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | wc -l
}

PEAK_RSS=0
PEAK_THREADS=0
PEAK_SOCKETS=0
sample_peak() {
	local pid=${MILTER_PID[soak]:-} rss threads sockets
	[ -n "$pid" ] || return 0
	read -r _ rss _ _ _ threads <<<"$(milter_status "$pid")"
	sockets=$(milter_sockets "$pid")
	[ "${rss:-0}" -gt "$PEAK_RSS" ] && PEAK_RSS=$rss
	[ "${threads:-0}" -gt "$PEAK_THREADS" ] && PEAK_THREADS=$threads
	[ "${sockets:-0}" -gt "$PEAK_SOCKETS" ] && PEAK_SOCKETS=$sockets
	return 0
}

HUPS_SENT=()
# milter_event hup|restart: what EVENTS asks for, now.
milter_event() {
	local pid=${MILTER_PID[soak]} instance=$((${#HUPS_SENT[@]} - 1))
	case $1 in
	hup)
		kill -HUP "$pid"
		HUPS_SENT[instance]=$((HUPS_SENT[instance] + 1))
		log "SIGHUP to milter pid $pid"
		;;
	restart)
		log "restarting the milter (pid $pid, $(milter_status "$pid"))"
		local stopped=$SECONDS
		milter_down soak
		# The log of the first instance is kept beside the second's.
		mv "$RUN/milter-soak.log" "$RUN/milter-soak.$((instance + 1)).log"
		milter_up soak "$E2E_DIR/soak.conf"
		HUPS_SENT+=(0)
		log "milter back after $((SECONDS - stopped)) s: pid ${MILTER_PID[soak]}"
		;;
	esac
}

soak() {
	local before after client_pid client_status done=0 event share started=$SECONDS
	HUPS_SENT=(0)
	before=$(milter_status "${MILTER_PID[soak]}")
	log "milter before the load: $before"
	"$PYTHON" "$E2E_DIR/soak_client.py" --port "$SMTP_PORT" --messages "$MESSAGES" \
		--sessions "$SESSIONS" --deadline "$CLIENT_DEADLINE" \
		--report "$RUN/soak.report" --progress "$RUN/soak.progress" \
		</dev/null >"$RUN/soak-client.log" 2>&1 &
	client_pid=$!
	local pending=("${EVENTS[@]}")
	while running "$client_pid"; do
		sample_peak
		[ -s "$RUN/soak.progress" ] && read -r _ done _ <"$RUN/soak.progress"
		if [ "${#pending[@]}" -gt 0 ]; then
			share=${pending[0]%%:*}
			event=${pending[0]#*:}
			if [ "$((done * 100))" -ge "$((share * MESSAGES))" ]; then
				log "$done of $MESSAGES done ($(cat "$RUN/soak.progress")): $event"
				milter_event "$event"
				pending=("${pending[@]:1}")
			fi
		fi
		sleep 0.2
	done
	wait "$client_pid"
	client_status=$?
	sed 's/^/# /' "$RUN/soak-client.log"
	check "the client finished with every message accepted or refused (exit status $client_status)" \
		test "$client_status" -eq 0
	check "every milter event happened during the load (${#pending[@]} left: ${pending[*]})" \
		test "${#pending[@]}" -eq 0
	local peak
	peak=$(grep -o 'peak [0-9]* open' "$RUN/soak-client.log" | grep -o '[0-9]*')
	check "at least $SESSIONS SMTP sessions were open at once (peak ${peak:-?})" test "${peak:-0}" -ge "$SESSIONS"

	# Postfix's queue empties into the sink; then everything is in.
	local tenths=600
	while [ -n "$(find "$RUN/postfix/queue/incoming" "$RUN/postfix/queue/active" \
		"$RUN/postfix/queue/deferred" -type f -print -quit 2>/dev/null)" ] && [ "$tenths" -gt 0 ]; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
	check "Postfix's queue is empty (everything it accepted was relayed)" test "$tenths" -gt 0
	log "load and delivery took $((SECONDS - started)) s"
	sleep 1 # the sessions that the MTA is closing end their milter threads
	after=$(milter_status "${MILTER_PID[soak]}")

	local output
	output=$("$PYTHON" "$E2E_DIR/soak_check.py" --report "$RUN/soak.report" --sink "$RUN/sink" --host "$MTA_HOST")
	echo "$output" | grep -v '^soak: '
	PASSED=$((PASSED + $(grep -c '^ok ' <<<"$output")))
	FAILED=$((FAILED + $(grep -c '^FAIL ' <<<"$output")))
	grep -q '^soak: sent ' <<<"$output" || not_ok "soak_check.py gave its summary"

	# One "reloaded" line per SIGHUP, in the log of the instance that got it.
	local instance reloads logfile
	for instance in "${!HUPS_SENT[@]}"; do
		logfile=$RUN/milter-soak.$((instance + 1)).log
		[ -e "$logfile" ] || logfile=$RUN/milter-soak.log
		reloads=$(grep -c 'reloaded .*(generation' "$logfile")
		check "milter instance $((instance + 1)): ${HUPS_SENT[instance]} SIGHUP(s), as many reloads (got $reloads)" \
			test "$reloads" -eq "${HUPS_SENT[instance]}"
	done

	local threads before_threads
	read -r _ _ _ _ _ threads <<<"$after"
	read -r _ _ _ _ _ before_threads <<<"$before"
	log "milter memory and threads (/proc/PID/status): before $before; peak rss $PEAK_RSS kB, threads $PEAK_THREADS, sockets $PEAK_SOCKETS; after $after"
	# Debian's libmilter serves its connections from a pool of worker threads:
	# the sessions show as sockets, not as threads.
	check "the milter had a connection per session at the peak ($PEAK_SOCKETS sockets, $SESSIONS sessions)" \
		test "$PEAK_SOCKETS" -gt "$SESSIONS"
	check "the milter's threads went back once the sessions ended ($threads after, $before_threads before)" \
		test "$threads" -le "$before_threads"
	check "the milter's memory stayed bounded (peak rss $PEAK_RSS kB < 256 MB)" test "$PEAK_RSS" -lt 262144
	SUMMARY=$(grep '^soak: sent ' <<<"$output")
}

post() {
	local status=$? # not 0: a step of pre or soak died
	trap - EXIT
	postfix_down
	milter_down soak
	dns_down
	sink_down
	[ -z "${SUMMARY:-}" ] || echo "$SUMMARY"
	end_test "$status" "logs: $RUN/soak-client.log, $RUN/milter-soak*.log, $RUN/postfix/maillog, $RUN/sink/"
}

trap post EXIT
pre
soak
exit 0
