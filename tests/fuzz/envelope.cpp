// tests/fuzz/envelope.cpp: the MAIL FROM and RCPT TO argument parsers
// (milter/envelope.hpp). The input is the argument as libmilter hands it over:
// a C string, so it ends at the first NUL. The parsers are lenient by contract
// (the MTA has accepted the command), so the properties are about shape:
//   - address, local-part and domain are pieces of the argument: no octet is
//     invented, so there is no NUL, and CR or LF only if the argument had one
//     (MTAs end the command line at LF, so in practice never);
//   - the address is local-part "@" domain when it has a domain, the null sender
//     exactly when the address is empty;
//   - for an argument in angle brackets whose address's quotes pair up (as Postfix and Sendmail
//     pass it), the address as the milter prints it ("<" address ">", decision_log.cpp)
//     parses back to the same address, local-part and domain. Without brackets the
//     parser keeps every octet, '>' included; a lone '"' hides every '>' after it;
//     an address that still begins with '@' once one source route is dropped
//     ("<@a:@b:c>") loses the rest as a route when printed and read again. Blanks
//     (or a CR) after a source route ("<@a:  b>") are trimmed. A '"' inside a source route goes with the route (RFC
//     5321 allows none there), so it hides no '>' (corpus/envelope/found-quote-in-source-route*);
//   - the header form (SafeText with the mailbox cap) has no CR, LF, NUL or 8-bit octet.
#include "milter/envelope.hpp"
#include "fuzz_check.hpp"
#include "milter/sanitize.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace {

bool begins_or_ends_blank(std::string_view text) {
    constexpr std::string_view blanks = " \t\r\n";
    return !text.empty() && (blanks.find(text.front()) != blanks.npos || blanks.find(text.back()) != blanks.npos);
}

// True if the quotes of text pair up, with envelope.cpp's rule for quoted-pairs.
bool quotes_pair_up(std::string_view text) {
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (quoted && text[i] == '\\')
            ++i;
        else if (text[i] == '"')
            quoted = !quoted;
    }
    return !quoted;
}

bool has_line_break_or_nul(std::string_view text) {
    return text.find_first_of(std::string_view("\r\n\0", 3)) != text.npos;
}

template <class Path>
void check_shape(const Path& path, std::string_view argument) {
    fuzz::require(argument.find(path.address) != std::string_view::npos, "the address is a piece of the argument",
                  argument, path.address);
    fuzz::require(!has_line_break_or_nul(path.address) || has_line_break_or_nul(argument),
                  "no CR, LF or NUL that the argument did not have", argument, path.address);
    if (path.address.size() > path.local_part.size())
        fuzz::require(path.local_part + "@" + path.domain == path.address, "address = local-part @ domain",
                      path.address, path.local_part + "@" + path.domain);
    else
        fuzz::require(path.local_part == path.address && path.domain.empty(), "no '@': all local-part", path.address,
                      path.local_part);
    const milter::SafeText safe = milter::SafeText::from(path.address, milter::SafeText::mailbox_cap);
    fuzz::require(safe.str().size() <= milter::SafeText::mailbox_cap, "the header form is capped", safe.str());
    for (const char c : safe.str())
        fuzz::require(c >= 0x20 && c <= 0x7e, "the header form is printable ASCII", safe.str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view argument(reinterpret_cast<const char*>(data), size);
    argument = argument.substr(0, argument.find('\0'));

    const milter::ReversePath reverse = milter::parse_reverse_path(argument);
    check_shape(reverse, argument);
    fuzz::require(reverse.null_sender == reverse.address.empty(), "the null sender is the empty address", argument,
                  reverse.address);
    const std::size_t first = argument.find_first_not_of(" \t");
    const std::size_t last = argument.find_last_not_of(" \t");
    if (first != std::string_view::npos && argument[first] == '<' && argument[last] == '>' && first < last &&
        quotes_pair_up(reverse.address) && !reverse.address.starts_with('@') &&
        !begins_or_ends_blank(reverse.address)) {
        const milter::ReversePath printed = milter::parse_reverse_path("<" + reverse.address + ">");
        fuzz::require(printed.address == reverse.address && printed.local_part == reverse.local_part &&
                          printed.domain == reverse.domain && printed.null_sender == reverse.null_sender,
                      "<address> parses back to the address", reverse.address, printed.address);
    }

    const milter::ForwardPath forward = milter::parse_forward_path(argument);
    check_shape(forward, argument);
    fuzz::require(forward.address == reverse.address, "both paths read an address alike", reverse.address,
                  forward.address);
    return 0;
}
