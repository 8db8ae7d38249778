#!/bin/sh
# install-deps.sh [--test]: install what spf-milter needs on Debian 12, as root.
#   (no option)  the build dependencies: compiler, CMake, ldns, Boost, libmilter
#   --test       also what the tests need: GoogleTest, Google Benchmark, libspf2
#                (a peer of the benchmarks), yaml-cpp,
#                the openspf RFC 7208 suite (python3-spf), Postfix, swaks, miltertest,
#                clang-format and clang-tidy (the lint tests), and a private
#                unpacked Sendmail for the end-to-end tests
# Only Debian packages are installed; nothing else is downloaded.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

build_packages="g++ cmake make pkg-config libldns-dev libboost-dev libmilter-dev"
test_packages="googletest libgtest-dev libgmock-dev libbenchmark-dev libspf2-dev libyaml-cpp-dev zlib1g-dev
  python3 python3-spf postfix sasl2-bin libsasl2-modules iproute2 util-linux procps
  clang-format-14 clang-tidy-14"

packages=$build_packages
[ "${1:-}" = "--test" ] && packages="$packages $test_packages"

export DEBIAN_FRONTEND=noninteractive
# Postfix asks how to configure the system instance: it is not used here.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $packages

if [ "${1:-}" = "--test" ]; then
    "$here/../tests/e2e/fetch-sendmail.sh"
fi
