#!/usr/bin/python3
"""pyspf_milter_run.py CONFIG DNS_PORT: runs Debian's pyspf-milter (spf_engine's
milter main()) on CONFIG, resolving through the DNS server at 127.0.0.1:DNS_PORT
instead of /etc/resolv.conf (pyspf asks port 53 of the servers it lists there).
Started by bench/pyspf_milter_peer.sh."""
import sys

import spf
from spf_engine import milter_spf


def resolve_through(port):
    # pyspf resolves with dnspython when it is installed, else with pydns (DNS):
    # point whichever it chose at the test server, before any query is made.
    if spf.DNSLookup is spf.DNSLookup_dnspython:
        import dns.resolver
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = port
        dns.resolver.default_resolver = resolver
    else:
        import DNS
        DNS.defaults["server"] = ["127.0.0.1"]
        DNS.defaults["port"] = port


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: pyspf_milter_run.py CONFIG DNS_PORT")
    config, port = sys.argv[1], int(sys.argv[2])
    resolve_through(port)
    sys.argv = ["pyspf-milter", config]
    sys.exit(milter_spf.main())
