// spf/resolver.hpp: everything check_host() knows about DNS.
// Question in, Answer out. Two implementations: ZoneResolver (memory, zone.hpp)
// and LdnsResolver (ldns_resolver.hpp). The evaluator never sees packets.
#pragma once

#include "spf/ip_address.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
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

// The SPF record selected from a TXT answer and parsed, kept with the answer by
// a cache so that a warm check parses nothing (parsed_record.hpp).
struct ParsedRecord;

// Where an answer came from, for honest accounting: the query counters count
// what was sent; traces and logs say which answers came from the cache.
enum class AnswerSource : std::uint8_t {
    sent,    // a query was sent for this caller
    cache,   // a kept answer: nothing was sent
    shared,  // the answer of a query another caller had sent (single-flight)
};
std::string_view to_string(AnswerSource source);  // "sent", "cache", "shared"

struct Answer {
    DnsStatus status = DnsStatus::ok;
    std::vector<std::string> texts;    // TXT: each record's strings joined, no separator
    std::vector<IpAddress> addresses;  // A, AAAA
    std::vector<std::string> names;    // MX exchanges by preference, PTR targets; no trailing dot
    // For caches: ok -> the smallest TTL of the records used; no_data and
    // nxdomain -> the negative TTL of RFC 2308 §5, min(SOA TTL, SOA MINIMUM) of
    // the SOA in the authority section, 0 when the reply had none.
    std::uint32_t ttl = 0;
    std::string detail;  // for traces and logs: "SERVFAIL from 127.0.0.1:5353"
    AnswerSource source = AnswerSource::sent;
    std::shared_ptr<const ParsedRecord> parsed;  // TXT from a cache only; may be empty
    bool empty() const { return texts.empty() && addresses.empty() && names.empty(); }
};

// Told about a prefetch as it goes, from the resolver's threads (so it must be
// thread-safe and outlive nothing it points to: it is held by shared_ptr).
// arrived() returns the questions an answer leads to, which the resolver then
// prefetches in turn (the records of an included domain, the exchanges of an
// MX answer); sent() names each question a query was sent for.
class PrefetchListener {
public:
    virtual ~PrefetchListener() = default;
    virtual std::vector<Question> arrived(const Question& question, const Answer& answer) = 0;
    virtual void sent(const Question& question) = 0;
};

// Implementations must be safe to call from many threads at once.
// CNAMEs are followed by the implementation; the Answer holds the final records.
class Resolver {
public:
    virtual ~Resolver() = default;
    // Must return by the deadline; a lookup that cannot finish in time is DnsStatus::timeout.
    virtual Answer resolve(const Question& question, Deadline deadline) = 0;

    // Independent questions travel together. sink(i, answer) is called once for
    // each questions[i], on the calling thread, as soon as that answer is known
    // (in any order), and all calls are made before resolve_each() returns.
    // The default asks them one by one; a resolver with parallel I/O overrides it.
    using AnswerSink = std::function<void(std::size_t index, Answer&& answer)>;
    virtual void resolve_each(std::span<const Question> questions, Deadline deadline, const AnswerSink& sink);
    // resolve_each(), collected: answers in the order of the questions.
    std::vector<Answer> resolve_all(std::span<const Question> questions, Deadline deadline);

    // A hint: these questions will probably be asked soon. A resolver that can
    // (the cache, dns_cache.hpp) starts them in the background and answers the
    // later resolve() from what arrived; the others ignore it. Never changes
    // what resolve() answers, only when the answer is there. Returns, for each
    // question, whether a query was sent for it (empty: none was). A listener
    // hears of every question sent, and of every answer, follow-ups included.
    virtual std::vector<bool> prefetch(std::span<const Question> /*questions*/, Deadline /*deadline*/,
                                       std::shared_ptr<PrefetchListener> /*listener*/ = nullptr) {
        return {};
    }

    // True when resolve() would answer this question at once, with no query:
    // a cache holding a fresh answer. A hint for how to schedule work (a check
    // whose records are all kept is not worth a thread of its own); false when
    // not known.
    virtual bool keeps(const Question& /*question*/) const { return false; }
};

}  // namespace spf
