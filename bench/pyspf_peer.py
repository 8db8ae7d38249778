#!/usr/bin/python3
"""pyspf_peer.py ZONE | --cases: times pyspf (Debian's python3-spf, the reference
implementation the openspf suite was written against) on the same checks as
bench/spf_bench.cpp, with DNS answered from the same zone file in memory, the
way the suite's reference driver feeds it. Prints JSON: nanoseconds per check.
With --cases, prints the cases instead, "NAME IP SENDER HELO" a line, for the
other peers (bench/libspf2_peer.c) to check the same."""
import ipaddress
import json
import shlex
import sys
import time

import spf

CASES = {
    "check_host_pass_early": ("74.125.1.1", "pass"),
    "check_host_pass_late": ("198.51.100.7", "pass"),
    "check_host_fail": ("192.0.2.99", "fail"),
    "check_host_fail_ipv6": ("2001:db8::99", "fail"),
}
SENDER = "newsletter@example.com"
HELO = "mail.example.org"


def load_zone(path):
    zone = {}
    for line in open(path, encoding="ascii"):
        words = shlex.split(line, comments=True)
        if not words:
            continue
        name, rtype, data = words[0].lower(), words[1], words[2:]
        if rtype == "TXT":
            value = tuple(s.encode() for s in data)
        elif rtype == "MX":
            value = (int(data[0]), data[1])
        elif rtype == "AAAA":
            value = ipaddress.ip_address(data[0]).packed
        else:
            value = data[0]
        zone.setdefault(name, []).append((rtype, value))
    return zone


def main():
    if sys.argv[1] == "--cases":
        for case, (client, _) in CASES.items():
            print(case, client, SENDER, HELO)
        return
    zone = load_zone(sys.argv[1])

    def lookup(name, qtype, strict=True, timeout=None, level=0):
        for rtype, value in zone.get(name.lower().rstrip("."), []):
            if rtype == qtype:
                yield ((name, rtype), value)

    spf.DNSLookup = lookup
    results = {}
    for case, (client, expected) in CASES.items():
        rounds = 0
        started = time.perf_counter()
        while True:
            query = spf.query(i=client, s=SENDER, h=HELO)
            result = query.check()[0]
            if result != expected:
                sys.exit("pyspf gave %s for %s, expected %s" % (result, case, expected))
            rounds += 1
            elapsed = time.perf_counter() - started
            if elapsed > 1.0 and rounds >= 100:
                break
        results[case] = elapsed / rounds * 1e9
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
