// spf/ldns_resolver.hpp: the Resolver that asks real DNS servers, through ldns.
// No ldns type appears here: ldns_resolver.cpp is the only file that includes <ldns/ldns.h>.
#pragma once

#include "spf/dns_reply.hpp"  // answer_from_reply(), the one reply -> Answer mapping
#include "spf/resolver.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace spf {

struct DnsServer {
    std::string host;  // IPv4 or IPv6 address literal
    std::uint16_t port = 53;
};
// "127.0.0.1", "127.0.0.1:5353", "::1", "[::1]:5353". Error text on failure.
std::variant<DnsServer, std::string> parse_dns_server(std::string_view text);

// Told about every question the resolver has answered (for metrics), from the
// thread that asked: must be thread-safe. elapsed is from the first query sent
// to the answer; tcp says a truncated UDP reply was asked again over TCP.
class QueryObserver {
public:
    virtual ~QueryObserver() = default;
    virtual void answered(RrType type, DnsStatus status, std::chrono::microseconds elapsed, bool tcp) = 0;
};

struct LdnsOptions {
    static constexpr std::chrono::milliseconds default_query_timeout{5000};
    static constexpr unsigned default_retries = 1;

    std::vector<DnsServer> servers;  // empty: the servers of resolv_conf, with its options
    std::string resolv_conf = "/etc/resolv.conf";
    // Per query, per server attempt. Unset: resolv.conf's `timeout:` when its
    // servers are used (resolv_conf.hpp), else default_query_timeout.
    std::optional<std::chrono::milliseconds> query_timeout;
    // Extra UDP rounds over the servers. Unset: resolv.conf's `attempts:` - 1
    // when its servers are used, else default_retries.
    std::optional<unsigned> retries;
    bool rotate = false;  // start each question at the next server; resolv.conf's `rotate` sets it too
    bool edns0 = true;    // advertise a 1232-byte UDP payload
    std::shared_ptr<QueryObserver> observer;  // may be empty
};

class LdnsResolver final : public Resolver {
public:
    // Fails (error text) when no server can be configured.
    static std::variant<std::unique_ptr<LdnsResolver>, std::string> create(const LdnsOptions& options);
    ~LdnsResolver() override;

    // Thread-safe: every call uses its own sockets, buffers and packet objects.
    // SERVFAIL, REFUSED, other rcodes and malformed replies -> server_failure
    // (when no other server does better); silence from every server through
    // all rounds (each attempt waiting query_timeout), or a deadline that comes
    // while a server is still to be asked -> timeout. A truncated UDP reply is
    // asked again over TCP within the same attempt's wait.
    // The one-question case of resolve_each().
    Answer resolve(const Question& question, Deadline deadline) override;

    // All questions in the air at once, each asked exactly as resolve() asks
    // it, over one poll() of all their sockets; sink(i, answer) as each answer
    // is known. At most max_questions_in_flight are in the air (a socket
    // each); the rest wait in order and take off as answers come in.
    static constexpr std::size_t max_questions_in_flight = 32;
    void resolve_each(std::span<const Question> questions, Deadline deadline, const AnswerSink& sink) override;

    // As used: the servers, timeout and retries filled in from resolv.conf or the defaults.
    const LdnsOptions& options() const;

private:
    struct Impl;
    explicit LdnsResolver(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace spf
