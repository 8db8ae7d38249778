// milter/headers.hpp: the trace headers we add, and the ones we remove.
// Received-SPF is RFC 7208 §9.1; Authentication-Results is RFC 8601 with the spf
// method of RFC 7208 §9.2. Every input that came from the network is SafeText
// (sanitize.hpp) and is written as a dot-atom, a quoted-string or comment text,
// so a HELO like "x; client-ip=192.0.2.1" stays one quoted value and cannot add
// a field. Long values are folded at spaces (RFC 5322 §2.2.3) to keep lines near
// 78 octets; the MTA receives the folds as "\n " (libmilter's convention).
#pragma once

#include "milter/sanitize.hpp"
#include "spf/check_host.hpp"
#include "spf/ip_address.hpp"
#include "spf/result.hpp"

#include <string>
#include <string_view>

namespace milter {

struct HeaderField {
    std::string name;
    std::string value;  // without the name; may contain folds ("\n ")
    friend bool operator==(const HeaderField&, const HeaderField&) = default;
};

// One identity's result, as the headers tell it.
struct SpfReport {
    spf::Identity identity = spf::Identity::mailfrom;
    spf::Result result = spf::Result::none;
    SafeText mailbox;    // the <sender> checked: the reverse-path, or postmaster@<helo> (§2.4)
    SafeText mechanism;  // the deciding term ("-all", "ip4:192.0.2.0/24"), or empty
    SafeText reason;     // Evaluation::reason
};

// What every header of one message shares.
struct HeaderContext {
    SafeText receiver;  // receiver= and the comment's prefix; left out when empty
    SafeText authserv_id;
    spf::IpAddress client;
    SafeText envelope_from;  // the reverse-path as received; "<>" for the null sender
    SafeText helo;           // left out of Received-SPF when empty
};

// "fail (mx.example.net: domain of alice@example.com does not designate 192.0.2.10
// as permitted sender) receiver=mx.example.net; client-ip=192.0.2.10;
// envelope-from=alice@example.com; helo=mail.example.com; identity=mailfrom; mechanism=-all"
// (folded). identity= and envelope-from= are always there: OpenDMARC trusts a
// Received-SPF only with both (CVE-2019-20790). problem= comes with temperror and
// permerror; mechanism= names the deciding term, "default" for a neutral without one.
HeaderField received_spf(const HeaderContext& context, const SpfReport& report);

// "mx.example.net; spf=fail (domain of ...) smtp.mailfrom=alice@example.com;
// spf=none smtp.helo=mail.example.com". Either report may be absent; with none,
// no field is made (the name is empty).
HeaderField authentication_results(const HeaderContext& context, const SpfReport* mailfrom, const SpfReport* helo);

// The comment of both headers, without the receiver prefix:
// "domain of alice@example.com designates 192.0.2.10 as permitted sender".
std::string result_comment(const SpfReport& report, const spf::IpAddress& client);

// RFC 8601 §5: true if an Authentication-Results value begins (after CFWS) with
// authserv_id, compared case-insensitively (ASCII) and with one trailing dot on
// either side ignored: "MX.Example.NET." claims "mx.example.net". Such fields
// claim to be ours and are removed when they arrive from outside.
bool claims_authserv_id(std::string_view header_value, std::string_view authserv_id);

// Folds a header value at spaces so lines stay within 78 octets where possible
// (name_length counts "Name: "). unfold() undoes it (tests, logs).
std::string fold(std::string_view value, std::size_t name_length);
std::string unfold(std::string_view value);

}  // namespace milter
