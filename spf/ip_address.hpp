// spf/ip_address.hpp: an IPv4 or IPv6 address as SPF needs it.
// Parsing (inet_pton rules), text forms for macros (%{i}, %{c}, %{v}) and the reverse
// name for PTR lookups, and prefix matching for ip4/ip6/a/mx with CIDR lengths.
// IPv4-mapped IPv6 clients (::ffff:192.0.2.1) are treated as IPv4 (RFC 7208 §5):
// callers normalise with unmapped() once, at the edge.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spf {

class IpAddress {
public:
    enum class Family : std::uint8_t { v4, v6 };

    IpAddress() = default;  // 0.0.0.0
    static IpAddress v4(const std::array<std::uint8_t, 4>& bytes);
    static IpAddress v6(const std::array<std::uint8_t, 16>& bytes);
    // Accepts dotted-quad IPv4 or any RFC 4291 IPv6 text form; nothing else
    // (no leading zeros tricks, no brackets, no zone ids).
    static std::optional<IpAddress> parse(std::string_view text);

    Family family() const { return family_; }
    bool is_v4() const { return family_ == Family::v4; }
    // The 4 (IPv4) or 16 (IPv6) bytes in network order.
    const std::uint8_t* data() const { return bytes_.data(); }
    std::size_t size() const { return is_v4() ? 4 : 16; }

    bool is_v4_mapped() const;
    // ::ffff:a.b.c.d -> a.b.c.d; every other address unchanged.
    IpAddress unmapped() const;

    // Conventional text: 192.0.2.1, 2001:db8::1 (RFC 5952 compressed).
    std::string to_string() const;
    // %{i} form (§7.3): dotted quad, or 32 dot-separated nibbles for IPv6.
    std::string macro_text() const;
    // Name for the PTR query: 1.2.0.192.in-addr.arpa / nibbles.ip6.arpa
    std::string reverse_name() const;

    // True when both are of one family and the first prefix_len bits agree.
    // prefix_len is clamped to the family's width.
    bool matches(const IpAddress& network, unsigned prefix_len) const;

    friend bool operator==(const IpAddress&, const IpAddress&) = default;

private:
    Family family_ = Family::v4;
    std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace spf
