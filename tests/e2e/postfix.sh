# shellcheck shell=bash
# tests/e2e/postfix.sh: a private Postfix instance for the end-to-end tests,
# from the installed postfix package. Sourced; needs lib.sh and $RUN.
#
#   postfix_available                  dies unless Postfix can be run
#   postfix_up SINK_PORT LISTENER...   LISTENER: ADDRESS:PORT=MILTER, e.g.
#                                      127.0.0.1:2525=default or [::1]:2525=default;
#                                      MILTER may also be smtpd_milters itself
#                                      (unix:PATH, inet:HOST:PORT)
#   postfix_down
#
# POSTFIX_CHROOT=y (before postfix_up): smtpd runs chrooted in the queue
# directory, as Debian's Postfix does (master.cf chroot y); a relative unix:
# milter path is then found inside it.
#
# Everything lives in $RUN/postfix: main.cf and master.cf, queue, data
# directory, log file. The system instance (/etc/postfix) is neither read nor
# needed. Each listener is an smtpd with its own smtpd_milters: one milter (one
# spf-milter config) per port. Every message is relayed to the sink. Clients on
# 127.0.0.1 may send XCLIENT ADDR=..., after which Postfix starts a new session
# (and a new milter connection) for that client address. SMTP AUTH works for
# alice@example.com, password "secret".

# postfix_available: dies with the reason if this test cannot run Postfix.
postfix_available() {
	command -v postfix >/dev/null || die "postfix is not installed (see tests/e2e/README.md)"
	command -v saslpasswd2 >/dev/null || die "saslpasswd2 is missing (apt-get install sasl2-bin)"
}

