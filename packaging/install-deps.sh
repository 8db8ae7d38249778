#!/bin/sh
# install-deps.sh [--package|--test]: install what spf-milter needs on Debian 12, as root.
#   (no option)  the build dependencies: compiler, CMake, ldns, Boost, libmilter,
#                libsystemd (sd_notify)
#   --package    also what packaging/build-deb.sh needs: debhelper, dpkg-dev,
#                build-essential, fakeroot, lintian
#   --test       also what the tests need: GoogleTest, Google Benchmark, libspf2
#                (a peer of the benchmarks), pyspf-milter (the peer of the milter
#                benchmark; installed with its service neither started nor enabled),
#                postfix-policyd-spf-python (its default file, for --convert-config), yaml-cpp,
#                the openspf RFC 7208 suite (python3-spf), Postfix, swaks, miltertest,
#                clang-format and clang-tidy (the lint tests), Prometheus and
#                prometheus-node-exporter (the metrics test; services neither
#                started nor enabled), the --package
#                ones (the package test builds the .deb), and a private
#                unpacked Sendmail for the end-to-end tests
# Only Debian packages are installed; nothing else is downloaded.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

build_packages="g++ cmake make pkg-config libldns-dev libboost-dev libmilter-dev libsystemd-dev"
test_packages="googletest libgtest-dev libgmock-dev libbenchmark-dev libspf2-dev libyaml-cpp-dev zlib1g-dev
  python3 python3-spf pyspf-milter postfix-policyd-spf-python postfix sasl2-bin libsasl2-modules iproute2 util-linux procps
  clang-format-14 clang-tidy-14 prometheus prometheus-node-exporter"
package_packages="build-essential dpkg-dev debhelper fakeroot lintian"

packages=$build_packages
case ${1:-} in
"") ;;
--package) packages="$packages $package_packages" ;;
--test) packages="$packages $package_packages $test_packages" ;;
*)
    echo "usage: $0 [--package|--test]" >&2
    exit 2
    ;;
esac

export DEBIAN_FRONTEND=noninteractive
# Postfix asks how to configure the system instance: it is not used here.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -q
# The maintainer scripts of pyspf-milter, prometheus and prometheus-node-exporter
# start their services (pyspf-milter on inet:8893@localhost, Prometheus on :9090)
# and enable them at boot, unless a policy-rc.d forbids it (as in most
# containers): the tests start their own instances, so forbid service starts for
# this install when no policy says otherwise, and keep the newly installed ones
# off at boot.
services="pyspf-milter prometheus prometheus-node-exporter"
new_services=
if [ "${1:-}" = "--test" ]; then
    for service in $services; do
        dpkg-query -W -f='${Status}' "$service" 2>/dev/null | grep -q 'ok installed' ||
            new_services="$new_services $service"
    done
fi
policy=/usr/sbin/policy-rc.d
own_policy=no
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# made by install-deps.sh for the time of its apt-get install\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=yes
    trap 'rm -f "$policy"' EXIT
fi
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $packages
if [ "$own_policy" = yes ]; then
    rm -f "$policy"
    trap - EXIT
fi
for service in $new_services; do
    update-rc.d "$service" disable >/dev/null 2>&1 || true
    deb-systemd-helper disable "$service.service" >/dev/null 2>&1 || true
done

if [ "${1:-}" = "--test" ]; then
    "$here/../tests/e2e/fetch-sendmail.sh"
fi
