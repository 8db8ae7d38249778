// rfc7208-suite/hostile_reply.hpp: the wire form of the misbehaving replies of
// dns_behaviour.hpp. Pure: a query and the zone's lookup in, octets out; the
// server (zone_dns_server.cpp) does the sending. Honest replies are built with
// ldns in zone_dns_server.cpp; these are written octet by octet, because ldns
// will not write a packet with a question missing, a pointer that loops or a
// record cut in half.
#pragma once

#include "rfc7208-suite/dns_behaviour.hpp"
#include "spf/zone.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace spf::testdns {

// What the server does with one query.
struct Transmission {
    std::optional<std::vector<std::uint8_t>> message;  // nothing: stay silent
    std::chrono::milliseconds delay{0};                // UDP: sent this much later
    // TCP: only this many octets of the framed message (length prefix included)
    // are sent; then the connection is held open and never answers again.
    std::optional<std::size_t> stall_after;
};

// The message at once, in full (nothing: silence).
inline Transmission send_now(std::optional<std::vector<std::uint8_t>> message) {
    Transmission transmission;
    transmission.message = std::move(message);
    return transmission;
}

// What the hostile replies need of the query.
struct QueryHeader {
    std::uint16_t id = 0;
    bool recursion_desired = false;
    std::string name;  // as asked, case kept, no trailing dot
    std::uint16_t type = 0;
};

// The reply under `behaviour` (any mode but normal, silence and delay, which the
// server answers with the honest reply). udp_limit is the client's UDP payload
// size: a reply larger than that goes out over UDP as TC=1 with no records, as
// an honest server's would, so the hostile one arrives over TCP.
Transmission hostile_reply(const QueryHeader& query, const ZoneLookup& lookup, const Behaviour& behaviour, bool udp,
                           std::size_t udp_limit);

}  // namespace spf::testdns
