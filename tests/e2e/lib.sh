# shellcheck shell=bash
# tests/e2e/lib.sh: what every end-to-end script shares (sourced, never run).
#
#   in_private_network  re-run the calling script in its own network namespace
#   ok / not_ok / check / finish   count checks, print "N passed, M failed"
#   wait_for_port / wait_for_socket / wait_for_file   readiness, bounded in time
#   stop_pid            stop one process the test started, by its PID
#
# The tests run as root (CI does): they create a network namespace, start
# Postfix's master and a private Sendmail. Anyone else gets exit code 77, which
# CTest reports as skipped.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Debian's own interpreter: the helpers use the standard library only.
PYTHON=${PYTHON:-/usr/bin/python3}

PASSED=0
FAILED=0

log() { printf '# %s\n' "$*"; }
die() {
	printf 'FATAL: %s\n' "$*" >&2
	exit 1
}

require_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: the end-to-end tests need root (network namespace, MTAs)"
		exit 77
	fi
}

# in_private_network SCRIPT ARGS...: re-executes SCRIPT in a new network and
# UTS namespace, unless already inside one. In there only loopback exists, so
# every port is free, nothing reaches the outside, and the test may give "lo"
# the documentation addresses its SMTP clients connect from (client_addresses).
# The UTS namespace lets the test name the host: Sendmail sleeps 60 s at start
# when the host name has no dot. The namespace ends with its last process.
in_private_network() {
	local here
	here=$(readlink /proc/self/ns/net)
	[ "${SPF_E2E_NETNS:-}" = "$here" ] && return 0
	command -v unshare >/dev/null || die "unshare (util-linux) is missing"
	exec unshare --net --uts -- "$BASH" -c \
		'export SPF_E2E_NETNS=$(readlink /proc/self/ns/net); exec "$@"' in_private_network "$BASH" "$@"
}

# client_addresses ADDR...: puts each address on "lo", brings "lo" up, and
# names the host mta.test (inside the namespaces only).
client_addresses() {
	local address
	ip link set lo up || die "cannot bring up lo in the test's network namespace"
	for address in "$@"; do
		case $address in
		*:*) ip -6 addr add "$address/128" dev lo nodad ;;
		*) ip addr add "$address/32" dev lo ;;
		esac || die "cannot add $address to lo"
	done
	hostname mta.test
}

ok() {
	PASSED=$((PASSED + 1))
	echo "ok   - $*"
}

not_ok() {
	FAILED=$((FAILED + 1))
	echo "FAIL - $*"
}

# check DESCRIPTION COMMAND...: one check, passed when COMMAND succeeds.
check() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else not_ok "$what"; fi
}

# finish: the closing line; the exit status says whether everything passed.
# A run that checked nothing has not passed: it counts as one failure.
finish() {
	[ $((PASSED + FAILED)) -gt 0 ] || not_ok "no check ran"
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}

# end_test STATUS LOG_HINT: the end of every test's post step, once its services
# are stopped. Names the logs when something failed, removes the run directory,
# counts a step that died (STATUS not 0) as a failure, prints the closing line and
# exits with the verdict (a bare exit in an EXIT trap would keep the old status).
end_test() {
	if [ -n "${RUN:-}" ]; then
		[ "$FAILED" -eq 0 ] || log "$2"
		remove_run_dir
	fi
	[ "$1" -eq 0 ] || not_ok "the test stopped early (exit status $1)"
	finish
	exit $?
}

# wait_for_port ADDRESS:PORT [SECONDS]: true once a TCP socket listens there
# (127.0.0.1:25, [::1]:25). Asks ss(8) rather than connecting, so that no MTA
# opens a milter session for the probe.
wait_for_port() {
	local tenths=$((${2:-20} * 10))
	while [ "$tenths" -gt 0 ]; do
		ss -Hltn | awk '{ print $4 }' | grep -qxF -- "$1" && return 0
		sleep 0.1
		tenths=$((tenths - 1))
	done
	return 1
}

# wait_for_socket PATH [SECONDS]: true once PATH is a unix socket.
wait_for_socket() {
	local path=$1 tenths=$((${2:-20} * 10))
	while [ "$tenths" -gt 0 ]; do
		[ -S "$path" ] && return 0
		sleep 0.1
		tenths=$((tenths - 1))
	done
	return 1
}

# wait_for_file PATH [SECONDS]: true once PATH exists and is not empty.
wait_for_file() {
	local path=$1 tenths=$((${2:-20} * 10))
	while [ "$tenths" -gt 0 ]; do
		[ -s "$path" ] && return 0
		sleep 0.1
		tenths=$((tenths - 1))
	done
	return 1
}

# running PID: true while PID is alive and not a zombie waiting to be reaped.
running() {
	kill -0 "$1" 2>/dev/null || return 1
	[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# stop_pid PID [SECONDS]: SIGTERM, then SIGKILL if PID outlives SECONDS
# (default 10). Returns 0 if it stopped on SIGTERM.
stop_pid() {
	local pid=$1 tenths=$((${2:-10} * 10))
	[ -n "$pid" ] || return 0
	running "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	while [ "$tenths" -gt 0 ]; do
		running "$pid" || return 0
		sleep 0.1
		tenths=$((tenths - 1))
	done
	echo "# pid $pid ignored SIGTERM, sending SIGKILL" >&2
	kill -KILL "$pid" 2>/dev/null
	return 1
}

# make_run_dir NAME: a fresh directory for one run's files (configs, queues,
# sockets, logs, delivered mail), readable by the postfix user. Kept after a
# failure so the logs can be read; SPF_E2E_KEEP=1 keeps it always.
make_run_dir() {
	RUN=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	chmod 755 "$RUN"
	log "run directory: $RUN"
}

remove_run_dir() {
	if [ "$FAILED" -eq 0 ] && [ "${SPF_E2E_KEEP:-0}" != 1 ]; then
		rm -rf "$RUN"
	else
		log "kept $RUN for inspection"
	fi
}
