// milter/networks.cpp: see networks.hpp.
#include "milter/networks.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace milter {

namespace {

spf::IpAddress masked(const spf::IpAddress& address, unsigned prefix_length) {
    std::array<std::uint8_t, 16> bytes{};
    std::copy(address.data(), address.data() + address.size(), bytes.begin());
    for (std::size_t i = 0; i < address.size(); ++i) {
        const unsigned first_bit = static_cast<unsigned>(i) * 8;
        if (first_bit >= prefix_length) {
            bytes[i] = 0;
        } else if (prefix_length - first_bit < 8) {
            bytes[i] = static_cast<std::uint8_t>(bytes[i] & (0xff << (8 - (prefix_length - first_bit))));
        }
    }
    if (address.is_v4()) return spf::IpAddress::v4({bytes[0], bytes[1], bytes[2], bytes[3]});
    return spf::IpAddress::v6(bytes);
}

}  // namespace

bool Network::contains(const spf::IpAddress& client) const { return client.matches(address, prefix_length); }

std::string Network::to_string() const {
    const unsigned width = address.is_v4() ? 32 : 128;
    return prefix_length == width ? address.to_string() : address.to_string() + '/' + std::to_string(prefix_length);
}

std::variant<Network, std::string> parse_network(std::string_view text) {
    const std::size_t slash = text.find('/');
    const std::string_view address_text = text.substr(0, slash);
    const auto address = spf::IpAddress::parse(address_text);
    if (!address) return "'" + std::string(address_text) + "' is not an IP address";
    const unsigned width = address->is_v4() ? 32 : 128;
    unsigned prefix_length = width;
    if (slash != std::string_view::npos) {
        const std::string_view digits = text.substr(slash + 1);
        const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix_length);
        if (digits.empty() || error != std::errc() || end != digits.data() + digits.size())
            return "'" + std::string(digits) + "' is not a prefix length";
        if (prefix_length > width)
            return "prefix length " + std::to_string(prefix_length) + " is over " + std::to_string(width);
    }
    Network network{masked(*address, prefix_length), prefix_length};
    if (address->is_v4_mapped() && prefix_length >= 96)
        network = Network{masked(address->unmapped(), prefix_length - 96), prefix_length - 96};
    return network;
}

bool contains(std::span<const Network> networks, const spf::IpAddress& client) {
    return std::any_of(networks.begin(), networks.end(),
                       [&](const Network& network) { return network.contains(client); });
}

}  // namespace milter
