// milter/envelope.hpp: the SMTP envelope as the milter receives it.
// parse_reverse_path() reads xxfi_envfrom's argv[0] (RFC 5321 §4.1.2 Reverse-path);
// parse_forward_path() reads xxfi_envrcpt's argv[0]. ESMTP parameters arrive in
// argv[1..] and are never looked at. Both are lenient: the MTA has already accepted
// the command, so anything it passes gives a value, and what SPF thinks of a strange
// domain is check_identity()'s business (an invalid domain is Result::none).
#pragma once

#include <string>
#include <string_view>

namespace milter {

struct ReversePath {
    bool null_sender = false;  // "<>": SPF checks postmaster@<helo> (RFC 7208 §2.4)
    std::string address;       // without <>, source route stripped; "" for the null sender
    std::string local_part;    // as received, quotes kept: "\"a b\"" for <"a b"@example.com>
    std::string domain;        // after the last '@' outside quotes; "" if none
};

// "<alice@example.com>", "alice@example.com", "<>", "<@relay.example:alice@example.com>",
// "<\"odd@local\"@example.com>". Leading and trailing blanks are ignored.
ReversePath parse_reverse_path(std::string_view argument);

struct ForwardPath {
    std::string address;  // without <>, source route stripped
    std::string local_part;
    std::string domain;  // "" for "<Postmaster>" (RFC 5321 §4.1.1.3)
};

ForwardPath parse_forward_path(std::string_view argument);

}  // namespace milter
