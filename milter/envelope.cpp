// milter/envelope.cpp: see envelope.hpp.
// Paths follow RFC 5321 §4.1.2:
//     Reverse-path = Path / "<>"
//     Path         = "<" [ A-d-l ":" ] Mailbox ">"
//     A-d-l        = At-domain *( "," At-domain )     ; the source route, to be ignored (§C)
//     Mailbox      = Local-part "@" ( Domain / address-literal )
// A Local-part may be a quoted-string, which can hold '@', '>' and ':'; the scan
// below skips quoted text (with its backslash escapes) when it looks for them.
#include "milter/envelope.hpp"

#include "spf/text.hpp"

namespace milter {

namespace {

// Positions of the characters of text that are outside quoted-strings.
template <class Visit>
void for_each_unquoted(std::string_view text, Visit visit) {
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted && c == '\\') {
            ++i;  // quoted-pair: the next octet is literal
        } else if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && !visit(i, c)) {
            return;
        }
    }
}

// "...>rest" -> "...": up to the first '>' outside quotes (or the end, if none).
std::string_view before_closing_bracket(std::string_view text) {
    std::size_t close = text.size();
    for_each_unquoted(text, [&](std::size_t i, char c) {
        if (c != '>') return true;
        close = i;
        return false;
    });
    return text.substr(0, close);
}

// "@a.example,@b.example:alice@example.com>" -> "alice@example.com>": from an
// '@' at the start to the first ':' before any '>'. A route holds no quote
// (At-domains only), so one there is not a quoted-string and is dropped with it.
// Without a ':' it is no route: "@example.com" is a mailbox without local-part
// (RFC 7208 §4.3 then checks postmaster@example.com), never the null sender.
std::string_view strip_source_route(std::string_view path) {
    if (path.empty() || path.front() != '@') return path;
    const std::size_t colon = path.find(':');
    if (colon == std::string_view::npos || path.substr(0, colon).find('>') != std::string_view::npos) return path;
    return path.substr(colon + 1);
}

// The mailbox of a path argument: the brackets, then the source route go, in the
// order of RFC 5321's grammar, so that nothing in the route (a '"' has no place
// there) can hide the closing '>'; blanks at either end of each part go too.
std::string_view mailbox_of(std::string_view argument) {
    std::string_view path = spf::trimmed(argument);
    if (path.empty() || path.front() != '<') return path;
    path = strip_source_route(spf::trimmed(path.substr(1)));
    return spf::trimmed(before_closing_bracket(path));
}

std::size_t last_unquoted_at(std::string_view mailbox) {
    std::size_t at = std::string_view::npos;
    for_each_unquoted(mailbox, [&](std::size_t i, char c) {
        if (c == '@') at = i;
        return true;
    });
    return at;
}

template <class Path>
Path split_path(std::string_view argument) {
    Path path;
    path.address = std::string(mailbox_of(argument));
    const std::size_t at = last_unquoted_at(path.address);
    if (at == std::string::npos) {
        path.local_part = path.address;
    } else {
        path.local_part = path.address.substr(0, at);
        path.domain = path.address.substr(at + 1);
    }
    return path;
}

}  // namespace

ReversePath parse_reverse_path(std::string_view argument) {
    auto path = split_path<ReversePath>(argument);
    path.null_sender = path.address.empty();
    return path;
}

ForwardPath parse_forward_path(std::string_view argument) { return split_path<ForwardPath>(argument); }

}  // namespace milter
