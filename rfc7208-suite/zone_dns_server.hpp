// rfc7208-suite/zone_dns_server.hpp: a small authoritative DNS server on loopback
// that answers from a spf::Zone (spf/zone.hpp), over UDP and TCP on one port.
// Used by the suite runner's ldns mode, the LdnsResolver tests and the
// end-to-end tests. Semantics come from Zone::lookup(): TIMEOUT -> no reply at all,
// NXDOMAIN/NODATA/SERVFAIL as the zone says, CNAME chains in the answer section.
// UDP replies larger than the client's EDNS0 size (512 without EDNS0) are sent
// truncated (TC=1), so clients must retry over TCP.
#pragma once

#include "spf/zone.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
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
    // Queries received so far (UDP and TCP), for tests.
    std::uint64_t queries_received() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace spf::testdns
