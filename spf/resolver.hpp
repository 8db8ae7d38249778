// spf/resolver.hpp: everything check_host() knows about DNS.
// Question in, Answer out. Two implementations: ZoneResolver (memory, zone.hpp)
// and LdnsResolver (ldns_resolver.hpp). The evaluator never sees packets.
#pragma once

#include "spf/ip_address.hpp"

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace spf {

using Deadline = std::chrono::steady_clock::time_point;

enum class RrType : std::uint16_t { a = 1, mx = 15, txt = 16, ptr = 12, aaaa = 28 };
std::string_view to_string(RrType type);  // "A", "MX", ...

enum class DnsStatus : std::uint8_t {
    ok,              // records of the asked type are in the answer
    no_data,         // NOERROR, nothing of that type: a void lookup (§4.6.4)
    nxdomain,        // the name does not exist: a void lookup (§4.6.4)
    server_failure,  // SERVFAIL, REFUSED, malformed reply, any other rcode: temperror
    timeout,         // no answer within the time allowed: temperror
};
std::string_view to_string(DnsStatus status);  // "ok", "no data", "NXDOMAIN", ...

struct Question {
    std::string name;  // no trailing dot; as check_host() built it
    RrType type = RrType::txt;
    friend bool operator==(const Question&, const Question&) = default;
};

struct Answer {
    DnsStatus status = DnsStatus::ok;
    std::vector<std::string> texts;    // TXT: each record's strings joined, no separator
    std::vector<IpAddress> addresses;  // A, AAAA
    std::vector<std::string> names;    // MX exchanges by preference, PTR targets; no trailing dot
    std::uint32_t ttl = 0;             // smallest TTL of the records used (for caches)
    std::string detail;                // for traces and logs: "SERVFAIL from 127.0.0.1:5353"
    bool empty() const { return texts.empty() && addresses.empty() && names.empty(); }
};

// Implementations must be safe to call from many threads at once.
// CNAMEs are followed by the implementation; the Answer holds the final records.
class Resolver {
public:
    virtual ~Resolver() = default;
    // Must return by the deadline; a lookup that cannot finish in time is DnsStatus::timeout.
    virtual Answer resolve(const Question& question, Deadline deadline) = 0;
    // Independent questions may travel together (answers in the same order).
    // The default asks them one by one; a resolver with parallel I/O overrides it.
    virtual std::vector<Answer> resolve_all(std::span<const Question> questions, Deadline deadline);
};

}  // namespace spf
