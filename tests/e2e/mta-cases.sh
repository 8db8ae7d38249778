# shellcheck shell=bash
# tests/e2e/mta-cases.sh: the end-to-end cases, the same for Postfix and
# Sendmail (sourced by e2e.sh, which has started everything). Each case is one
# SMTP session through one of the MTA's listeners, that is through one milter
# config of milters/, from one client address of world.zone:
#   192.0.2.25 / 2001:db8::25  mail.example.com, designated by every domain
#   198.51.100.7               a stranger, designated by none
#   127.0.0.1                  trusted by default: never checked
# and asserts the exact SMTP reply (code, enhanced code, text) and, for mail
# that gets through, the exact header fields the milter put above the MTA's
# own Received: field. Refused mail must never reach the sink.

# smtp LISTENER CLIENT HELO FROM SUBJECT [smtp_send.py options]: one session;
# prints the server's replies, one line each ("MAIL 550 5.7.23 ...").
smtp() {
	local listener=$1 client=$2 helo=$3 from=$4 subject=$5
	shift 5
	# shellcheck disable=SC2046
	"$PYTHON" "$E2E_DIR/smtp_send.py" $("${MTA}_client_args" "${PORT[$listener]}" "$client") \
		--helo "$helo" --from "$from" --subject "$subject" "$@"
}

# expect_line CASE WHAT OUTPUT LINE: OUTPUT has exactly LINE as one of its lines.
expect_line() {
	if grep -qxF -- "$4" <<<"$3"; then
		ok "$1: $2"
		echo "#   $4"
	else
		not_ok "$1: $2"
		echo "#   expected: $4"
		sed 's/^/#   got:      /' <<<"$3"
	fi
}

# expect_accepted CASE OUTPUT: the MTA took the message (250 after DATA).
expect_accepted() {
	if grep -q '^DATA 250 2\.0\.0 ' <<<"$2"; then
		ok "$1: accepted (250 2.0.0 after DATA)"
	else
		not_ok "$1: accepted (250 2.0.0 after DATA)"
		sed 's/^/#   got: /' <<<"$2"
	fi
}

# expect_headers CASE SUBJECT [FIELD...]: the message with SUBJECT reached the
# sink, and the header fields above the MTA's first Received: field are exactly
# FIELD... (unfolded), in that order.
expect_headers() {
	local name=$1 subject=$2 message above expected
	shift 2
	if ! message=$(delivered "$subject"); then
		not_ok "$name: delivered to the sink"
		return
	fi
	ok "$name: delivered to the sink"
	above=$(header_block "$message" | sed '/^Received: /,$d')
	expected=$(printf '%s\n' "$@" | sed '/^$/d')
	if [ "$above" = "$expected" ] &&
		header_block "$message" | grep -q "^Received: .*[[:space:]]by $MTA_HOST "; then
		ok "$name: ${#@} milter header field(s) above $MTA_HOST's Received:"
	else
		not_ok "$name: ${#@} milter header field(s) above $MTA_HOST's Received:"
		printf '#   expected: %s\n' "$@"
		header_block "$message" | sed 's/^/#   got:      /'
	fi
}

# expect_field CASE SUBJECT FIELD: the delivered message has the header field
# FIELD somewhere (exact line, unfolded); expect_no_field: it has not.
expect_field() {
	local message
	message=$(delivered "$2") && header_block "$message" | grep -qxF -- "$3"
	check "$1: keeps \"$3\"" test $? -eq 0
}
expect_no_field() {
	local message
	message=$(delivered "$2") && ! header_block "$message" | grep -qxF -- "$3"
	check "$1: removed \"$3\"" test $? -eq 0
}

REFUSED=()
# refused SUBJECT: remember that this message must never reach the sink.
refused() {
	REFUSED+=("$1")
}

# reply CODE ESC ADDRESS TEXT: a milter's reply at MAIL FROM or RCPT TO as
# this MTA shows it: "550 5.7.23 TEXT", where Sendmail puts "<address>... "
# before the text of a permanent (5xx) reply.
reply() {
	printf '%s %s %s%s' "$1" "$2" "$("${MTA}_reply_prefix" "$3" "$1")" "$4"
}

