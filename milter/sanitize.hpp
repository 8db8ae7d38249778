// milter/sanitize.hpp: text from the network, made safe before it reaches a header,
// an SMTP reply or a log line.
// HELO names, reverse-paths, exp= explanations and DNS-derived reasons come from
// strangers. SafeText is the only way in: 7-bit printable ASCII (0x20..0x7E), so no
// CR, LF, NUL, TAB or 8-bit octets, and a length cap. The builders in headers.hpp
// and policy.hpp take SafeText, never std::string, so forgetting to clean a value
// is a compile error. ReplyText adds what smfi_setreply needs (`%` doubled, a cap
// that keeps the reply line under the SMTP limit). log_value() quotes for logs.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace milter {

class SafeText {
public:
    // Caps chosen so that every header we build stays below the RFC 5322 §2.1.1
    // limit of 998 octets per line even when each octet needs a backslash.
    static constexpr std::size_t domain_cap = 255;   // HELO names, domains (RFC 1035 §2.3.4)
    static constexpr std::size_t mailbox_cap = 256;  // reverse-paths (RFC 5321 §4.5.3.1.3)
    static constexpr std::size_t text_cap = 200;     // reasons, explanations, terms

    SafeText() = default;
    // Every octet outside 0x20..0x7E becomes '?'. Text longer than max_octets is
    // cut to max_octets - 3 octets followed by "...".
    static SafeText from(std::string_view network_text, std::size_t max_octets = text_cap);

    const std::string& str() const { return text_; }
    bool empty() const { return text_.empty(); }
    // True if from() had to replace or cut anything.
    bool altered() const { return altered_; }
    friend bool operator==(const SafeText&, const SafeText&) = default;

private:
    std::string text_;
    bool altered_ = false;
};

// Text for smfi_setreply(): SafeText with every '%' doubled (libmilter hands the
// text to the MTA as a format; a single '%' makes it drop the text) and at most
// max_wire_octets octets as the client will see them. 200 keeps "550 5.7.23 " +
// text + CRLF, plus Sendmail's "<address>... " prefix, under the 512-octet reply
// line limit of RFC 5321 §4.5.3.1.5.
class ReplyText {
public:
    static constexpr std::size_t max_wire_octets = 200;

    ReplyText() = default;
    static ReplyText from(const SafeText& text);

    const std::string& for_setreply() const { return escaped_; }  // '%' doubled
    const std::string& wire() const { return wire_; }             // what the client reads
    friend bool operator==(const ReplyText&, const ReplyText&) = default;

private:
    std::string wire_;
    std::string escaped_;
};

// RFC 5322 §3.2.4 quoted-string: "..." with '"' and '\' escaped as quoted-pairs.
std::string quoted_string(const SafeText& text);
// RFC 5322 §3.2.3 dot-atom if the text is one, else a quoted-string.
std::string dot_atom_or_quoted(const SafeText& text);
bool is_dot_atom(std::string_view text);
// RFC 5322 §3.2.2 comment content: '(', ')' and '\' escaped as quoted-pairs.
std::string comment_text(const SafeText& text);

// A value for a key=value log line: written bare when it is made only of
// letters, digits and . - _ @ : / + < > [ ] =, else double-quoted with '"' and
// '\' escaped and any octet outside 0x20..0x7E written as \xNN. Capped at
// max_octets of input. The empty string is written "".
std::string log_value(std::string_view text, std::size_t max_octets = 512);

}  // namespace milter
