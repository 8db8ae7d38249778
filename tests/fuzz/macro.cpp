// tests/fuzz/macro.cpp: macro-string and explain-string parsing and §7 expansion.
// The first octet chooses the parser (macro-string or explain-string), the context
// (domain-spec or explanation) and the client's address family; the rest is the text.
// Properties:
//   - a string that parses prints (record_printer.hpp) to a text that parses to the same;
//   - expansion fails exactly when a letter is used outside its context (c, r, t in a
//     domain-spec, §7.1), and asks the %{p} callback when, and only when, a p macro needs it;
//   - expansion is bounded: every literal octet gives one octet, every macro-expand at
//     most 3 octets per octet of its letter's value (url_escape writes %XX; the
//     transformers only drop parts and replace delimiters with dots, §7.3);
//   - truncate_domain() gives at most 253 octets (§4.8), a right-hand part of the name;
//   - url_escape() leaves only RFC 3986 unreserved octets and %XX triplets.
#include "spf/macro.hpp"
#include "fuzz_check.hpp"
#include "spf/grammar.hpp"
#include "spf/record_printer.hpp"

#include <boost/variant/get.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace {

bool unreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

bool hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

void check_url_escape(std::string_view text) {
    const std::string escaped = spf::url_escape(text);
    std::size_t expected = 0;
    for (const char c : text) expected += unreserved(c) ? 1 : 3;
    fuzz::require(escaped.size() == expected, "url_escape: one octet per unreserved octet, three per other", text,
                  escaped);
    for (std::size_t i = 0; i < escaped.size(); ++i) {
        if (escaped[i] != '%') {
            fuzz::require(unreserved(escaped[i]), "url_escape leaves only unreserved octets", text, escaped);
            continue;
        }
        fuzz::require(i + 2 < escaped.size() && hex_digit(escaped[i + 1]) && hex_digit(escaped[i + 2]),
                      "url_escape writes %XX", text, escaped);
        i += 2;
    }
}

void check_truncate_domain(const std::string& name) {
    const std::string truncated = spf::truncate_domain(name);
    fuzz::require(truncated.size() <= 253, "truncate_domain gives at most 253 octets", name, truncated);
    std::string_view whole(name);
    if (!whole.empty() && whole.back() == '.') whole.remove_suffix(1);
    fuzz::require(whole.size() >= truncated.size() && whole.substr(whole.size() - truncated.size()) == truncated,
                  "truncate_domain keeps a right-hand part", name, truncated);
    fuzz::require(
        truncated.size() == whole.size() || truncated.empty() || whole[whole.size() - truncated.size() - 1] == '.',
        "truncate_domain drops whole labels", name, truncated);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t choice = data[0];
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    const bool explain_string = (choice & 1) != 0;
    const spf::MacroContext context =
        (choice & 2) != 0 ? spf::MacroContext::explanation : spf::MacroContext::domain_spec;
    const bool ipv6 = (choice & 4) != 0;

    check_url_escape(text);
    check_truncate_domain(std::string(text));

    auto parsed = explain_string ? spf::parse_explain_string(text) : spf::parse_macro_string(text);
    if (std::holds_alternative<spf::ParseError>(parsed)) return 0;
    const auto& macro_string = std::get<spf::ast::MacroString>(parsed);

    const std::string printed = spf::to_string(macro_string);
    auto reparsed = explain_string ? spf::parse_explain_string(printed) : spf::parse_macro_string(printed);
    if (const auto* error = std::get_if<spf::ParseError>(&reparsed))
        fuzz::fail("the canonical text parses", printed, error->message());
    fuzz::require(std::get<spf::ast::MacroString>(reparsed) == macro_string, "parse(print(m)) == m", text, printed);

    // A fixed context: the values of RFC 7208 §7.4's examples.
    unsigned p_calls = 0;
    spf::MacroValues values;
    values.sender = "strong-bad@email.example.com";
    values.local_part = "strong-bad";
    values.sender_domain = "email.example.com";
    values.domain = "email.example.com";
    values.ip = *spf::IpAddress::parse(ipv6 ? "2001:db8::cb01" : "192.0.2.3");
    values.helo = "mx.example.org";
    values.receiver = "receiver.example.net";
    values.timestamp = 1732500000;
    values.validated_name = [&p_calls] {
        ++p_calls;
        return std::string("mx.example.org");
    };
    const std::size_t longest_value = 63;  // the %{i} of an IPv6 address; every other value is shorter

    std::size_t bound = 0;
    unsigned p_macros = 0;
    bool context_error = false;
    for (const spf::ast::MacroToken& token : macro_string.tokens) {
        if (const auto* literal = boost::get<std::string>(&token)) {
            bound += literal->size();
            continue;
        }
        const auto& macro = boost::get<spf::ast::MacroExpand>(token);
        bound += 3 * longest_value;
        if (macro.letter == 'p') ++p_macros;
        if (context == spf::MacroContext::domain_spec &&
            (macro.letter == 'c' || macro.letter == 'r' || macro.letter == 't'))
            context_error = true;
    }

    const spf::Expansion expansion = spf::expand(macro_string, values, context);
    fuzz::require(expansion.ok() != context_error, "expansion fails exactly for c, r, t in a domain-spec", printed,
                  expansion.error);
    fuzz::require(p_calls <= p_macros, "the %{p} callback only for p macros", printed);
    if (!expansion.ok()) return 0;
    fuzz::require((p_calls == 0) == (p_macros == 0), "the %{p} callback asked when a p macro is expanded", printed);
    fuzz::require(expansion.text.size() <= bound, "expansion within 3 octets per octet of a value", printed,
                  expansion.text);
    check_truncate_domain(expansion.text);
    return 0;
}
