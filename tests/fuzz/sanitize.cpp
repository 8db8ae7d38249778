// tests/fuzz/sanitize.cpp: network text made safe (milter/sanitize.hpp) and the
// trace headers built from it (milter/headers.hpp).
// Input: the first octet chooses the result, the identity and a small SafeText cap;
// the rest is split at 0xFF octets into HELO, envelope-from, receiver, authserv-id,
// reason and mechanism, each capped as milter/policy.cpp caps it. Properties:
//   - SafeText, ReplyText, quoted_string, comment_text, dot_atom_or_quoted and
//     log_value never hold CR, LF, NUL, TAB or 8-bit octets, and keep their caps;
//   - quoted_string and ReplyText's '%' doubling undo to the text they were given;
//   - an SMTP reply line built as policy.cpp builds it ("550 5.7.23 " text CRLF, with
//     Sendmail's "<address>... " in front) stays within RFC 5321 §4.5.3.1.5's 512 octets;
//   - Received-SPF and Authentication-Results have no CR, NUL or 8-bit octet, an LF
//     only as the fold "\n ", every line (the name included) within RFC 5322
//     §2.1.1's 998 octets, and fold(unfold(value)) == value;
//   - our own Authentication-Results claims our authserv-id (RFC 8601 §5).
#include "milter/sanitize.hpp"
#include "fuzz_check.hpp"
#include "milter/headers.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

bool printable(std::string_view text) {
    for (const char c : text)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return false;
    return true;
}

milter::SafeText checked_safe(std::string_view text, std::size_t cap) {
    const milter::SafeText safe = milter::SafeText::from(text, cap);
    fuzz::require(printable(safe.str()), "SafeText is printable ASCII", text, safe.str());
    fuzz::require(safe.str().size() <= std::max<std::size_t>(cap, 4), "SafeText keeps its cap", text, safe.str());
    fuzz::require(safe.altered() == (safe.str() != text), "SafeText::altered() says whether it changed", text,
                  safe.str());
    return safe;
}

void check_quoting(const milter::SafeText& safe) {
    const std::string quoted = milter::quoted_string(safe);
    fuzz::require(printable(quoted) && quoted.size() >= 2 && quoted.front() == '"' && quoted.back() == '"',
                  "quoted_string is a printable quoted-string", quoted);
    std::string unquoted;
    for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
        if (quoted[i] == '\\')
            ++i;
        else
            fuzz::require(quoted[i] != '"', "quoted_string escapes '\"'", quoted);
        unquoted += quoted[i];
    }
    fuzz::require(unquoted == safe.str(), "quoted_string undoes to its text", safe.str(), quoted);
    fuzz::require(printable(milter::comment_text(safe)), "comment_text is printable", milter::comment_text(safe));
    fuzz::require(printable(milter::dot_atom_or_quoted(safe)), "dot_atom_or_quoted is printable",
                  milter::dot_atom_or_quoted(safe));
}

void check_log_value(std::string_view text) {
    const std::string value = milter::log_value(text);
    fuzz::require(printable(value), "log_value is printable", text, value);
    fuzz::require(value.size() <= 4 * 512 + 5, "log_value keeps its cap", text);
}

void check_reply(const milter::SafeText& text, const milter::SafeText& address) {
    const milter::ReplyText reply = milter::ReplyText::from(text);
    fuzz::require(printable(reply.wire()), "the reply text is printable", reply.wire());
    fuzz::require(reply.wire().size() <= milter::ReplyText::max_wire_octets, "the reply text keeps its cap",
                  reply.wire());
    std::string undoubled;
    for (std::size_t i = 0; i < reply.for_setreply().size(); ++i) {
        undoubled += reply.for_setreply()[i];
        if (reply.for_setreply()[i] == '%') {
            fuzz::require(i + 1 < reply.for_setreply().size() && reply.for_setreply()[i + 1] == '%',
                          "every '%' is doubled", reply.for_setreply());
            ++i;
        }
    }
    fuzz::require(undoubled == reply.wire(), "for_setreply() is wire() with '%' doubled", reply.wire(),
                  reply.for_setreply());
    const std::string line = "<" + address.str() + ">... 550 5.7.23 " + reply.wire() + "\r\n";
    fuzz::require(line.size() <= 512, "the reply line fits RFC 5321's 512 octets", line);
}