# The header fields of spf-milter are written out in full below, as they
# appear in the delivered message (unfolded), with H for the MTA's host name:
# the milter's default authserv-id and receiver (macro {j}). Top down:
# Authentication-Results (both identities), then Received-SPF for MAIL FROM,
# then Received-SPF for HELO (RFC 7208 §9.1, RFC 8601).

# case_pass [tcp]: through the default milter, or the same config over TCP.
case_pass() {
	local H=$MTA_HOST out listener=${1:-default} name=pass${1:+-$1}
	out=$(smtp "$listener" 192.0.2.25 mail.example.com alice@pass.example "$name" --to bob@example.net)
	expect_accepted "$name" "$out"
	expect_headers "$name" "$name" \
		"Authentication-Results: $H; spf=pass (domain of alice@pass.example designates 192.0.2.25 as permitted sender) smtp.mailfrom=alice@pass.example; spf=pass smtp.helo=mail.example.com" \
		"Received-SPF: pass ($H: domain of alice@pass.example designates 192.0.2.25 as permitted sender) receiver=$H; client-ip=192.0.2.25; envelope-from=\"alice@pass.example\"; helo=mail.example.com; identity=mailfrom; mechanism=\"a:mail.example.com\"" \
		"Received-SPF: pass ($H: domain of postmaster@mail.example.com designates 192.0.2.25 as permitted sender) receiver=$H; client-ip=192.0.2.25; envelope-from=\"alice@pass.example\"; helo=mail.example.com; identity=helo; mechanism=a"
}

case_pass_ipv6() {
	local H=$MTA_HOST out
	out=$(smtp default 2001:db8::25 mail.example.com alice@pass.example pass-ipv6 --to bob@example.net)
	expect_accepted pass-ipv6 "$out"
	expect_headers pass-ipv6 pass-ipv6 \
		"Authentication-Results: $H; spf=pass (domain of alice@pass.example designates 2001:db8::25 as permitted sender) smtp.mailfrom=alice@pass.example; spf=pass smtp.helo=mail.example.com" \
		"Received-SPF: pass ($H: domain of alice@pass.example designates 2001:db8::25 as permitted sender) receiver=$H; client-ip=2001:db8::25; envelope-from=\"alice@pass.example\"; helo=mail.example.com; identity=mailfrom; mechanism=\"a:mail.example.com\"" \
		"Received-SPF: pass ($H: domain of postmaster@mail.example.com designates 2001:db8::25 as permitted sender) receiver=$H; client-ip=2001:db8::25; envelope-from=\"alice@pass.example\"; helo=mail.example.com; identity=helo; mechanism=a"
}

case_fail() {
	local out listener=${1:-default} name=fail${1:+-$1}
	out=$(smtp "$listener" 198.51.100.7 stranger.example.net mallory@fail.example "$name" --to bob@example.net)
	expect_line "$name" "refused at MAIL FROM with the domain's exp= explanation" "$out" \
		"MAIL $(reply 550 5.7.23 '<mallory@fail.example>' \
			"198.51.100.7 is not one of fail.example's designated mail servers")"
	refused "$name"
}

# An explanation with a percent sign ("%%" in exp= text): the client must see
# it whole (a single '%' in a milter's reply text is taken as a format by the
# MTA, which then drops the text).
case_fail_explanation_with_percent() {
	local out
	out=$(smtp default 198.51.100.7 stranger.example.net mallory@percent.example fail-percent --to bob@example.net)
	expect_line fail-percent "refused with the percent sign of the explanation intact" "$out" \
		"MAIL $(reply 550 5.7.23 '<mallory@percent.example>' \
			"100% sure: 198.51.100.7 may not send for percent.example")"
	refused fail-percent
}

