// spf/text.hpp: the ASCII text helpers every part of the project needs, in one
// place. DNS names, SPF terms, config keys and SMTP keywords are all compared
// without case in ASCII only (RFC 4343, RFC 5234 §2.3): never through the
// locale, so that a Turkish 'I' or an 8-bit octet compares as itself.
#pragma once

#include <algorithm>
#include <string_view>

namespace spf {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Equal without regard to ASCII case.
constexpr bool iequals(std::string_view left, std::string_view right) {
    return left.size() == right.size() && std::equal(left.begin(), left.end(), right.begin(),
                                                     [](char l, char r) { return ascii_lower(l) == ascii_lower(r); });
}

// Without the spaces, tabs and CRs at either end (a CRLF file's line keeps its CR).
constexpr std::string_view trimmed(std::string_view text) {
    const std::size_t first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

}  // namespace spf
