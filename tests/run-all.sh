#!/bin/sh
# run-all.sh: build spf-milter and run every test (unit tests, the RFC 7208 suite
# in both resolver modes, the milter protocol and end-to-end tests), then build
# again with AddressSanitizer and UndefinedBehaviorSanitizer and run them again.
#   tests/run-all.sh [BUILD_DIR_PREFIX]   (default: build)
# Expects the packages of packaging/install-deps.sh --test. Run as root: the
# end-to-end tests start private Postfix and Sendmail instances.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:-$top/build}
jobs=$(nproc 2>/dev/null || echo 2)

run() {  # run BUILD_DIR CMAKE_OPTIONS...
    dir=$1; shift
    cmake -S "$top" -B "$dir" -DSPF_WERROR=ON "$@"
    cmake --build "$dir" -j "$jobs"
    ctest --test-dir "$dir" --output-on-failure -j "$jobs"
}

run "$prefix" -DCMAKE_BUILD_TYPE=RelWithDebInfo
# The sanitizer pass skips the benchmarks (nothing to learn from timing them there).
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run "$prefix-sanitize" -DCMAKE_BUILD_TYPE=Debug -DSPF_SANITIZE=ON -DSPF_BUILD_BENCH=OFF
