#!/usr/bin/python3
"""spf_floor.py ZONE: the cases of bench/cold_latency.sh and, for each, the floor
of a cold check: the number of levels of DNS queries that depend on each other.

A record's terms are known once its TXT answer is in, so every query they need
can be sent at once: an a, exists or include term costs one more level, an mx
term two (MX, then the exchanges' addresses), an include or redirect the levels
of the record it names. Only the terms up to the one that decides count (the
others may be asked for, in parallel, but nothing waits for them). HELO and MAIL
FROM are independent: the two together cost the larger of their floors. At RTT
ms per query the floor in time is levels x RTT.

This is a small evaluator for the terms bench/cold.zone uses (ip4, ip6, a, mx,
exists, include, redirect, all and the macros of RFC 7208 section 7), not an
SPF implementation; it also gives each identity's result, which the benchmark
compares with what the engines say. Prints one JSON object per case."""
import ipaddress
import json
import re
import sys

from pyspf_peer import load_zone

CLIENT = "192.0.2.10"
HELO = "mail.sender.example"
# name -> envelope sender; the client and HELO name are the same for all.
CASES = {
    "include_chain_4": "alice@chain.example",
    "mx_heavy_8": "bob@mxheavy.example",
    "exists_macros": "carol@macro.example",
    "wide_includes_4": "dave@wide.example",
}


def expand(macro_string, ip, sender, domain, helo):
    """RFC 7208 section 7.3 expansion, the letters s l o d i v h."""
    local, _, origin = sender.rpartition("@")
    address = ipaddress.ip_address(ip)
    values = {
        "s": sender,
        "l": local or "postmaster",
        "o": origin,
        "d": domain,
        "i": ip if address.version == 4 else ".".join(address.exploded.replace(":", "")),
        "v": "in-addr" if address.version == 4 else "ip6",
        "h": helo,
    }

    def one(match):
        letter, digits, reverse, delimiters = match.group(1).lower(), match.group(2), match.group(3), match.group(4)
        parts = re.split("[" + re.escape(delimiters or ".") + "]", values[letter])
        if reverse:
            parts.reverse()
        if digits:
            parts = parts[-int(digits):]
        return ".".join(parts)

    text = re.sub(r"%\{([a-zA-Z])(\d*)([rR]?)([-.+,/_=]*)\}", one, macro_string)
    return text.replace("%%", "%").replace("%_", " ").replace("%-", "%20")


class Floor:
    def __init__(self, zone, ip, sender, helo):
        self.zone, self.ip, self.sender, self.helo = zone, ipaddress.ip_address(ip), sender, helo

    def records(self, name, rtype):
        return [value for kind, value in self.zone.get(name.lower(), []) if kind == rtype]

    def addresses(self, name):
        rtype = "A" if self.ip.version == 4 else "AAAA"
        return [ipaddress.ip_address(value) for value in self.records(name, rtype)]

    def check(self, domain, level=1):
        """(result, deepest level needed): level is that of domain's TXT query."""
        texts = [b"".join(parts).decode() for parts in self.records(domain, "TXT")]
        spf = [text for text in texts if text.lower() == "v=spf1" or text.lower().startswith("v=spf1 ")]
        if len(spf) != 1:
            return ("none" if not spf else "permerror"), level
        deepest, redirect = level, None
        for term in spf[0].split()[1:]:
            if "=" in term.split(":")[0]:
                key, _, value = term.partition("=")
                if key.lower() == "redirect":
                    redirect = value
                continue
            qualifier = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}.get(term[0])
            if qualifier:
                term = term[1:]
            name, _, argument = term.partition(":")
            target = expand(argument, str(self.ip), self.sender, domain, self.helo) if argument else domain
            name = name.lower()
            if name == "all":
                matched = True
            elif name in ("ip4", "ip6"):
                network = ipaddress.ip_network(argument, strict=False)
                matched = network.version == self.ip.version and self.ip in network
            elif name == "a":
                deepest = max(deepest, level + 1)
                matched = self.ip in self.addresses(target)
            elif name == "mx":
                exchanges = [exchange for _, exchange in self.records(target, "MX")]
                deepest = max(deepest, level + (2 if exchanges else 1))
                matched = any(self.ip in self.addresses(exchange) for exchange in exchanges)
            elif name == "exists":
                deepest = max(deepest, level + 1)
                matched = bool(self.records(target, "A"))
            elif name == "include":
                result, depth = self.check(target, level + 1)
                deepest = max(deepest, depth)
                matched = result == "pass"
            else:
                raise SystemExit("spf_floor.py: term %r is not modelled" % term)
            if matched:
                return qualifier or "pass", deepest
        if redirect:
            result, depth = self.check(expand(redirect, str(self.ip), self.sender, domain, self.helo), level + 1)
            return result, max(deepest, depth)
        return "neutral", deepest


def floors(zone):
    """case -> {helo, mailfrom, levels}: the results and the levels of both together."""
    out = {}
    for case, sender in CASES.items():
        helo_result, helo_levels = Floor(zone, CLIENT, "postmaster@" + HELO, HELO).check(HELO)
        mail_result, mail_levels = Floor(zone, CLIENT, sender, HELO).check(sender.rpartition("@")[2])
        out[case] = {
            "ip": CLIENT,
            "helo": HELO,
            "mail_from": sender,
            "helo_result": helo_result,
            "mailfrom_result": mail_result,
            "levels": max(helo_levels, mail_levels),
            "helo_levels": helo_levels,
            "mailfrom_levels": mail_levels,
        }
    return out


if __name__ == "__main__":
    for name, case in floors(load_zone(sys.argv[1])).items():
        print(json.dumps(dict(case, case=name)))