postfix_up() {
	local sink_port=$1 listener address milter socket dir=$RUN/postfix
	shift
	mkdir -p "$dir/etc/sasl" "$dir/queue" "$dir/data"
	chmod 755 "$dir" "$dir/etc" "$dir/etc/sasl" "$dir/queue"
	chown postfix:postfix "$dir/data"

	# SMTP AUTH (Cyrus SASL, PLAIN) for one account, alice@example.com with
	# the password "secret", kept in a private sasldb that smtpd can read.
	# Debian's Postfix reads smtpd.conf from the sasl/ of its config directory.
	cat >"$dir/etc/sasl/smtpd.conf" <<-EOF
		pwcheck_method: auxprop
		auxprop_plugin: sasldb
		mech_list: PLAIN LOGIN
		sasldb_path: $dir/etc/sasl/sasldb2
	EOF
	echo secret | saslpasswd2 -p -c -f "$dir/etc/sasl/sasldb2" -u example.com alice ||
		die "saslpasswd2 could not create $dir/etc/sasl/sasldb2"
	chown postfix:postfix "$dir/etc/sasl/sasldb2"
	if [ "${POSTFIX_CHROOT:-n}" = y ]; then
		# A chrooted smtpd opens the sasldb after the chroot: the same path
		# inside the queue directory.
		mkdir -p "$dir/queue$dir/etc/sasl"
		cp -p "$dir/etc/sasl/sasldb2" "$dir/queue$dir/etc/sasl/"
	fi

	cat >"$dir/etc/main.cf" <<-EOF
		# Private instance for the spf-milter end-to-end tests.
		compatibility_level = 3.6
		queue_directory = $dir/queue
		data_directory = $dir/data
		# No syslog daemon needed: the postlog service writes this file.
		maillog_file = $dir/maillog
		maillog_file_prefixes = $RUN
		myhostname = mx.postfix.test
		mydestination =
		local_recipient_maps =
		alias_maps =
		alias_database =
		inet_interfaces = loopback-only
		inet_protocols = all
		# Relay for every client: the listeners are on loopback only. (A bare
		# "permit" is refused by smtpd.)
		mynetworks = 0.0.0.0/0 [::]/0
		smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
		smtpd_authorized_xclient_hosts = 127.0.0.1
		smtpd_sasl_auth_enable = yes
		smtpd_sasl_type = cyrus
		smtpd_sasl_path = smtpd
		relayhost = [127.0.0.1]:$sink_port
		smtp_dns_support_level = disabled
		# A milter that cannot be reached makes Postfix answer 451, never accept.
		milter_default_action = tempfail
		milter_protocol = 6
		milter_connect_timeout = 10s
		milter_command_timeout = 30s
		milter_content_timeout = 60s
		smtputf8_enable = no
		biff = no
	EOF

	# No chroot by default: a chroot would need copies of /etc files in the
	# queue. The smtpd listeners are the only chrooted services with it.
	{
		echo "# Private instance for the spf-milter end-to-end tests."
		for listener in "$@"; do
			address=${listener%=*}
			milter=${listener##*=}
			# Postfix names a TCP milter inet:HOST:PORT.
			case $milter in
			unix:* | inet:*) socket=$milter ;;
			*)
				socket=$(milter_socket "$milter")
				[ -n "${MILTER_TCP_PORT[$milter]:-}" ] && socket=inet:127.0.0.1:${MILTER_TCP_PORT[$milter]}
				;;
			esac
			echo "$address inet n - ${POSTFIX_CHROOT:-n} - - smtpd -o smtpd_milters=$socket"
		done
		cat <<-EOF
			pickup    unix  n - n 60 1 pickup
			cleanup   unix  n - n - 0 cleanup
			qmgr      unix  n - n 300 1 qmgr
			rewrite   unix  - - n - - trivial-rewrite
			bounce    unix  - - n - 0 bounce
			defer     unix  - - n - 0 bounce
			trace     unix  - - n - 0 bounce
			verify    unix  - - n - 1 verify
			flush     unix  n - n 1000? 0 flush
			proxymap  unix  - - n - - proxymap
			smtp      unix  - - n - - smtp
			relay     unix  - - n - - smtp
			showq     unix  n - n - - showq
			error     unix  - - n - - error
			retry     unix  - - n - - error
			discard   unix  - - n - - discard
			anvil     unix  - - n - 1 anvil
			scache    unix  - - n - 1 scache
			postlog   unix-dgram n - n - 1 postlogd
		EOF
	} >"$dir/etc/master.cf"
	# Postfix waits until its configuration is a few seconds old before it
	# trusts it; backdating the files saves that wait.
	touch -d "@$(($(date +%s) - 10))" "$dir/etc/main.cf" "$dir/etc/master.cf"

	if ! postfix -c "$dir/etc" check >"$dir/start.log" 2>&1 ||
		! postfix -c "$dir/etc" start >>"$dir/start.log" 2>&1; then
		cat "$dir/start.log" "$dir/maillog" >&2
		die "postfix did not start"
	fi
	for listener in "$@"; do
		wait_for_port "${listener%=*}" 20 || {
			tail -n 20 "$dir/maillog" >&2
			die "postfix did not listen on ${listener%=*}"
		}
	done
	POSTFIX_PID=$(tr -dc 0-9 <"$dir/queue/pid/master.pid")
	log "postfix: master pid $POSTFIX_PID, listeners $*"
}

postfix_down() {
	[ -n "${POSTFIX_PID:-}" ] || return 0
	running "$POSTFIX_PID" && postfix -c "$RUN/postfix/etc" stop >>"$RUN/postfix/start.log" 2>&1
	stop_pid "$POSTFIX_PID" 10
}

# postfix_client_args PORT CLIENT: smtp_send.py options to reach the listener
# on PORT as CLIENT. 127.0.0.1 is itself; any other address is presented with
# XCLIENT (Postfix trusts it from 127.0.0.1).
postfix_client_args() {
	case $2 in
	127.0.0.1) echo "--port $1" ;;
	*) echo "--port $1 --xclient-addr $2" ;;
	esac
}

# postfix_reply_prefix ADDRESS CODE: what Postfix puts before a milter's reply
# text at MAIL FROM or RCPT TO: nothing.
postfix_reply_prefix() {
	:
}
