#!/bin/sh
# compare.sh BUILD_DIR: times check_host() (bench/spf_bench: straight from the
# zone, and through a warm spf::DnsCache) and its peers on the same checks of
# bench/provider.zone in one run, and prints each figure with the ratios:
#   - pyspf (bench/pyspf_peer.py), DNS answered from the zone file in memory;
#   - libspf2 (bench/libspf2_peer, built when libspf2-dev is installed) with its
#     default DNS stack and in-process cache, asking spf-test-dns serving the
#     zone over loopback, warmed before timing. libc's resolver knows port 53
#     and /etc/resolv.conf only, so this runs in private mount and network
#     namespaces (bench/libspf2_netns.sh): as root, with unshare(1).
# Then the cache shared by 1, 2 and 50 threads. Needs python3-spf and
# libbenchmark-dev; the libspf2 column shows "-" when it cannot run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$build/bench/spf_bench" --benchmark_filter='^(check_host|cached_check)_(pass|fail)' --benchmark_format=json \
    --benchmark_min_time=1 >"$work/ours.json"
# Three rounds of the threads: on a shared machine other processes only ever
# slow a round down, so the best round is the figure.
"$build/bench/spf_bench" --benchmark_filter='^cached_check_mix_threads' --benchmark_format=json \
    --benchmark_min_time=1 --benchmark_repetitions=3 >"$work/threads.json"
/usr/bin/python3 "$here/pyspf_peer.py" "$here/provider.zone" >"$work/pyspf.json"

echo '{}' >"$work/libspf2.json"
if [ ! -x "$build/bench/libspf2_peer" ]; then
    echo "libspf2: not built (install libspf2-dev and configure again)" >&2
elif [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
    echo "libspf2: skipped (needs root and unshare for its private network namespace)" >&2
else
    /usr/bin/python3 "$here/pyspf_peer.py" --cases >"$work/cases"
    timeout 300 unshare --mount --net "$here/libspf2_netns.sh" "$build" "$here/provider.zone" "$work/cases" \
        >"$work/libspf2.json" || { echo "libspf2: the peer failed" >&2; echo '{}' >"$work/libspf2.json"; }
fi

/usr/bin/python3 - "$here" "$work/ours.json" "$work/pyspf.json" "$work/libspf2.json" "$work/threads.json" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from pyspf_peer import CASES
ours = {b["name"]: b for b in json.load(open(sys.argv[2]))["benchmarks"]}
pyspf = json.load(open(sys.argv[3]))
libspf2 = json.load(open(sys.argv[4]))
unit = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
ns = lambda bench: bench["real_time"] * unit[bench["time_unit"]]
us = lambda value: "%10.2f us" % (value / 1e3) if value else "%13s" % "-"
print("one MAIL FROM check of bench/provider.zone, warm (us per check)")
print("%-22s %13s %13s %13s %13s %9s %13s %9s" % ("case", "ours", "ours cache", "pyspf", "libspf2",
                                                 "upstream", "pyspf/cache", "cache/libspf2"))
mismatches = []
for name, bench in ours.items():
    if not name.startswith("check_host_"):
        continue
    cached = ours.get(name.replace("check_host_", "cached_check_"))
    cache_ns = ns(cached) if cached else None
    peer = pyspf.get(name)
    other = libspf2.get(name)
    other_ns = other["ns"] if other else None
    print("%-22s %s %s %s %s %9s %12s %13s" % (
        name, us(ns(bench)), us(cache_ns), us(peer), us(other_ns),
        "%.2f" % cached["upstream/check"] if cached else "-",
        "%.0fx" % (peer / cache_ns) if peer and cache_ns else "-",
        "%.2f" % (cache_ns / other_ns) if other_ns and cache_ns else "-"))
    expected = CASES[name][1] if name in CASES else None
    if other and expected and other["result"] != expected:
        mismatches.append("%s: libspf2 says %s, ours and pyspf %s" % (name, other["result"], expected))
for line in mismatches:
    print("DIFFERENT RESULT " + line)
print("  upstream = cache misses per timed check (queries that would reach a DNS server); targets:")
print("  pyspf/cache >= 50x, cache/libspf2 <= 1.0")
print()
best = {}
for bench in json.load(open(sys.argv[5]))["benchmarks"]:
    if bench.get("run_type") == "iteration":
        kept = best.get(bench["threads"])
        if not kept or bench["items_per_second"] > kept["items_per_second"]:
            best[bench["threads"]] = bench
if best:
    print("one shared warm DnsCache, the four checks in turn on every thread, best of 3 rounds")
    print("%8s %14s %9s %15s %9s" % ("threads", "checks/s", "vs 1", "CPU us/check", "upstream"))
    base = best[min(best)]["items_per_second"]
    for count, bench in sorted(best.items()):
        print("%8d %14.0f %8.2fx %15.2f %9.2f" % (count, bench["items_per_second"], bench["items_per_second"] / base,
                                                 bench["cpu_time"] * unit[bench["time_unit"]] / 1e3,
                                                 bench.get("upstream/check", 0)))
    print("  checks/s of all threads together (wall time); CPU us/check grows if the threads contend")
PY
