#!/bin/sh
# run-all.sh: build spf-milter and run every test (unit tests, the RFC 7208 suite
# in both resolver modes, the milter protocol and end-to-end tests, the soak
# through Postfix, the lint checks), then build again with AddressSanitizer and
# UndefinedBehaviorSanitizer and run them again (without the soak and the lint),
# and last the Debian package: built, installed, run behind a chrooted Postfix,
# purged (tests/package/package-test.sh).
#   tests/run-all.sh [BUILD_DIR_PREFIX]   (default: build)
# Expects the packages of packaging/install-deps.sh --test. Run as root: the
# end-to-end tests start private Postfix and Sendmail instances.
#
# Every option a pass depends on is given explicitly: a build directory that
# was configured before (say by the README's quick start, with the tests off)
# keeps its cached options otherwise, and CTest would find no tests. For the
# same reason CTest is told that finding no tests is an error.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:-$top/build}
jobs=$(nproc 2>/dev/null || echo 2)

run() {  # run BUILD_DIR CTEST_OPTIONS -- CMAKE_OPTIONS...
    dir=$1; shift
    ctest_options=
    while [ "$1" != -- ]; do ctest_options="$ctest_options $1"; shift; done
    shift
    started=$(date +%s)
    cmake -S "$top" -B "$dir" -DSPF_WERROR=ON -DSPF_BUILD_TESTS=ON "$@"
    cmake --build "$dir" -j "$jobs"
    # shellcheck disable=SC2086
    ctest --test-dir "$dir" --output-on-failure --no-tests=error -j "$jobs" $ctest_options
    echo "run-all: $dir passed in $(($(date +%s) - started)) s"
}

run "$prefix" -- -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPF_SANITIZE=OFF -DSPF_BUILD_BENCH=ON
# The sanitizer pass skips the benchmarks (nothing to learn from timing them
# there), the soak (its figures are the plain build's; under ASan it would only
# be slow) and the lint checks (they read the sources, not the build).
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run "$prefix-sanitize" -LE "soak|lint" -- \
    -DCMAKE_BUILD_TYPE=Debug -DSPF_SANITIZE=ON -DSPF_BUILD_BENCH=OFF

# The package is built from the tree by its own build (no tests, no ccache);
# the test's DNS server comes from the plain build. Exit 77: not root, skipped.
started=$(date +%s)
status=0
SPF_TEST_DNS="$prefix/rfc7208-suite/spf-test-dns" "$top/tests/package/package-test.sh" || status=$?
case $status in
0) echo "run-all: package passed in $(($(date +%s) - started)) s" ;;
77) echo "run-all: package test skipped (needs root)" ;;
*) exit "$status" ;;
esac