void check_header(const milter::HeaderField& field) {
    if (field.name.empty()) return;
    const std::string& value = field.value;
    const std::string whole = field.name + ": " + value;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i <= whole.size(); ++i) {
        if (i < whole.size() && whole[i] != '\n') {
            const auto c = static_cast<unsigned char>(whole[i]);
            fuzz::require(c >= 0x20 && c <= 0x7e, "a header holds no CR, NUL, TAB or 8-bit octet", whole);
            continue;
        }
        fuzz::require(i - line_start <= 998, "every header line within 998 octets", whole);
        if (i < whole.size())
            fuzz::require(i + 1 < whole.size() && whole[i + 1] == ' ', "an LF only as the fold \"\\n \"", whole);
        line_start = i + 1;
    }
    fuzz::require(milter::fold(milter::unfold(value), field.name.size() + 2) == value, "fold(unfold(value)) == value",
                  value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t choice = data[0];
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    std::array<std::string_view, 6> fields{};  // helo, envelope-from, receiver, authserv-id, reason, mechanism
    std::string_view remaining = rest;
    for (std::size_t i = 0; i < fields.size() && !remaining.empty(); ++i) {
        const std::size_t end = std::min(remaining.find('\xff'), remaining.size());
        fields[i] = remaining.substr(0, end);
        remaining.remove_prefix(std::min(end + 1, remaining.size()));
    }

    checked_safe(rest, choice % 16);
    check_log_value(rest);
    for (const std::string_view field : fields) check_quoting(checked_safe(field, milter::SafeText::text_cap));

    milter::HeaderContext context;
    context.helo = checked_safe(fields[0], milter::SafeText::domain_cap);
    context.envelope_from = checked_safe(fields[1], milter::SafeText::mailbox_cap);
    context.receiver = checked_safe(fields[2], milter::SafeText::domain_cap);
    context.authserv_id = checked_safe(fields[3], milter::SafeText::domain_cap);
    context.client =
        *spf::IpAddress::parse((choice & 0x80) != 0 ? "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe" : "203.0.113.255");
    milter::SpfReport report;
    report.result = static_cast<spf::Result>((choice >> 4) % 7);
    report.identity = (choice & 0x08) != 0 ? spf::Identity::helo : spf::Identity::mailfrom;
    report.mailbox = checked_safe(
        report.identity == spf::Identity::helo ? "postmaster@" + std::string(fields[0]) : std::string(fields[1]),
        milter::SafeText::mailbox_cap);
    report.reason = checked_safe(fields[4], milter::SafeText::text_cap);
    report.mechanism = checked_safe(fields[5], milter::SafeText::text_cap);
    for (const milter::SafeText* text : {&context.helo, &context.envelope_from, &context.receiver, &context.authserv_id,
                                         &report.mailbox, &report.reason, &report.mechanism})
        check_quoting(*text);

    check_header(milter::received_spf(context, report));
    const milter::HeaderField results = milter::authentication_results(context, &report, &report);
    check_header(results);
    // "." is no name (claims_authserv_id() refuses it on purpose, headers.cpp).
    if (!context.authserv_id.empty() && context.authserv_id.str() != ".")
        fuzz::require(milter::claims_authserv_id(results.value, context.authserv_id.str()),
                      "our Authentication-Results claims our authserv-id", results.value, context.authserv_id.str());
    milter::claims_authserv_id(rest, fields[3]);  // any header from outside: must not crash

    // The SMTP reply texts of policy.cpp: the longest is the permerror one.
    const milter::SafeText domain = checked_safe(fields[0], milter::SafeText::domain_cap);
    check_reply(milter::SafeText::from("SPF permerror for " + domain.str() + ": " + report.reason.str(), 4096),
                context.envelope_from);
    check_reply(checked_safe(rest, 4096), context.envelope_from);
    return 0;
}
