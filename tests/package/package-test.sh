#!/usr/bin/env bash
# tests/package/package-test.sh: the Debian package, as an administrator gets it.
#
#   build    packaging/build-deb.sh (lintian must find no error), unless
#            $SPF_PACKAGE_DEB names a spf-milter_*.deb built already
#   install  dpkg -i; the files dpkg -L lists, the conffile, the user and group,
#            the socket directories of tmpfiles.d, stripped programs with a
#            dbgsym package; the installed spf-milter -n on the installed
#            /etc/spf-milter.conf; systemd-analyze verify on the installed unit
#   mail     the Postfix cases of tests/e2e through a private Postfix whose
#            smtpd is chrooted (master.cf chroot y), with the main.cf line and
#            the group change README.Debian documents, against the INSTALLED
#            daemon started as the unit would start it (its ExecStart, User=,
#            Group=, UMask=; no systemd here) with only the test's overrides:
#            -f (log to a file), -p (the socket inside this Postfix's queue
#            directory) and --dns-server (the loopback DNS server)
#   purge    dpkg --purge; nothing the package made is left
#
# Needs root (else exit 77), the packages of packaging/install-deps.sh --test,
# and $SPF_TEST_DNS (the spf-test-dns of a test build; tests/run-all.sh sets
# it). Refuses to run where spf-milter is installed or a user spf-milter exists:
# it would purge them. Whatever happens, the package is purged at the end and
# the machine is left as it was. Prints every check and "N passed, M failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
require_root
in_private_network "$0" "$@"
. "$E2E_DIR/sink.sh"
. "$E2E_DIR/dns.sh"
. "$E2E_DIR/postfix.sh"
. "$E2E_DIR/mta-cases.sh"

: "${SPF_TEST_DNS:?set SPF_TEST_DNS to the spf-test-dns program}"

PACKAGE=spf-milter
CONF=/etc/spf-milter.conf
UNIT=/lib/systemd/system/spf-milter.service
TMPFILES=/usr/lib/tmpfiles.d/spf-milter.conf
CHROOT_SOCKET_DIR=/var/spool/postfix/spf-milter
# What README.Debian tells the administrator to write in main.cf.
MAIN_CF_MILTER=unix:spf-milter/spf-milter.sock
# Every file and directory the package or its maintainer scripts make.
PACKAGE_FILES=(/usr/sbin/spf-milter /usr/bin/spf-query "$CONF" "$UNIT" "$TMPFILES"
	/usr/share/man/man8/spf-milter.8.gz /usr/share/man/man5/spf-milter.conf.5.gz
	/usr/share/man/man1/spf-query.1.gz /usr/share/doc/spf-milter/README.Debian
	/usr/share/doc/spf-milter/copyright)
MADE_BY_SCRIPTS=(/run/spf-milter "$CHROOT_SOCKET_DIR"
	/etc/systemd/system/multi-user.target.wants/spf-milter.service
	/var/lib/systemd/deb-systemd-helper-enabled/spf-milter.service.dsh-also
	/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/spf-milter.service)

# Read by mta-cases.sh.
# shellcheck disable=SC2034
MTA=postfix
MTA_HOST=mx.postfix.test
SINK_PORT=10025
declare -A PORT=([default]=2525 [absent]=2529)

installed() {
	dpkg-query -W -f='${db:Status-Status}' "$PACKAGE" 2>/dev/null | grep -qv '^not-installed$'
}

# expect_output DESCRIPTION PATTERN COMMAND...: COMMAND succeeds and prints a
# line matching the extended regular expression PATTERN; shows it otherwise.
expect_output() {
	local what=$1 pattern=$2 out
	shift 2
	if out=$("$@" 2>&1) && grep -qE -- "$pattern" <<<"$out"; then
		ok "$what"
	else
		not_ok "$what"
		sed 's/^/#   got: /' <<<"$out"
	fi
}

# owner_mode PATH: "user:group octal-mode"
owner_mode() {
	stat -c '%U:%G %a' "$1" 2>/dev/null
}

build() {
	if [ -n "${SPF_PACKAGE_DEB:-}" ]; then
		DEB=$SPF_PACKAGE_DEB
		DBGSYM_DEB=$(dirname "$DEB")/$(basename "$DEB" | sed 's/^spf-milter_/spf-milter-dbgsym_/')
		log "package: $DEB (given)"
	else
		local started
		started=$(date +%s)
		"$top/packaging/build-deb.sh" "$RUN/deb" || die "packaging/build-deb.sh failed"
		DEB=$(echo "$RUN"/deb/spf-milter_*.deb)
		DBGSYM_DEB=$(echo "$RUN"/deb/spf-milter-dbgsym_*.deb)
		log "package: built in $(($(date +%s) - started)) s"
	fi
	[ -f "$DEB" ] || die "no package $DEB"
	check "dbgsym package $(basename "$DBGSYM_DEB") built" test -f "$DBGSYM_DEB"
	expect_output "dbgsym package holds the debugging symbols" '/usr/lib/debug/\.build-id/.*\.debug$' \
		dpkg-deb -c "$DBGSYM_DEB"
}

