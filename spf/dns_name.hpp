// spf/dns_name.hpp: domain names in the wire form of RFC 1035 §3.1, octet for
// octet. No escapes are interpreted either way: a name built by macro expansion
// is asked exactly as built, and a label with a dot in it cannot be told from
// two labels (such a name cannot come back through check_host() anyway).
// Used by the resolver (queries), the reply decoder and the test DNS server.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace spf {

constexpr std::size_t max_label_octets = 63;  // RFC 1035 §2.3.4
constexpr std::size_t max_name_octets = 255;  // on the wire, with the length octets and the root

// The wire form of a name; one trailing dot is ignored, "" is the root.
// Error text ("empty label", ...) if it has no wire form.
std::variant<std::vector<std::uint8_t>, std::string> encode_name(std::string_view name);

// The text of an uncompressed wire-form name that fills `wire` exactly: labels
// joined by dots, no trailing dot ("" for the root). Nothing if malformed.
std::optional<std::string> decode_name(std::span<const std::uint8_t> wire);

// Without one trailing dot.
constexpr std::string_view without_trailing_dot(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    return name;
}

}  // namespace spf
