#!/usr/bin/python3
"""postfix_through_table.py RESULTS_DIR ROUNDS LABEL...: the summary table of
bench/postfix_through.sh from the JSON files bench/smtp_load.py wrote there
(ROUND-LABEL.json, with ROUND-LABEL.cpu and ROUND-LABEL.postfix-cpu: the CPU
time of the milter and of Postfix over that run, in clock ticks). For each
set-up: the median msg/s of the rounds, its ratios to the medians of Postfix
alone accepting everything ("none") and refusing what the mix refuses
("refusing": the same messages queued and delivered as behind an SPF milter
that follows the mix), the latency and the CPU per message of Postfix and of
the milter in the median round, and every round's msg/s (they show the
noise); then the mix lines whose outcomes were not the expected ones."""
import json
import os
import statistics
import sys


def cpu_per_message(directory, name, run):
    """Microseconds of CPU per message sent, from a file of clock ticks; None
    without one (no milter)."""
    try:
        with open(os.path.join(directory, name), encoding="utf-8") as ticks:
            seconds = int(ticks.read()) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None
    return seconds / max(run["sent"], 1) * 1e6


def load(directory, name):
    with open(os.path.join(directory, name + ".json"), encoding="utf-8") as results:
        run = json.load(results)
    run["milter_cpu_us"] = cpu_per_message(directory, name + ".cpu", run)
    run["postfix_cpu_us"] = cpu_per_message(directory, name + ".postfix-cpu", run)
    return run


def microseconds(value):
    return "-" if value is None else "%.0f" % value


def main():
    directory, rounds, labels = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    ceiling = load(directory, "ceiling-sink")
    runs = {label: [load(directory, "%d-%s" % (r, label)) for r in range(1, rounds + 1)] for label in labels}
    medians = {label: statistics.median(run["msg_per_s"] for run in runs[label]) for label in labels}
    alone = {name: medians.get(name) for name in ("none", "refusing")}
    print("through Postfix, %d sessions, one message per connection; median of %d rounds"
          % (ceiling["sessions"], rounds))
    print("%-11s %9s %7s %10s %8s %8s   %-22s %s" % ("set-up", "msg/s", "/none", "/refusing", "p50 ms",
                                                     "p99 ms", "CPU us/msg: Postfix milter",
                                                     "rounds (msg/s)"))
    for label in labels:
        middle = sorted(runs[label], key=lambda run: run["msg_per_s"])[len(runs[label]) // 2]
        ratios = ["%.2fx" % (medians[label] / alone[name]) if alone[name] else "-" for name in alone]
        print("%-11s %9.1f %7s %10s %8.2f %8.2f %18s %7s   %s" % (
            label, medians[label], *ratios, middle["p50_ms"], middle["p99_ms"],
            microseconds(middle["postfix_cpu_us"]), microseconds(middle["milter_cpu_us"]),
            " ".join("%.0f" % run["msg_per_s"] for run in runs[label])))
    print("  load client alone against smtp-sink (its ceiling): %.1f msg/s, client CPU %.0f us/msg"
          % (ceiling["msg_per_s"], ceiling["client_cpu_us"]))
    for label in labels:
        lines = sorted({n for run in runs[label] for n in run["mismatched_lines"]})
        failed = sum(run["failed"] for run in runs[label])
        if lines or failed:
            print("  %s: %s%s" % (label, "outcomes other than the mix expects on lines %s"
                                  % ", ".join(map(str, lines)) if lines else "",
                                  "; %d messages without an SMTP reply" % failed if failed else ""))
    print("  /none: against Postfix alone accepting every message (the null filter does too);")
    print("  /refusing: against Postfix alone refusing the mix's refused clients itself, the")
    print("  same messages queued as behind spf-milter. target: ours >= 0.9x Postfix alone")
    print("  CPU: all of Postfix's processes (exited ones included) and the milter process,")
    print("  per message sent in the median round")


if __name__ == "__main__":
    main()