install_package() {
	local path out
	dpkg -i "$DEB" >"$RUN/dpkg-install.log" 2>&1 || {
		cat "$RUN/dpkg-install.log" >&2
		die "dpkg -i $(basename "$DEB") failed"
	}
	ok "dpkg -i $(basename "$DEB")"
	out=$(dpkg -L "$PACKAGE")
	for path in "${PACKAGE_FILES[@]}"; do
		if grep -qxF "$path" <<<"$out" && [ -e "$path" ]; then ok "installed: $path"; else not_ok "installed: $path"; fi
	done
	expect_output "$CONF is a conffile" "^ $CONF [0-9a-f]{32}\$" dpkg-query -W -f='${Conffiles}\n' "$PACKAGE"
	expect_output "the packaged $CONF listens inside Postfix's chroot" \
		"^socket = unix:$CHROOT_SOCKET_DIR/spf-milter.sock\$" cat "$CONF"
	for path in /usr/sbin/spf-milter /usr/bin/spf-query; do
		if readelf -S "$path" 2>/dev/null | grep -q '\.symtab\|\.debug_info'; then
			not_ok "$path is stripped"
		else
			ok "$path is stripped"
		fi
	done

	expect_output "system user spf-milter, home /nonexistent, no login" \
		'^spf-milter:x:[0-9]+:[0-9]+:.*:/nonexistent:/usr/sbin/nologin$' getent passwd spf-milter
	check "system group spf-milter" getent group spf-milter
	check "user spf-milter's uid is a system one (< 1000)" \
		test "$(id -u spf-milter 2>/dev/null || echo 65535)" -lt 1000
	for path in /run/spf-milter "$CHROOT_SOCKET_DIR"; do
		check "tmpfiles.d made $path (spf-milter:spf-milter 750)" \
			test "$(owner_mode "$path")" = "spf-milter:spf-milter 750"
	done

	expect_output "installed spf-milter -n accepts the installed $CONF" \
		"^socket = unix:$CHROOT_SOCKET_DIR/spf-milter.sock\$" /usr/sbin/spf-milter -n
	if out=$(systemd-analyze verify "$UNIT" 2>&1) && [ -z "$out" ]; then
		ok "systemd-analyze verify $UNIT: no error, no warning"
	else
		not_ok "systemd-analyze verify $UNIT: no error, no warning"
		sed 's/^/#   got: /' <<<"$out"
	fi
	expect_output "the unit writes where the chroot socket is (ReadWritePaths=-$CHROOT_SOCKET_DIR)" \
		"^ReadWritePaths=-$CHROOT_SOCKET_DIR\$" cat "$UNIT"
	exposure=$(systemd-analyze security --offline=yes "$UNIT" 2>/dev/null |
		sed -n 's/.*Overall exposure level for spf-milter.service: \([0-9.]*\).*/\1/p')
	if [ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 4.0) }'; then
		ok "systemd-analyze security: exposure $exposure (at most 4.0)"
	else
		not_ok "systemd-analyze security: exposure '${exposure}' (at most 4.0)"
	fi
}

# unit_value KEY: the value of KEY= in the installed unit.
unit_value() {
	sed -n "s/^$1=//p" "$UNIT" | tail -n 1
}

# milter_up SOCKET: the installed daemon as the unit starts it, plus -f, -p
# SOCKET and --dns-server.
milter_up() {
	local socket=$1 user group umask_value exec_start
	user=$(unit_value User)
	group=$(unit_value Group)
	umask_value=$(unit_value UMask)
	exec_start=$(unit_value ExecStart)
	check "the unit's ExecStart runs the installed /usr/sbin/spf-milter" test "${exec_start%% *}" = /usr/sbin/spf-milter
	# shellcheck disable=SC2086
	(umask "$umask_value" && exec setpriv --reuid="$user" --regid="$group" --init-groups --no-new-privs \
		--inh-caps=-all --bounding-set=-all -- $exec_start -f -p "unix:$socket" \
		--dns-server "127.0.0.1:$DNS_PORT") </dev/null >"$RUN/milter.log" 2>&1 &
	MILTER_PID=$!
	wait_for_socket "$socket" 10 || {
		cat "$RUN/milter.log" >&2
		die "the installed spf-milter is not listening on $socket"
	}
	log "milter: pid $MILTER_PID as $user:$group on $socket"
	check "the daemon runs as user spf-milter" \
		test "$(awk '/^Uid:/ { print $2 }' "/proc/$MILTER_PID/status")" = "$(id -u spf-milter)"
	check "its socket is spf-milter:spf-milter 660 (socket_mode of $CONF)" \
		test "$(owner_mode "$socket")" = "spf-milter:spf-milter 660"
}

milter_down() {
	[ -n "${MILTER_PID:-}" ] || return 0
	local status
	stop_pid "$MILTER_PID" 15
	wait "$MILTER_PID"
	status=$?
	check "milter: exit status 0 after SIGTERM (got $status)" test "$status" -eq 0
	MILTER_PID=
}

