// tests/milter/networks_test.cpp: milter/networks.cpp, the networks of
// trusted_networks and skip_networks.
#include "milter/networks.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using milter::Network;
using milter::parse_network;

Network network(const char* text) {
    auto parsed = parse_network(text);
    if (auto* error = std::get_if<std::string>(&parsed)) ADD_FAILURE() << text << ": " << *error;
    return std::get<Network>(parsed);
}

spf::IpAddress ip(const char* text) { return *spf::IpAddress::parse(text); }

TEST(Network, MatchesAddressesInsideAnIpv4Prefix) {
    const Network net = network("192.0.2.0/24");
    EXPECT_TRUE(net.contains(ip("192.0.2.1")));
    EXPECT_TRUE(net.contains(ip("192.0.2.255")));
    EXPECT_FALSE(net.contains(ip("192.0.3.1")));
}

TEST(Network, ClearsHostBitsOfTheNetworkAsWritten) {
    EXPECT_EQ(network("192.0.2.77/24").to_string(), "192.0.2.0/24");
    EXPECT_EQ(network("2001:db8::1/32").to_string(), "2001:db8::/32");
}

TEST(Network, ReadsABareAddressAsASingleHost) {
    const Network host = network("2001:db8::25");
    EXPECT_EQ(host.prefix_length, 128U);
    EXPECT_EQ(host.to_string(), "2001:db8::25");
    EXPECT_TRUE(host.contains(ip("2001:db8::25")));
    EXPECT_FALSE(host.contains(ip("2001:db8::26")));
}

TEST(Network, NeverMatchesAcrossFamilies) {
    EXPECT_FALSE(network("0.0.0.0/0").contains(ip("2001:db8::1")));
    EXPECT_FALSE(network("::/0").contains(ip("192.0.2.1")));
}

TEST(Network, StoresAnIpv4MappedNetworkAsIpv4) {
    // Clients are unmapped at the edge (RFC 7208 §5), so the list must be IPv4 too.
    const Network mapped = network("::ffff:192.0.2.0/120");
    EXPECT_TRUE(mapped.address.is_v4());
    EXPECT_EQ(mapped.to_string(), "192.0.2.0/24");
    EXPECT_TRUE(mapped.contains(ip("192.0.2.9")));
}

TEST(Network, RefusesWhatIsNotANetwork) {
    for (const char* bad : {"", "example.com", "192.0.2.0/33", "2001:db8::/129", "192.0.2.0/", "192.0.2.0/x",
                            "192.0.2.0/24/8", "192.0.2"}) {
        SCOPED_TRACE(bad);
        EXPECT_TRUE(std::holds_alternative<std::string>(parse_network(bad)));
    }
}

TEST(Network, FindsAClientInAList) {
    const std::vector<Network> list = {network("127.0.0.0/8"), network("::1")};
    EXPECT_TRUE(milter::contains(list, ip("127.0.0.2")));
    EXPECT_TRUE(milter::contains(list, ip("::1")));
    EXPECT_FALSE(milter::contains(list, ip("192.0.2.1")));
    EXPECT_FALSE(milter::contains(std::vector<Network>{}, ip("127.0.0.1")));
}

}  // namespace
