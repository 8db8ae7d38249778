# shellcheck shell=bash
# tests/e2e/sendmail.sh: a private Sendmail for the end-to-end tests, run from
# the Debian packages that fetch-sendmail.sh unpacked into $SPF_TEST_SENDMAIL
# (default /opt/spf-milter-test/sendmail). Sourced; needs lib.sh and $RUN.
#
#   sendmail_available                  dies unless the unpacked Sendmail is there
#   sendmail_up SINK_PORT LISTENER...   LISTENER: ADDRESS:PORT=MILTER, e.g.
#                                       127.0.0.1:2525=default or [::1]:2525=default
#   sendmail_down
#
# sendmail.cf is built by m4 from sendmail.mc.in. Each listener is a
# DAEMON_OPTIONS line whose InputMailFilters names one milter (one spf-milter
# config); F=T makes Sendmail answer 451 when its milter cannot be reached.
# Sendmail has no XCLIENT: the tests connect from documentation addresses that
# their network namespace put on loopback. It runs as root and logs through
# syslog(3), which $SPF_E2E_SYSLOG_SHIM sends to $RUN/sendmail/maillog. SMTP
# AUTH works for alice@example.com, password "secret" ($SPF_E2E_SASL_SHIM).

SENDMAIL_PREFIX=${SPF_TEST_SENDMAIL:-/opt/spf-milter-test/sendmail}

SENDMAIL_BINARY=$SENDMAIL_PREFIX/usr/libexec/sendmail/sendmail
SENDMAIL_CF_M4=$SENDMAIL_PREFIX/usr/share/sendmail/cf/m4/cf.m4

# sendmail_available: dies with the reason if this test cannot run Sendmail.
sendmail_available() {
	if [ ! -x "$SENDMAIL_BINARY" ] || [ ! -f "$SENDMAIL_CF_M4" ]; then
		die "no Sendmail in $SENDMAIL_PREFIX: run tests/e2e/fetch-sendmail.sh $SENDMAIL_PREFIX first"
	fi
	command -v saslpasswd2 >/dev/null || die "saslpasswd2 is missing (apt-get install sasl2-bin)"
}

sendmail_up() {
	local sink_port=$1 listener address port milter socket n=0 dir=$RUN/sendmail
	shift
	mkdir -p "$dir/mqueue"
	chmod 755 "$dir"
	chmod 700 "$dir/mqueue" # Sendmail refuses a queue others can write to
	printf 'hosts files\naliases files\n' >"$dir/service.switch"
	printf 'postmaster: root\nMAILER-DAEMON: postmaster\n' >"$dir/aliases"
	: >"$dir/local-host-names"
	: >"$dir/trusted-users"
	: >"$dir/helpfile"
	: >"$dir/sendmail.st"

	# SMTP AUTH (Cyrus SASL, PLAIN) for alice@example.com, password "secret",
	# from a private Sendmail.conf and sasldb, which $SPF_E2E_SASL_SHIM makes
	# Cyrus SASL read instead of /etc/sasl2.
	mkdir -p "$dir/sasl"
	printf '%s\n' "pwcheck_method: auxprop" "auxprop_plugin: sasldb" \
		"mech_list: PLAIN LOGIN" "sasldb_path: $dir/sasl/sasldb2" >"$dir/sasl/Sendmail.conf"
	echo secret | saslpasswd2 -p -c -f "$dir/sasl/sasldb2" -u example.com alice ||
		die "saslpasswd2 could not create $dir/sasl/sasldb2"
	chmod 600 "$dir/sasl/sasldb2"

	sed -e "s|@RUN@|$dir|g" -e "s|@SINK_PORT@|$sink_port|g" \
		"$E2E_DIR/sendmail.mc.in" >"$dir/sendmail.mc"
	{
		for milter in $(printf '%s\n' "$@" | sed 's/.*=//' | sort -u); do
			socket=$(milter_socket "$milter")
			socket=${socket/#unix:/local:}
			echo "MAIL_FILTER(\`$milter', \`S=$socket, F=T, T=C:10s;S:30s;R:60s;E:2m')dnl"
		done
		for listener in "$@"; do
			address=${listener%=*}
			milter=${listener##*=}
			port=${address##*:}
			address=${address%:*}
			n=$((n + 1))
			case $address in
			\[*) echo "DAEMON_OPTIONS(\`Family=inet6, Name=MTA$n, Addr=${address//[\[\]]/}, Port=$port, InputMailFilters=$milter')dnl" ;;
			*) echo "DAEMON_OPTIONS(\`Family=inet, Name=MTA$n, Addr=$address, Port=$port, InputMailFilters=$milter')dnl" ;;
			esac
		done
	} >"$dir/listeners.m4"
	"$SENDMAIL_PREFIX/usr/bin/m4" "$SENDMAIL_CF_M4" "$dir/sendmail.mc" >"$dir/sendmail.cf" 2>"$dir/m4.log" || {
		cat "$dir/m4.log" >&2
		die "m4 could not build sendmail.cf"
	}
	# m4.log holds the expected warning that promiscuous_relay makes an open relay.

	LD_LIBRARY_PATH=$SENDMAIL_PREFIX/usr/lib/x86_64-linux-gnu \
		LD_PRELOAD="${SPF_E2E_SYSLOG_SHIM:-} ${SPF_E2E_SASL_SHIM:-}" SPF_E2E_SYSLOG_FILE=$dir/maillog \
		SPF_E2E_SASL_CONF_DIR=$dir/sasl \
		"$SENDMAIL_BINARY" -C "$dir/sendmail.cf" -bd -q1m </dev/null >"$dir/start.log" 2>&1 || {
		cat "$dir/start.log" "$dir/maillog" >&2
		die "sendmail did not start"
	}
	for listener in "$@"; do
		wait_for_port "${listener%=*}" 20 || {
			tail -n 20 "$dir/maillog" >&2
			die "sendmail did not listen on ${listener%=*}"
		}
	done
	SENDMAIL_PID=$(head -n1 "$dir/sendmail.pid")
	log "sendmail: pid $SENDMAIL_PID, listeners $*"
}

sendmail_down() {
	stop_pid "${SENDMAIL_PID:-}" 10
}

# sendmail_client_args PORT CLIENT: smtp_send.py options to reach the listener
# on PORT as CLIENT. Sendmail has no XCLIENT: the client binds to CLIENT, one of
# the addresses the test's network namespace put on loopback.
sendmail_client_args() {
	case $2 in
	127.0.0.1) echo "--port $1" ;;
	*:*) echo "--server ::1 --port $1 --source $2" ;;
	*) echo "--port $1 --source $2" ;;
	esac
}

# sendmail_reply_prefix ADDRESS CODE: what Sendmail puts before a milter's
# reply text at MAIL FROM or RCPT TO: the address and three dots, for a
# permanent (5xx) reply only.
sendmail_reply_prefix() {
	case $2 in
	5*) printf '%s... ' "$1" ;;
	esac
}