# smtpd_chrooted: some smtpd of this test's Postfix has its queue directory as root.
smtpd_chrooted() {
	local pid
	for pid in $(ps -C smtpd -o pid=); do
		[ "$(readlink "/proc/$pid/root")" = "$RUN/postfix/queue" ] && return 0
	done
	return 1
}

mail() {
	local queue=$RUN/postfix/queue socket_dir
	client_addresses 192.0.2.25 198.51.100.7 2001:db8::25
	dns_up "$E2E_DIR/world.zone"
	sink_up "$SINK_PORT"
	# The private Postfix's counterpart of $CHROOT_SOCKET_DIR, as tmpfiles.d makes it.
	socket_dir=$queue/spf-milter
	mkdir -p "$queue"
	chmod 755 "$RUN/postfix" "$queue"
	install -d -o spf-milter -g spf-milter -m 0750 "$socket_dir"
	milter_up "$socket_dir/spf-milter.sock"
	# README.Debian's group change.
	adduser --quiet postfix spf-milter || die "adduser postfix spf-milter failed"
	# Read by postfix.sh: smtpd chrooted, as Debian's Postfix runs it.
	# shellcheck disable=SC2034
	POSTFIX_CHROOT=y
	postfix_up "$SINK_PORT" "127.0.0.1:${PORT[default]}=$MAIN_CF_MILTER" "[::1]:${PORT[default]}=$MAIN_CF_MILTER" \
		"127.0.0.1:${PORT[absent]}=unix:spf-milter/absent.sock"
	expect_output "master.cf: smtpd chrooted, smtpd_milters=$MAIN_CF_MILTER" \
		"^127\.0\.0\.1:${PORT[default]} inet n - y - - smtpd -o smtpd_milters=$MAIN_CF_MILTER\$" \
		cat "$RUN/postfix/etc/master.cf"

	log "cases through a chrooted Postfix ($MTA_HOST) and the installed spf-milter"
	case_pass
	check "smtpd ran chrooted in $queue" smtpd_chrooted
	case_pass_ipv6
	case_fail
	case_fail_explanation_with_percent
	case_softfail
	case_neutral
	case_none
	case_temperror
	case_permerror_accepted
	case_null_sender_pass
	case_null_sender_fail
	case_helo_fail_accepted
	case_trusted_client
	case_authenticated_client
	case_forged_authentication_results
	case_milter_unreachable
	case_refused_mail_never_delivered

	postfix_down
	milter_down
	dns_down
	sink_down
}

purge() {
	local path
	dpkg --purge "$PACKAGE" >"$RUN/dpkg-purge.log" 2>&1
	check "dpkg --purge $PACKAGE" test $? -eq 0
	check "$PACKAGE is not installed, no config-files left" bash -c "! dpkg-query -W -f='\${db:Status-Status}' $PACKAGE 2>/dev/null | grep -qv '^not-installed\$'"
	check "purge removed user spf-milter" bash -c '! getent passwd spf-milter'
	check "purge removed group spf-milter" bash -c '! getent group spf-milter'
	check "postfix is in no spf-milter group any more" bash -c '! id -nG postfix | grep -qw spf-milter'
	for path in "${PACKAGE_FILES[@]}" "${MADE_BY_SCRIPTS[@]}" /usr/share/doc/spf-milter; do
		check "purge removed $path" test ! -e "$path" -a ! -L "$path"
	done
	check "purge removed $CONF.dpkg-*" bash -c "! ls -d $CONF.* 2>/dev/null"
}

# Everything stopped, and the package purged even when a step died: the
# machine stays as it was.
post() {
	local status=$?
	trap - EXIT
	# A reader that went away (| head) must not stop the cleanup halfway.
	trap '' PIPE
	postfix_down
	if [ -n "${MILTER_PID:-}" ]; then stop_pid "$MILTER_PID" 15; fi
	dns_down
	sink_down
	if [ "${OWN_INSTALL:-no}" = yes ] && installed; then
		log "purging $PACKAGE after a failed step"
		dpkg --purge "$PACKAGE" >>"$RUN/dpkg-purge.log" 2>&1 || not_ok "dpkg --purge $PACKAGE after the failure"
	fi
	end_test "$status" "logs: $RUN/dpkg-*.log, $RUN/milter.log, $RUN/postfix/maillog, $RUN/sink/"
}

installed && die "$PACKAGE is installed on this machine: this test installs and purges its own"
getent passwd spf-milter >/dev/null && die "a user spf-milter exists on this machine: this test's purge would remove it"
getent group spf-milter >/dev/null && die "a group spf-milter exists on this machine: this test's purge would remove it"
for program in dpkg-deb readelf setpriv systemd-analyze adduser; do
	command -v "$program" >/dev/null || die "$program is missing (packaging/install-deps.sh --test)"
done
postfix_available

trap post EXIT
# Interrupted, the shell still runs post (the EXIT trap) before it ends.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 141' PIPE
make_run_dir package-test
build
OWN_INSTALL=yes
install_package
mail
purge
exit 0