case_softfail() {
	local H=$MTA_HOST out
	out=$(smtp default 198.51.100.7 stranger.example.net mallory@softfail.example softfail --to bob@example.net)
	expect_accepted softfail "$out"
	expect_headers softfail softfail \
		"Authentication-Results: $H; spf=softfail (domain of transitioning mallory@softfail.example does not designate 198.51.100.7 as permitted sender) smtp.mailfrom=mallory@softfail.example; spf=none smtp.helo=stranger.example.net" \
		"Received-SPF: softfail ($H: domain of transitioning mallory@softfail.example does not designate 198.51.100.7 as permitted sender) receiver=$H; client-ip=198.51.100.7; envelope-from=\"mallory@softfail.example\"; helo=stranger.example.net; identity=mailfrom; mechanism=~all" \
		"Received-SPF: none ($H: domain of postmaster@stranger.example.net does not designate permitted sender hosts) receiver=$H; client-ip=198.51.100.7; envelope-from=\"mallory@softfail.example\"; helo=stranger.example.net; identity=helo"
}

case_neutral() {
	local H=$MTA_HOST out
	out=$(smtp default 198.51.100.7 stranger.example.net mallory@neutral.example neutral --to bob@example.net)
	expect_accepted neutral "$out"
	expect_headers neutral neutral \
		"Authentication-Results: $H; spf=neutral (198.51.100.7 is neither permitted nor denied by domain of mallory@neutral.example) smtp.mailfrom=mallory@neutral.example; spf=none smtp.helo=stranger.example.net" \
		"Received-SPF: neutral ($H: 198.51.100.7 is neither permitted nor denied by domain of mallory@neutral.example) receiver=$H; client-ip=198.51.100.7; envelope-from=\"mallory@neutral.example\"; helo=stranger.example.net; identity=mailfrom; mechanism=?all" \
		"Received-SPF: none ($H: domain of postmaster@stranger.example.net does not designate permitted sender hosts) receiver=$H; client-ip=198.51.100.7; envelope-from=\"mallory@neutral.example\"; helo=stranger.example.net; identity=helo"
}

case_none() {
	local H=$MTA_HOST out
	out=$(smtp default 198.51.100.7 stranger.example.net someone@none.example none --to bob@example.net)
	expect_accepted none "$out"
	expect_headers none none \
		"Authentication-Results: $H; spf=none (domain of someone@none.example does not designate permitted sender hosts) smtp.mailfrom=someone@none.example; spf=none smtp.helo=stranger.example.net" \
		"Received-SPF: none ($H: domain of someone@none.example does not designate permitted sender hosts) receiver=$H; client-ip=198.51.100.7; envelope-from=\"someone@none.example\"; helo=stranger.example.net; identity=mailfrom" \
		"Received-SPF: none ($H: domain of postmaster@stranger.example.net does not designate permitted sender hosts) receiver=$H; client-ip=198.51.100.7; envelope-from=\"someone@none.example\"; helo=stranger.example.net; identity=helo"
}

case_temperror() {
	local out
	out=$(smtp default 192.0.2.25 mail.example.com alice@temperror.example temperror --to bob@example.net)
	expect_line temperror "tempfailed at MAIL FROM (451 4.7.24)" "$out" \
		"MAIL $(reply 451 4.7.24 '<alice@temperror.example>' \
			"SPF temperror: temporary DNS failure checking temperror.example, try again later")"
	refused temperror
}

case_permerror_accepted() {
	local H=$MTA_HOST out problem="2 SPF records at permerror.example (exactly one is allowed)"
	out=$(smtp default 192.0.2.25 mail.example.com alice@permerror.example permerror-accepted --to bob@example.net)
	expect_accepted permerror-accepted "$out"
	expect_headers permerror-accepted permerror-accepted \
		"Authentication-Results: $H; spf=permerror (permanent error in processing domain of alice@permerror.example: 2 SPF records at permerror.example \\(exactly one is allowed\\)) smtp.mailfrom=alice@permerror.example; spf=pass smtp.helo=mail.example.com" \
		"Received-SPF: permerror ($H: permanent error in processing domain of alice@permerror.example: 2 SPF records at permerror.example \\(exactly one is allowed\\)) receiver=$H; client-ip=192.0.2.25; envelope-from=\"alice@permerror.example\"; helo=mail.example.com; identity=mailfrom; problem=\"$problem\"" \
		"Received-SPF: pass ($H: domain of postmaster@mail.example.com designates 192.0.2.25 as permitted sender) receiver=$H; client-ip=192.0.2.25; envelope-from=\"alice@permerror.example\"; helo=mail.example.com; identity=helo; mechanism=a"
}

