// rfc7208-suite/zone_dns_server.hpp: a small authoritative DNS server on loopback
// that answers from a spf::Zone (spf/zone.hpp), over UDP and TCP on one port.
// Used by the suite runner's ldns mode, the LdnsResolver tests and the
// end-to-end tests. Semantics come from Zone::lookup(): TIMEOUT -> no reply at all,
// NXDOMAIN/NODATA/SERVFAIL as the zone says, CNAME chains in the answer section;
// NXDOMAIN and NODATA with an SOA in the authority section (owner
// Zone::enclosing_name(), TTL and MINIMUM the zone's negative TTL), so that a
// resolver finds the negative TTL of RFC 2308 there as ZoneResolver gives it.
// UDP replies larger than the client's EDNS0 size (512 without EDNS0) are sent
// truncated (TC=1), so clients must retry over TCP. For tests of what a resolver
// does with a hostile server, set_behaviour() makes it misbehave for one name
// (dns_behaviour.hpp: wrong IDs, garbage, pointer loops, stalled TCP, ...).
#pragma once

#include "rfc7208-suite/dns_behaviour.hpp"
#include "spf/zone.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace spf::testdns {

class ZoneDnsServer {
public:
    // Binds UDP and TCP on address:port (port 0 = pick a free one) and starts
    // serving on a background thread. Throws std::runtime_error if it cannot bind.
    ZoneDnsServer(Zone zone, const std::string& address = "127.0.0.1", std::uint16_t port = 0);
    ~ZoneDnsServer();  // stops and joins
    ZoneDnsServer(const ZoneDnsServer&) = delete;
    ZoneDnsServer& operator=(const ZoneDnsServer&) = delete;

    std::uint16_t port() const;
    const std::string& address() const;
    // Replace the zone being served (the suite runner serves one scenario after another).
    void set_zone(Zone zone);
    // How to answer queries for name (any type, case-insensitive) from now on;
    // Behaviour{} (normal) makes it honest again. Thread-safe.
    void set_behaviour(std::string_view name, Behaviour behaviour);
    // Every reply from now on, UDP and TCP, goes out this much later (0, the
    // default: at once), as if the server were far away: for cold-latency
    // benchmarks. Replies wait in a list while other queries are answered, so
    // concurrent queries are not serialised. Adds to a delay behaviour's delay.
    // Thread-safe; a negative delay counts as 0.
    void set_delay(std::chrono::milliseconds delay);
    // Queries received so far (UDP and TCP), for tests.
    std::uint64_t queries_received() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace spf::testdns
