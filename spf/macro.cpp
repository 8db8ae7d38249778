// spf/macro.cpp: macro expansion, RFC 7208 §7.
// Expands macro-strings in domain-specs and explain-strings. Knows no DNS: the caller
// supplies the letter values (%{p} is looked up by check_host.cpp, on demand). The
// parser has already refused unknown letters and, in records, c/r/t; they are
// checked again here so that a macro-string built by other means cannot slip through.
//
// Reading of §7.3 for IPv6 %{i}: the RFC does not fix the case of the nibbles of the
// dot-format. We write them in upper case, as the reference implementation (pyspf)
// does and as the openspf suite's explanation tests expect (v-macro-ip6); DNS names
// compare case-insensitively, so queries are unaffected.
#include "spf/macro.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace spf {

namespace {

constexpr std::size_t max_domain_length = 253;

std::string letter_value(const ast::MacroExpand& macro, const MacroValues& values, std::string& error) {
    switch (macro.letter) {
        case 's': return values.sender;
        case 'l': return values.local_part;
        case 'o': return values.sender_domain;
        case 'd': return values.domain;
        case 'h': return values.helo;
        case 'v': return values.ip.is_v4() ? "in-addr" : "ip6";
        case 'c': return values.ip.to_string();
        case 'r': return values.receiver.empty() ? "unknown" : values.receiver;
        case 't': return std::to_string(values.timestamp);
        case 'p': return values.validated_name ? values.validated_name() : "unknown";
        case 'i': {
            std::string text = values.ip.macro_text();
            if (!values.ip.is_v4())
                std::transform(text.begin(), text.end(), text.begin(),
                               [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
            return text;
        }
        default: error = std::string("unknown macro letter '") + macro.letter + "'"; return {};
    }
}

// §7.3: split on any of the delimiters, reverse if asked, keep the rightmost
// `digits` parts (all when 0), and join with ".".
std::string transform(const std::string& value, const ast::MacroExpand& macro) {
    if (macro.digits == 0 && !macro.reverse && macro.delimiters.empty()) return value;
    const std::string_view delimiters = macro.delimiters.empty() ? std::string_view(".") : macro.delimiters;
    std::vector<std::string_view> parts;
    std::string_view rest(value);
    for (;;) {
        const std::size_t at = rest.find_first_of(delimiters);
        parts.push_back(rest.substr(0, at));
        if (at == std::string_view::npos) break;
        rest.remove_prefix(at + 1);
    }
    if (macro.reverse) std::reverse(parts.begin(), parts.end());
    std::size_t first = 0;
    if (macro.digits != 0 && macro.digits < parts.size()) first = parts.size() - macro.digits;
    std::string joined;
    for (std::size_t i = first; i < parts.size(); ++i) {
        if (i != first) joined += '.';
        joined += parts[i];
    }
    return joined;
}

bool allowed_in(char letter, MacroContext context) {
    return context == MacroContext::explanation || (letter != 'c' && letter != 'r' && letter != 't');
}

}  // namespace

std::string url_escape(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string escaped;
    escaped.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
            escaped += ch;
        } else {
            escaped += '%';
            escaped += hex[c >> 4];
            escaped += hex[c & 0x0f];
        }
    }
    return escaped;
}

std::string truncate_domain(std::string name) {
    if (!name.empty() && name.back() == '.') name.pop_back();
    while (name.size() > max_domain_length) {
        const std::size_t dot = name.find('.');
        if (dot == std::string::npos) return {};
        name.erase(0, dot + 1);
    }
    return name;
}

Expansion expand(const ast::MacroString& macro_string, const MacroValues& values, MacroContext context) {
    Expansion result;
    for (const ast::MacroToken& token : macro_string.tokens) {
        if (const auto* literal = boost::get<std::string>(&token)) {
            result.text += *literal;
            continue;
        }
        const auto& macro = boost::get<ast::MacroExpand>(token);
        if (!allowed_in(macro.letter, context)) {
            result.error = std::string("macro letter '") + macro.letter + "' is allowed only in explanations";
            return result;
        }
        std::string value = letter_value(macro, values, result.error);
        if (!result.ok()) return result;
        value = transform(value, macro);
        result.text += macro.url_escape ? url_escape(value) : value;
    }
    return result;
}

}  // namespace spf
