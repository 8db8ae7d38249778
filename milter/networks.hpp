// milter/networks.hpp: client networks for trusted_networks and skip_networks.
// "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128). An IPv4-mapped
// IPv6 network (::ffff:192.0.2.0/120) is stored as the IPv4 network it maps, because
// clients are unmapped at the edge (RFC 7208 §5: v4-mapped clients are IPv4).
#pragma once

#include "spf/ip_address.hpp"

#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace milter {

struct Network {
    spf::IpAddress address;  // host bits cleared
    unsigned prefix_length = 32;

    bool contains(const spf::IpAddress& client) const;
    std::string to_string() const;  // "192.0.2.0/24"; a single address without the length
    friend bool operator==(const Network&, const Network&) = default;
};

// Error text on failure: "not an IP address", "prefix length 33 is over 32".
std::variant<Network, std::string> parse_network(std::string_view text);

bool contains(std::span<const Network> networks, const spf::IpAddress& client);

}  // namespace milter
