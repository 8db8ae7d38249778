// milter/sanitize.cpp: see sanitize.hpp.
#include "milter/sanitize.hpp"

#include <algorithm>
#include <array>

namespace milter {

namespace {

constexpr std::string_view ellipsis = "...";

bool is_printable(unsigned char c) { return c >= 0x20 && c <= 0x7e; }

bool is_alnum(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// RFC 5322 §3.2.3 atext.
bool is_atext(unsigned char c) {
    return is_alnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_log_bare(unsigned char c) {
    return is_alnum(c) || std::string_view(".-_@:/+<>[]=").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string escaped(std::string_view text, std::string_view specials) {
    std::string out;
    out.reserve(text.size() + 2);
    for (char c : text) {
        if (specials.find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

}  // namespace

SafeText SafeText::from(std::string_view network_text, std::size_t max_octets) {
    SafeText safe;
    max_octets = std::max(max_octets, ellipsis.size() + 1);
    std::string_view kept = network_text;
    if (network_text.size() > max_octets) {
        kept = network_text.substr(0, max_octets - ellipsis.size());
        safe.altered_ = true;
    }
    safe.text_.reserve(max_octets);
    for (char c : kept) {
        if (is_printable(static_cast<unsigned char>(c))) {
            safe.text_ += c;
        } else {
            safe.text_ += '?';
            safe.altered_ = true;
        }
    }
    if (kept.size() < network_text.size()) safe.text_ += ellipsis;
    return safe;
}

ReplyText ReplyText::from(const SafeText& text) {
    ReplyText reply;
    reply.wire_ = text.str();
    if (reply.wire_.size() > max_wire_octets) {
        reply.wire_.resize(max_wire_octets - ellipsis.size());
        reply.wire_ += ellipsis;
    }
    for (char c : reply.wire_) {
        reply.escaped_ += c;
        if (c == '%') reply.escaped_ += '%';
    }
    return reply;
}

std::string quoted_string(const SafeText& text) { return '"' + escaped(text.str(), "\"\\") + '"'; }

bool is_dot_atom(std::string_view text) {
    // dot-atom-text = 1*atext *("." 1*atext)
    if (text.empty() || text.front() == '.' || text.back() == '.') return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '.') {
            if (text[i - 1] == '.') return false;
        } else if (!is_atext(c)) {
            return false;
        }
    }
    return true;
}

std::string dot_atom_or_quoted(const SafeText& text) {
    return is_dot_atom(text.str()) ? text.str() : quoted_string(text);
}

std::string comment_text(const SafeText& text) { return escaped(text.str(), "()\\"); }

std::string log_value(std::string_view text, std::size_t max_octets) {
    const bool cut = text.size() > max_octets;
    if (cut) text = text.substr(0, max_octets);
    const bool bare = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   [](char c) { return is_log_bare(static_cast<unsigned char>(c)); });
    if (bare && !cut) return std::string(text);
    constexpr std::array<char, 16> hex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                          '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    std::string out = "\"";
    for (char c : text) {
        const auto octet = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (is_printable(octet)) {
            out += c;
        } else {
            out += "\\x";
            out += hex[octet >> 4];
            out += hex[octet & 0xf];
        }
    }
    if (cut) out += ellipsis;
    out += '"';
    return out;
}

}  // namespace milter