case_permerror_rejected() {
	local out
	out=$(smtp strict 192.0.2.25 mail.example.com alice@permerror.example permerror-rejected --to bob@example.net)
	expect_line permerror-rejected "refused at MAIL FROM with 550 5.7.24 (permerror_action = reject)" "$out" \
		"MAIL $(reply 550 5.7.24 '<alice@permerror.example>' \
			"SPF permerror for permerror.example: 2 SPF records at permerror.example (exactly one is allowed)")"
	refused permerror-rejected
}

# RFC 7208 §2.4: a null reverse-path is checked as postmaster@<HELO name>.
case_null_sender_pass() {
	local H=$MTA_HOST out
	out=$(smtp default 192.0.2.25 mail.example.com '' null-sender-pass --to bob@example.net)
	expect_accepted null-sender-pass "$out"
	expect_headers null-sender-pass null-sender-pass \
		"Authentication-Results: $H; spf=pass (domain of postmaster@mail.example.com designates 192.0.2.25 as permitted sender) smtp.mailfrom=postmaster@mail.example.com; spf=pass smtp.helo=mail.example.com" \
		"Received-SPF: pass ($H: domain of postmaster@mail.example.com designates 192.0.2.25 as permitted sender) receiver=$H; client-ip=192.0.2.25; envelope-from=\"<>\"; helo=mail.example.com; identity=mailfrom; mechanism=a" \
		"Received-SPF: pass ($H: domain of postmaster@mail.example.com designates 192.0.2.25 as permitted sender) receiver=$H; client-ip=192.0.2.25; envelope-from=\"<>\"; helo=mail.example.com; identity=helo; mechanism=a"
}

case_null_sender_fail() {
	local out
	out=$(smtp default 198.51.100.7 mail.example.com '' null-sender-fail --to bob@example.net)
	expect_line null-sender-fail "refused at MAIL FROM, checked as postmaster@mail.example.com" "$out" \
		"MAIL $(reply 550 5.7.23 '<>' \
			"SPF fail: 198.51.100.7 is not allowed to send mail for mail.example.com")"
	refused null-sender-fail
}

# The HELO identity fails (fail-helo.example allows nobody) while MAIL FROM
# passes: the default config only records it, the strict one refuses.
case_helo_fail_accepted() {
	local H=$MTA_HOST out
	out=$(smtp default 192.0.2.25 fail-helo.example alice@pass.example helo-fail-accepted --to bob@example.net)
	expect_accepted helo-fail-accepted "$out"
	expect_headers helo-fail-accepted helo-fail-accepted \
		"Authentication-Results: $H; spf=pass (domain of alice@pass.example designates 192.0.2.25 as permitted sender) smtp.mailfrom=alice@pass.example; spf=fail smtp.helo=fail-helo.example" \
		"Received-SPF: pass ($H: domain of alice@pass.example designates 192.0.2.25 as permitted sender) receiver=$H; client-ip=192.0.2.25; envelope-from=\"alice@pass.example\"; helo=fail-helo.example; identity=mailfrom; mechanism=\"a:mail.example.com\"" \
		"Received-SPF: fail ($H: domain of postmaster@fail-helo.example does not designate 192.0.2.25 as permitted sender) receiver=$H; client-ip=192.0.2.25; envelope-from=\"alice@pass.example\"; helo=fail-helo.example; identity=helo; mechanism=-all"
}

