# shellcheck shell=bash
# tests/e2e/sink.sh: start and stop the SMTP sink (sink.py) that both MTAs
# relay every accepted message to. Sourced; needs lib.sh and $RUN.
#
#   sink_up PORT   messages land in $RUN/sink/msg-NNNN.eml
#   sink_down

sink_up() {
	SINK_PORT=$1
	mkdir -p "$RUN/sink"
	"$PYTHON" "$E2E_DIR/sink.py" --port "$SINK_PORT" --outdir "$RUN/sink" \
		</dev/null >"$RUN/sink.log" 2>&1 &
	SINK_PID=$!
	wait_for_port "127.0.0.1:$SINK_PORT" 10 || {
		cat "$RUN/sink.log" >&2
		die "the SMTP sink did not listen on 127.0.0.1:$SINK_PORT"
	}
	log "sink: pid $SINK_PID on 127.0.0.1:$SINK_PORT"
}

sink_down() {
	stop_pid "${SINK_PID:-}" 5
}

# delivered SUBJECT: prints the path of the message with that Subject once it
# reached the sink (waits up to 15 s); false if it never came.
delivered() {
	local tenths=150 path
	while [ "$tenths" -gt 0 ]; do
		path=$(grep -l -x -F "Subject: $1"$'\r' "$RUN"/sink/msg-*.eml 2>/dev/null | head -n1)
		[ -n "$path" ] && { echo "$path"; return 0; }
		sleep 0.1
		tenths=$((tenths - 1))
	done
	return 1
}

# never_delivered SUBJECT: true if no message with that Subject is in the sink.
never_delivered() {
	! grep -q -x -F "Subject: $1"$'\r' "$RUN"/sink/msg-*.eml 2>/dev/null
}

# header_block FILE: the message's header fields, one a line (folded fields
# unfolded as RFC 5322 says: the line break goes, the white space stays),
# without the sink's envelope lines and without CRs.
header_block() {
	sed -e 's/\r$//' -e '/^$/,$d' "$1" | grep -v '^X-Sink-' |
		awk '/^[ \t]/ { field = field $0; next }
		     { if (field != "") print field; field = $0 }
		     END { if (field != "") print field }'
}
