#!/usr/bin/python3
"""cold_latency.py BUILD_DIR PORT RTT_MS RUNS: the driver of bench/cold_latency.sh,
which has started spf-test-dns on 127.0.0.1:PORT serving bench/cold.zone with
every reply held back RTT_MS. For each case of bench/spf_floor.py it times, RUNS
times each, with nothing cached at the start of a run:
  - ours: bench/cold_check (HELO and MAIL FROM at the same time) through a
    DnsCache with prefetch, through one without prefetch, and with no cache;
  - spf-milter --simulate, the whole process (start-up included), pointed at
    the server by dns_servers in a configuration file, with dns_prefetch on
    (the default) and off;
  - pyspf (python3-spf over pydns) pointed at the server, HELO and then MAIL
    FROM, as pyspf-milter does them;
and prints the medians beside the floor: the case's dependent levels x RTT_MS."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import DNS  # pydns, what Debian's python3-spf resolves with
import spf

from pyspf_peer import load_zone
from spf_floor import floors

HERE = os.path.dirname(os.path.abspath(__file__))


def pyspf_runs(case, runs):
    """Median ms of pyspf's HELO check and then its MAIL FROM check; the results."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        helo = spf.query(i=case["ip"], s="postmaster@" + case["helo"], h=case["helo"]).check()[0]
        mailfrom = spf.query(i=case["ip"], s=case["mail_from"], h=case["helo"]).check()[0]
        times.append((time.perf_counter() - started) * 1e3)
    return statistics.median(times), helo, mailfrom


def simulate_runs(build, config, case, runs):
    """Median ms of one spf-milter --simulate process, median of the checks' own
    time as it reports it (elapsed_ms), and the results it printed."""
    command = [os.path.join(build, "milter", "spf-milter"), "--simulate", "--json", "-c", config,
               "--ip", case["ip"], "--helo", case["helo"], "--from", case["mail_from"]]
    times, inside = [], []
    for _ in range(runs):
        started = time.perf_counter()
        out = subprocess.run(command, check=True, capture_output=True, text=True, timeout=600).stdout
        times.append((time.perf_counter() - started) * 1e3)
        report = json.loads(out)
        inside.append(report["elapsed_ms"])
    results = [(report.get(key) or {}).get("result", "-") for key in ("helo_check", "mailfrom_check")]
    return statistics.median(times), statistics.median(inside), results[0], results[1]


def main():
    build, port, rtt, runs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    DNS.defaults["server"] = ["127.0.0.1"]
    DNS.defaults["port"] = port
    cases = floors(load_zone(os.path.join(HERE, "cold.zone")))
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as config, \
            tempfile.NamedTemporaryFile("w", suffix=".conf") as no_prefetch:
        config.write("dns_servers = 127.0.0.1:%d\n" % port)
        config.flush()
        no_prefetch.write("dns_servers = 127.0.0.1:%d\ndns_prefetch = no\n" % port)
        no_prefetch.flush()
        rows, mismatches = [], []
        for name, case in cases.items():
            floor = case["levels"] * rtt
            ours = json.loads(subprocess.run(
                [os.path.join(build, "bench", "cold_check"), "--server", "127.0.0.1:%d" % port, "--ip", case["ip"],
                 "--helo", case["helo"], "--from", case["mail_from"], "--runs", str(runs)],
                check=True, capture_output=True, text=True, timeout=600).stdout)
            milter = simulate_runs(build, config.name, case, runs)
            milter_no_prefetch = simulate_runs(build, no_prefetch.name, case, runs)
            pyspf = pyspf_runs(case, runs)
            expected = (case["helo_result"], case["mailfrom_result"])
            for who, results in [(way, (value["helo"], value["mailfrom"])) for way, value in ours.items()] + [
                    ("spf-milter --simulate", milter[2:]), ("spf-milter --simulate, dns_prefetch = no",
                                                            milter_no_prefetch[2:]), ("pyspf", pyspf[1:])]:
                if tuple(results) != expected:
                    mismatches.append("%s: %s gave helo %s, mailfrom %s; expected %s, %s"
                                      % ((name, who) + tuple(results) + expected))
            rows.append((name, case["levels"], floor, ours, milter[:2] + milter_no_prefetch[:2], pyspf[0]))

    print("cold check, HELO + MAIL FROM, %g ms per DNS reply, median of %d runs, nothing cached at the start"
          % (rtt, runs))
    print("%-16s %6s %9s %16s %12s %12s %8s %9s %16s" % ("case", "levels", "floor ms", "ours ms (/floor)",
                                                        "no-prefetch", "no-cache", "queries", "prefetch",
                                                        "pyspf ms (/floor)"))
    for name, levels, floor, ours, _, pyspf in rows:
        print("%-16s %6d %9.1f %9.1f (%4.2fx) %12.1f %12.1f %8d %9s %9.1f (%4.2fx)" % (
            name, levels, floor, ours["cache_prefetch"]["median_ms"], ours["cache_prefetch"]["median_ms"] / floor,
            ours["cache_no_prefetch"]["median_ms"], ours["no_cache"]["median_ms"], ours["no_cache"]["queries"],
            "%d (+%d)" % (ours["cache_prefetch"]["sent"],
                          ours["cache_prefetch"]["sent"] - ours["cache_no_prefetch"]["sent"]),
            pyspf, pyspf / floor))
    print("  floor = dependent levels of queries x RTT; queries = those of serial evaluation (no cache);")
    print("  prefetch = queries sent with prefetch on (+ those serial evaluation through the cache did not send);")
    print("  target: ours <= 1.2x the floor")
    print()
    print("spf-milter --simulate: the whole process (start-up, configuration, checks, output), and the")
    print("checks' own time as it reports it (elapsed_ms, whole milliseconds); then with dns_prefetch = no")
    print("%-16s %9s %20s %19s %11s %10s" % ("case", "floor ms", "process ms (/floor)", "checks ms (/floor)",
                                           "no-prefetch", "checks ms"))
    for name, levels, floor, _, (process, inside, process_np, inside_np), _ in rows:
        print("%-16s %9.1f %11.1f (%4.2fx) %10.1f (%4.2fx) %11.1f %10.1f" % (
            name, floor, process, process / floor, inside, inside / floor, process_np, inside_np))
    for line in mismatches:
        print("MISMATCH " + line)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
