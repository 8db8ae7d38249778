#!/bin/sh
# tests/fuzz/run-fuzzers.sh: builds the libFuzzer targets and runs each for a while.
#
#   tests/fuzz/run-fuzzers.sh [-b BUILD-DIR] [-n] [MINUTES] [TARGET...]
#
# BUILD-DIR (default build-fuzz) is configured with clang and SPF_BUILD_FUZZERS=ON
# if it is not yet, and the targets are built in it (-n: not; for a second run
# started beside the first). MINUTES (default 10) is per target; no TARGET means
# all of them, one after the other. On a shared machine, run it under `nice -n 15`.
# Each run starts from tests/fuzz/corpus/TARGET and writes what it finds into
# BUILD-DIR/fuzz-runs/TARGET/new/ (never into the tree). At the end the new inputs
# are merged (-merge=1) into a copy of the committed corpus, BUILD-DIR/fuzz-runs/TARGET/merged/,
# which then holds the committed files plus the new inputs that add coverage: minimise
# (-minimize_crash / by hand) and copy the few worth keeping into tests/fuzz/corpus/TARGET/. A crash, leak, timeout or out-of-memory input is written
# to BUILD-DIR/fuzz-runs/TARGET/ as crash-*, leak-*, timeout-* or oom-*.
# The summary line per target gives the executions, exec/s and libFuzzer's
# coverage figures (cov: edges, ft: features) and the corpus size.
#
# The limits catch an input that costs hundreds of MB or seconds: -rss_limit_mb=256
# (and -malloc_limit_mb, which defaults to it), -timeout=2. ASan's quarantine is kept
# small so that it does not count against the RSS limit.
set -eu

source_dir=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=build-fuzz
if [ "${1:-}" = "-b" ]; then
    build_dir=$2
    shift 2
fi
build=yes
if [ "${1:-}" = "-n" ]; then
    build=no
    shift
fi
minutes=10
case "${1:-}" in
    '' | *[!0-9]*) ;;
    *) minutes=$1; shift ;;
esac
all_targets="record macro check_host reply envelope config sanitize"
targets=${*:-$all_targets}

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    cmake -S "$source_dir" -B "$build_dir" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPF_BUILD_FUZZERS=ON -DSPF_BUILD_TESTS=OFF -DSPF_BUILD_BENCH=OFF
fi
if [ $build = yes ]; then
    for target in $targets; do
        cmake --build "$build_dir" --target "fuzz-$target" -j2
    done
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=16:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
for target in $targets; do
    run_dir=$build_dir/fuzz-runs/$target
    mkdir -p "$run_dir/new" "$run_dir/merged"
    max_len=4096
    [ "$target" = reply ] && max_len=65536   # the question octet and a 65,535-octet reply
    dict=""
    [ -f "$source_dir/tests/fuzz/$target.dict" ] && dict="-dict=$source_dir/tests/fuzz/$target.dict"
    echo "== $target: $minutes min"
    if ! "$build_dir/tests/fuzz/fuzz-$target" -max_total_time=$((minutes * 60)) \
        -rss_limit_mb=256 -timeout=2 -max_len=$max_len -print_final_stats=1 $dict \
        -artifact_prefix="$run_dir/" "$run_dir/new" "$source_dir/tests/fuzz/corpus/$target" \
        >"$run_dir/run.log" 2>&1; then
        status=1
        echo "   FAILED: see $run_dir/run.log and the crash-/oom-/timeout- files there"
    fi
    # The committed corpus first, then only the new inputs that add coverage to it.
    rm -rf "$run_dir/merged" && cp -R "$source_dir/tests/fuzz/corpus/$target" "$run_dir/merged"
    "$build_dir/tests/fuzz/fuzz-$target" -merge=1 -rss_limit_mb=256 -timeout=2 -max_len=$max_len \
        "$run_dir/merged" "$run_dir/new" >"$run_dir/merge.log" 2>&1 || true
    added=$(cd "$run_dir/merged" && for f in *; do [ -e "$source_dir/tests/fuzz/corpus/$target/$f" ] || echo "$f"; done)
    last=$(grep -E '^#[0-9]+.*(cov|ft):' "$run_dir/run.log" | tail -1 || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run_dir/run.log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$run_dir/run.log")
    echo "   executions ${execs:-?}, exec/s ${speed:-?}"
    echo "   last status: ${last:-none}"
    echo "   corpus: $(ls "$run_dir/new" | wc -l) found in the run; committed $(ls "$source_dir/tests/fuzz/corpus/$target" | wc -l);" \
        "$(echo "$added" | grep -c . || true) new inputs add coverage, in $run_dir/merged"
    ls "$run_dir" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | sed 's/^/   finding: /' || true
done
exit $status
