#!/bin/sh
# compare.sh BUILD_DIR: times check_host() (bench/spf_bench) and pyspf
# (bench/pyspf_peer.py) on the same checks of bench/provider.zone in one run, and
# prints each figure with the ratio. Needs python3-spf and libbenchmark-dev.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
ours=$(mktemp)
trap 'rm -f "$ours"' EXIT
"$build/bench/spf_bench" --benchmark_format=json --benchmark_min_time=1 >"$ours"
peer=$(/usr/bin/python3 "$here/pyspf_peer.py" "$here/provider.zone")
/usr/bin/python3 - "$ours" "$peer" <<'PY'
import json, sys
ours = {b["name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
peer = json.loads(sys.argv[2])
unit = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
print("%-24s %14s %14s %9s" % ("benchmark", "spf-milter", "pyspf", "speed-up"))
for name, bench in ours.items():
    ns = bench["real_time"] * unit[bench["time_unit"]]
    if name in peer:
        print("%-24s %11.2f us %11.2f us %8.0fx" % (name, ns / 1e3, peer[name] / 1e3, peer[name] / ns))
    else:
        print("%-24s %11.2f us %14s %9s" % (name, ns / 1e3, "-", "-"))
PY
