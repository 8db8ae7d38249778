#!/usr/bin/python3
"""milter_summary.py JSON_DIR ROUNDS SECONDS HOLD: the table of
bench/milter_compare.sh, from the --json files of its bench/milter_load runs.
Throughput and latency are the medians of the rounds; a ratio is the median of
the rounds' ratios (each from runs a few seconds apart, so the machine's swings
cancel out)."""
import json
import os
import statistics
import sys

MILTERS = [("ours", "spf-milter"), ("null", "floor"), ("pyspf", "pyspf-milter")]


def load(directory, name):
    path = os.path.join(directory, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, width, digits=0):
    if value is None:
        return "-".rjust(width)
    return f"{value:,.{digits}f}".rjust(width)


def main():
    directory, rounds, seconds, hold = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    runs = {}
    for r in range(1, rounds + 1):
        for kind in ("unix", "tcp"):
            for sessions in (1, 10, 50):
                for milter, _ in MILTERS:
                    runs[(r, milter, kind, sessions)] = load(directory, f"r{r}_{milter}_{kind}_{sessions}")

    print(f"milter load, warm DNS, closed loop, bench/milter_mix.txt round robin; "
          f"median of {rounds} alternating rounds of {seconds} s")
    print(f"{'socket':6} {'sessions':>8} {'ours tx/s':>10} {'floor tx/s':>10} {'pyspf tx/s':>10} "
          f"{'ours/floor':>10} {'ours/pyspf':>10}   {'CPU us/tx: ours':>15} {'floor':>6} {'pyspf':>6}"
          f"   {'p50 ms: ours':>12} {'floor':>6} {'pyspf':>6}")
    for kind in ("unix", "tcp"):
        for sessions in (1, 10, 50):
            cell = {m: [runs[(r, m, kind, sessions)] for r in range(1, rounds + 1)] for m, _ in MILTERS}
            tx = {m: median([j["tx_per_s"] if j else None for j in cell[m]]) for m, _ in MILTERS}
            cpu = {m: median([j["cpu_us_per_tx"] if j else None for j in cell[m]]) for m, _ in MILTERS}
            p50 = {m: median([j["latency_us"]["message"]["p50"] / 1000 if j else None for j in cell[m]])
                   for m, _ in MILTERS}

            def ratio(a, b):
                return median([x["tx_per_s"] / y["tx_per_s"] if x and y and y["tx_per_s"] else None
                               for x, y in zip(cell[a], cell[b])])

            vs_floor, vs_pyspf = ratio("ours", "null"), ratio("ours", "pyspf")
            print(f"{kind:6} {sessions:8} {fmt(tx['ours'], 10)} {fmt(tx['null'], 10)} {fmt(tx['pyspf'], 10)} "
                  f"{fmt(vs_floor, 9, 2)}x {fmt(vs_pyspf, 9, 1)}x   {fmt(cpu['ours'], 15)} {fmt(cpu['null'], 6)} "
                  f"{fmt(cpu['pyspf'], 6)}   {fmt(p50['ours'], 12, 2)} {fmt(p50['null'], 6, 2)} "
                  f"{fmt(p50['pyspf'], 6, 2)}")
    print("  ours/floor target >= 0.9 everywhere, ours/pyspf >= 10 at 50 sessions; CPU of the milter process "
          "(utime+stime, all threads) per transaction")

    print()
    print("TCP, one session: the driver with TCP_NODELAY, and writing like Postfix (Nagle on)")
    print(f"{'milter':28} {'nodelay tx/s':>12} {'p50 ms':>8} {'eom p50':>8}   {'Nagle tx/s':>10} {'p50 ms':>8} "
          f"{'eom p50':>8}")
    for milter, label in (("ours", "spf-milter"), ("null", "floor, TCP_NODELAY"),
                          ("plain", "floor, libmilter defaults"), ("pyspf", "pyspf-milter")):
        cols = []
        for variant in ("nodelay", "nagle"):
            j = load(directory, f"tcp1_{milter}_{variant}")
            eom = j["latency_us"].get("eom") if j else None
            cols.append(f"{fmt(j['tx_per_s'] if j else None, 12 if variant == 'nodelay' else 10)} "
                        f"{fmt(j['latency_us']['message']['p50'] / 1000 if j else None, 8, 2)} "
                        f"{fmt(eom['p50'] / 1000 if eom else None, 8, 2)}")
        print(f"{label:28} {cols[0]}   {cols[1]}")

    print()
    print("replies per message the MTA waits for or takes (1 session), and the steps negotiated without a reply")
    for milter, label in MILTERS:
        parts = []
        for kind in ("unix", "tcp"):
            j = runs.get((1, milter, kind, 1))
            if j:
                parts.append(f"{kind} {j['replies_per_message']:.2f} (no reply: {j['negotiated']['no_reply']})")
        print(f"  {label:13} " + "; ".join(parts))

    print()
    print(f"RSS with {hold} sessions held open through HELO (unix socket)")
    print(f"{'milter':14} {'idle MB':>8} {'held MB':>8} {'10 s after':>10} {'after/idle':>10}")
    for milter, label in MILTERS:
        j = load(directory, f"hold_{milter}")
        if not j:
            print(f"{label:14} {'-':>8}")
            continue
        rss = j["rss_kb"]
        idle, held, after = rss["start"] / 1024, max(rss["hold"], rss["peak"]) / 1024, rss["after"] / 1024
        note = "" if not j["connection_errors"] and not j["protocol_errors"] else \
            f"  ({j['connection_errors'] + j['protocol_errors']} errors: {'; '.join(j['errors'][:2])})"
        print(f"{label:14} {idle:8.1f} {held:8.1f} {after:10.1f} {after / idle if idle else 0:9.2f}x{note}")

    print()
    print(f"RSS with {hold} sessions busy at once for 3 s, closed loop (unix socket), and 10 s after")
    print(f"{'milter':14} {'idle MB':>8} {'peak MB':>8} {'10 s after':>10} {'after/idle':>10} {'tx/s':>8}")
    for milter, label in MILTERS:
        j = load(directory, f"burst_{milter}")
        try:
            with open(os.path.join(directory, f"burst_{milter}.after_kb"), encoding="utf-8") as after_file:
                after = int(after_file.read().strip()) / 1024
        except (OSError, ValueError):
            after = 0
        if not j or not after:
            print(f"{label:14} {'-':>8}")
            continue
        rss = j["rss_kb"]
        idle, peak = rss["start"] / 1024, rss["peak"] / 1024
        print(f"{label:14} {idle:8.1f} {peak:8.1f} {after:10.1f} {after / idle if idle else 0:9.2f}x "
              f"{j['tx_per_s']:8,.0f}")

    floor = [runs[(r, "null", k, s)] for r in range(1, rounds + 1) for k in ("unix", "tcp") for s in (10, 50)]
    driver = median([j["driver_cpu_us_per_tx"] for j in floor if j])
    best = max([j["tx_per_s"] for j in floor if j] or [0])
    if driver:
        print()
        print(f"driver: {driver:.0f} us of its own CPU per transaction against the floor (one thread: "
              f"a ceiling of about {1e6 / driver:,.0f} tx/s); the floor's best here was {best:,.0f} tx/s")

    differing = {}
    for (r, milter, kind, sessions), j in runs.items():
        if milter != "pyspf" or not j:
            continue
        for line in j["verdicts"]:
            got = {v: line[v] for v in ("accept", "reject", "tempfail", "discard", "error") if line[v]}
            if set(got) != {line["expected"]}:
                differing[line["line"]] = (line["mail_from"] or "<>", line["expected"], "/".join(sorted(got)))
    if differing:
        print()
        print("pyspf-milter's verdicts that differ from spf-milter's (the mix file's): " +
              "; ".join(f"line {n} {f}: {e} -> {g}" for n, (f, e, g) in sorted(differing.items())))


if __name__ == "__main__":
    main()
