// spf/ip_address.cpp: see ip_address.hpp.
#include "spf/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

namespace spf {

namespace {
constexpr std::array<std::uint8_t, 12> v4_mapped_prefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
constexpr char hex_digits[] = "0123456789abcdef";
}  // namespace

IpAddress IpAddress::v4(const std::array<std::uint8_t, 4>& bytes) {
    IpAddress address;
    address.family_ = Family::v4;
    std::copy(bytes.begin(), bytes.end(), address.bytes_.begin());
    return address;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& bytes) {
    IpAddress address;
    address.family_ = Family::v6;
    address.bytes_ = bytes;
    return address;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    // inet_pton needs a NUL-terminated string; addresses are short.
    if (text.empty() || text.size() > 45) return std::nullopt;
    char buffer[46];
    std::copy(text.begin(), text.end(), buffer);
    buffer[text.size()] = '\0';
    if (text.find(':') == std::string_view::npos) {
        std::array<std::uint8_t, 4> bytes{};
        if (inet_pton(AF_INET, buffer, bytes.data()) != 1) return std::nullopt;
        return v4(bytes);
    }
    std::array<std::uint8_t, 16> bytes{};
    if (inet_pton(AF_INET6, buffer, bytes.data()) != 1) return std::nullopt;
    return v6(bytes);
}

bool IpAddress::is_v4_mapped() const {
    return family_ == Family::v6 && std::equal(v4_mapped_prefix.begin(), v4_mapped_prefix.end(), bytes_.begin());
}

IpAddress IpAddress::unmapped() const {
    if (!is_v4_mapped()) return *this;
    return v4({bytes_[12], bytes_[13], bytes_[14], bytes_[15]});
}

std::string IpAddress::to_string() const {
    char buffer[INET6_ADDRSTRLEN];
    const int family = is_v4() ? AF_INET : AF_INET6;
    if (inet_ntop(family, bytes_.data(), buffer, sizeof buffer) == nullptr) return {};
    return buffer;
}

std::string IpAddress::macro_text() const {
    if (is_v4()) return to_string();
    // §7.3: "dot-format": 32 nibbles, most significant first, separated by dots.
    std::string text;
    text.reserve(63);
    for (std::size_t i = 0; i < 16; ++i) {
        if (i != 0) text += '.';
        text += hex_digits[bytes_[i] >> 4];
        text += '.';
        text += hex_digits[bytes_[i] & 0x0f];
    }
    return text;
}

std::string IpAddress::reverse_name() const {
    std::string name;
    if (is_v4()) {
        for (int i = 3; i >= 0; --i) {
            name += std::to_string(bytes_[static_cast<std::size_t>(i)]);
            name += '.';
        }
        return name + "in-addr.arpa";
    }
    for (int i = 15; i >= 0; --i) {
        const std::uint8_t byte = bytes_[static_cast<std::size_t>(i)];
        name += hex_digits[byte & 0x0f];
        name += '.';
        name += hex_digits[byte >> 4];
        name += '.';
    }
    return name + "ip6.arpa";
}

bool IpAddress::matches(const IpAddress& network, unsigned prefix_len) const {
    if (family_ != network.family_) return false;
    const unsigned width = is_v4() ? 32U : 128U;
    prefix_len = std::min(prefix_len, width);
    const std::size_t full_bytes = prefix_len / 8;
    if (!std::equal(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(full_bytes), network.bytes_.begin()))
        return false;
    const unsigned rest = prefix_len % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (bytes_[full_bytes] & mask) == (network.bytes_[full_bytes] & mask);
}

}  // namespace spf
