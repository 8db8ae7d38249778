// spf/check_host.hpp: the SPF evaluation API, RFC 7208 §2.3, §2.4, §4.
// check_identity() does what a receiver does with an identity: the initial
// processing of §4.3 (domain validation, the null sender as postmaster@<helo>,
// a missing local-part as "postmaster") and then check_host(). check_host() is
// the function of §4 itself, for callers that already hold <domain> and <sender>.
// Everything comes in as arguments: no globals, no environment, no clock reads
// except through the Clock given.
#pragma once

#include "spf/clock.hpp"
#include "spf/ip_address.hpp"
#include "spf/resolver.hpp"
#include "spf/result.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace spf {

// The identity being checked (§2.3, §2.4).
enum class Identity : std::uint8_t { mailfrom, helo };
std::string_view to_string(Identity identity);  // "mailfrom", "helo"

// §4.6.4 processing limits, with the RFC's values as defaults.
struct Limits {
    unsigned max_dns_terms = 10;         // DNS-querying terms per check
    unsigned max_void_lookups = 2;       // NXDOMAIN / empty answers per check
    unsigned max_names_per_lookup = 10;  // names from one MX or PTR answer
};

struct CheckOptions {
    Limits limits;
    // All DNS of this check must finish by then; past it the result is temperror.
    // The milter passes one deadline for HELO and MAIL FROM together.
    Deadline deadline = Deadline::max();
    const Clock* clock = &system_clock();
    bool trace = false;  // fill Evaluation::trace
    // When a record is parsed, hand the lookups its terms will make to
    // Resolver::prefetch() (a hint the cache acts on; evaluation order, limits
    // and results are those of serial evaluation). Also the address lookups of
    // MX and PTR names, which are independent of each other.
    bool prefetch = true;
    // The explanation for a fail when the record has no usable exp= (§6.2). A
    // macro-string (explain-string syntax); empty means "no explanation".
    std::string default_explanation;
    // %{r}: the checking host's name (§7.3); "unknown" if not configured.
    std::string receiver = "unknown";
};

// One identity as received from the SMTP client.
struct Request {
    Identity identity = Identity::mailfrom;
    IpAddress client;       // the connecting IP; v4-mapped v6 is treated as v4
    std::string mail_from;  // reverse-path without <>; "" is the null sender
    std::string helo;       // HELO/EHLO argument as given
};

// §2.3, §2.4, §4.3: the <sender> that check_host() is given for an identity, the
// one rule for everything that checks or reports it: the reverse-path as given;
// postmaster@<helo> for Identity::helo and for the null sender (""); and a
// reverse-path without a local-part ("@example.com") as postmaster@example.com.
std::string sender_for(Identity identity, std::string_view mail_from, std::string_view helo);
// The parts of a <sender>, split at its last '@' (a quoted local-part may hold one).
// A sender without '@' is all domain; an empty local-part reads "postmaster" (§4.3).
std::string_view domain_of(std::string_view sender);
std::string local_part_of(std::string_view sender);

// §4.3 + §2.3/§2.4, then check_host(). For Identity::helo the domain is the HELO
// name and the sender is postmaster@<helo>; for Identity::mailfrom with a null
// sender, the same (§2.4); see sender_for(). An invalid domain (not an FQDN, a domain literal, a
// label over 63 octets, an empty label) gives Result::none with a reason.
Evaluation check_identity(const Request& request, Resolver& resolver, const CheckOptions& options);

// §4: check_host(<ip>, <domain>, <sender>). helo feeds %{h}.
Evaluation check_host(const IpAddress& ip, const std::string& domain, const std::string& sender,
                      const std::string& helo, Resolver& resolver, const CheckOptions& options);

// §4.3: true if name is a usable domain: at least two labels (a trailing dot
// is allowed), every label 1..63 octets, the whole at most 253 octets.
bool is_valid_domain(std::string_view name);

}  // namespace spf
