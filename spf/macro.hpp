// spf/macro.hpp: macro expansion, RFC 7208 §7.
// Knows no DNS: the caller supplies the letter values, and %{p} through a callback
// that check_host.cpp implements (it needs PTR and A/AAAA lookups).
#pragma once

#include "spf/ip_address.hpp"
#include "spf/record.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace spf {

struct MacroValues {
    std::string sender;          // s: <sender>
    std::string local_part;      // l: local-part of <sender>
    std::string sender_domain;   // o: domain of <sender>
    std::string domain;          // d: <domain> of the current check_host()
    IpAddress ip;                // i, c, v
    std::string helo;            // h: HELO/EHLO domain as given
    std::string receiver;        // r: the checking host (explanations only)
    std::int64_t timestamp = 0;  // t: seconds since the epoch (explanations only)
    // p: the validated domain name of <ip> (§5.5 procedure), asked only when a
    // macro uses it; "unknown" when there is none.
    std::function<std::string()> validated_name;
};

enum class MacroContext : std::uint8_t {
    domain_spec,  // mechanisms and modifiers: c, r and t are not allowed (§7.1)
    explanation,  // the TXT of exp= and default explanations: every letter
};

struct Expansion {
    std::string text;
    std::string error;  // non-empty: the expansion failed (a permerror in a record)
    bool ok() const { return error.empty(); }
};

Expansion expand(const ast::MacroString& macro_string, const MacroValues& values, MacroContext context);

// §7.3: values of upper-case letters are URL-escaped: every octet outside
// RFC 3986's unreserved set (ALPHA DIGIT - . _ ~) becomes %XX.
std::string url_escape(std::string_view text);

// §4.8 / §7.3: a domain name longer than 253 octets loses left-hand labels
// until it fits. Also drops one trailing dot.
std::string truncate_domain(std::string name);

}  // namespace spf