case_helo_fail_rejected() {
	local out
	out=$(smtp strict 192.0.2.25 fail-helo.example alice@pass.example helo-fail-rejected --to bob@example.net)
	expect_line helo-fail-rejected "refused at MAIL FROM for the HELO name (helo_fail_action = reject)" "$out" \
		"MAIL $(reply 550 5.7.23 '<alice@pass.example>' \
			"SPF fail: 192.0.2.25 is not allowed to send mail for fail-helo.example")"
	refused helo-fail-rejected
}

# 127.0.0.1 is in the default trusted_networks: no check, so no header field,
# even for a domain that would fail.
case_trusted_client() {
	local out
	out=$(smtp default 127.0.0.1 mail.example.com alice@fail.example trusted-client --to bob@example.net)
	expect_accepted trusted-client "$out"
	expect_headers trusted-client trusted-client
}

# skip_authenticated = yes: a client that logged in with SMTP AUTH is not
# checked (the MTA tells the milter with the {auth_authen} macro): a domain
# that would fail gets through, without SPF header fields.
case_authenticated_client() {
	local out
	out=$(smtp default 198.51.100.7 stranger.example.net mallory@fail.example authenticated-client \
		--auth alice@example.com:secret --to bob@example.net)
	if grep -q '^AUTH 235 ' <<<"$out"; then
		ok "authenticated-client: logged in with SMTP AUTH (235)"
		grep '^AUTH ' <<<"$out" | sed 's/^/#   /'
	else
		not_ok "authenticated-client: logged in with SMTP AUTH (235)"
		sed 's/^/#   got: /' <<<"$out"
	fi
	expect_accepted authenticated-client "$out"
	expect_headers authenticated-client authenticated-client
}

# RFC 8601 §5: an Authentication-Results field that claims to come from this
# host (our authserv-id) but arrived with the message is removed; one from
# another host is left alone.
case_forged_authentication_results() {
	local H=$MTA_HOST out listener=${1:-default} subject=forged-authentication-results${1:+-$1}
	out=$(smtp "$listener" 192.0.2.25 mail.example.com alice@pass.example $subject --to bob@example.net \
		--header "Authentication-Results: $H; spf=pass smtp.mailfrom=forged@pass.example" \
		--header "Authentication-Results: other.example; spf=fail smtp.mailfrom=alice@pass.example")
	expect_accepted $subject "$out"
	expect_headers $subject $subject \
		"Authentication-Results: $H; spf=pass (domain of alice@pass.example designates 192.0.2.25 as permitted sender) smtp.mailfrom=alice@pass.example; spf=pass smtp.helo=mail.example.com" \
		"Received-SPF: pass ($H: domain of alice@pass.example designates 192.0.2.25 as permitted sender) receiver=$H; client-ip=192.0.2.25; envelope-from=\"alice@pass.example\"; helo=mail.example.com; identity=mailfrom; mechanism=\"a:mail.example.com\"" \
		"Received-SPF: pass ($H: domain of postmaster@mail.example.com designates 192.0.2.25 as permitted sender) receiver=$H; client-ip=192.0.2.25; envelope-from=\"alice@pass.example\"; helo=mail.example.com; identity=helo; mechanism=a"
	expect_no_field $subject $subject \
		"Authentication-Results: $H; spf=pass smtp.mailfrom=forged@pass.example"
	expect_field $subject $subject \
		"Authentication-Results: other.example; spf=fail smtp.mailfrom=alice@pass.example"
}

# reject_at = rcpt: the fail is given at each RCPT TO, except to postmaster,
# which still gets the message (with the fail recorded in its header).
case_reject_at_rcpt() {
	local H=$MTA_HOST out subject=reject-at-rcpt message
	out=$(smtp rcpt 198.51.100.7 stranger.example.net mallory@fail.example $subject \
		--to bob@example.net --to postmaster@example.net)
	if grep -q '^MAIL 250 2\.1\.0 ' <<<"$out"; then ok "$subject: MAIL FROM accepted"; else not_ok "$subject: MAIL FROM accepted"; fi
	expect_line $subject "bob@example.net refused at RCPT TO" "$out" \
		"RCPT <bob@example.net> $(reply 550 5.7.23 '<bob@example.net>' \
			"198.51.100.7 is not one of fail.example's designated mail servers")"
	expect_accepted $subject "$out"
	expect_headers $subject $subject \
		"Authentication-Results: $H; spf=fail (domain of mallory@fail.example does not designate 198.51.100.7 as permitted sender) smtp.mailfrom=mallory@fail.example; spf=none smtp.helo=stranger.example.net" \
		"Received-SPF: fail ($H: domain of mallory@fail.example does not designate 198.51.100.7 as permitted sender) receiver=$H; client-ip=198.51.100.7; envelope-from=\"mallory@fail.example\"; helo=stranger.example.net; identity=mailfrom; mechanism=-all" \
		"Received-SPF: none ($H: domain of postmaster@stranger.example.net does not designate permitted sender hosts) receiver=$H; client-ip=198.51.100.7; envelope-from=\"mallory@fail.example\"; helo=stranger.example.net; identity=helo"
	message=$(delivered $subject) &&
		grep -qxF $'X-Sink-Rcpt-To: <postmaster@example.net>\r' "$message"
	check "$subject: relayed to postmaster@example.net only" test $? -eq 0
}

# dry_run = yes: a fail is accepted, and the header fields tell what it was.
case_dry_run() {
	local H=$MTA_HOST out
	out=$(smtp dry-run 198.51.100.7 stranger.example.net mallory@fail.example dry-run --to bob@example.net)
	expect_accepted dry-run "$out"
	expect_headers dry-run dry-run \
		"Authentication-Results: $H; spf=fail (domain of mallory@fail.example does not designate 198.51.100.7 as permitted sender) smtp.mailfrom=mallory@fail.example; spf=none smtp.helo=stranger.example.net" \
		"Received-SPF: fail ($H: domain of mallory@fail.example does not designate 198.51.100.7 as permitted sender) receiver=$H; client-ip=198.51.100.7; envelope-from=\"mallory@fail.example\"; helo=stranger.example.net; identity=mailfrom; mechanism=-all" \
		"Received-SPF: none ($H: domain of postmaster@stranger.example.net does not designate permitted sender hosts) receiver=$H; client-ip=198.51.100.7; envelope-from=\"mallory@fail.example\"; helo=stranger.example.net; identity=helo"
}

# A milter that cannot be reached: the MTA tempfails (milter_default_action =
# tempfail, Sendmail F=T) rather than let mail through unchecked.
case_milter_unreachable() {
	local out
	out=$(smtp absent 192.0.2.25 mail.example.com alice@pass.example milter-unreachable --to bob@example.net)
	if grep -q '^MAIL 451 4\.' <<<"$out"; then
		ok "milter-unreachable: tempfailed at MAIL FROM (451 4.x.x)"
		grep '^MAIL ' <<<"$out" | sed 's/^/#   /'
	else
		not_ok "milter-unreachable: tempfailed at MAIL FROM (451 4.x.x)"
		sed 's/^/#   got: /' <<<"$out"
	fi
	refused milter-unreachable
}

# Last: by now every accepted message has reached the sink, and a refused one
# would have too.
case_refused_mail_never_delivered() {
	local subject
	for subject in "${REFUSED[@]}"; do
		check "$subject: never reached the sink" never_delivered "$subject"
	done
}

run_cases() {
	log "cases through $MTA ($MTA_HOST)"
	case_pass
	case_pass_ipv6
	case_fail
	case_fail_explanation_with_percent
	case_softfail
	case_neutral
	case_none
	case_temperror
	case_permerror_accepted
	case_permerror_rejected
	case_null_sender_pass
	case_null_sender_fail
	case_helo_fail_accepted
	case_helo_fail_rejected
	case_trusted_client
	case_authenticated_client
	case_forged_authentication_results
	# The same over TCP, where the milter negotiates the same steps and
	# acknowledges each of the MTA's packets at once.
	case_pass tcp
	case_fail tcp
	case_forged_authentication_results tcp
	case_reject_at_rcpt
	case_dry_run
	case_milter_unreachable
	case_refused_mail_never_delivered
}
