// spf/ldns_resolver.hpp: the Resolver that asks real DNS servers, through ldns.
// No ldns type appears here: ldns_resolver.cpp is the only file that includes <ldns/ldns.h>.
#pragma once

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
    std::string host;     // IPv4 or IPv6 address literal
    std::uint16_t port = 53;
};
// "127.0.0.1", "127.0.0.1:5353", "::1", "[::1]:5353". Error text on failure.
std::variant<DnsServer, std::string> parse_dns_server(std::string_view text);

struct LdnsOptions {
    std::vector<DnsServer> servers;  // empty: the system's /etc/resolv.conf
    std::string resolv_conf = "/etc/resolv.conf";
    std::chrono::milliseconds query_timeout{5000};  // per query, per server attempt
    unsigned retries = 1;                           // extra UDP attempts per server
    bool edns0 = true;                              // advertise a 1232-byte UDP payload
};

// The one mapping from a reply (wire form) to an Answer: malformed or truncated ->
// server_failure; NOERROR with records of the asked type (owned by the name or a
// CNAME target chained from it in the answer section) -> ok, without them ->
// no_data; NXDOMAIN -> nxdomain; any other rcode -> server_failure. server names
// the sender in Answer::detail. Public so that its table test needs no network.
Answer answer_from_reply(std::span<const std::uint8_t> reply, const Question& question, std::string_view server);

class LdnsResolver final : public Resolver {
public:
    // Fails (error text) when no server can be configured.
    static std::variant<std::unique_ptr<LdnsResolver>, std::string> create(const LdnsOptions& options);
    ~LdnsResolver() override;

    // Thread-safe: every call uses its own socket and packet objects.
    // SERVFAIL, REFUSED, other rcodes and malformed replies -> server_failure;
    // no reply by min(query_timeout, deadline) -> timeout; a truncated UDP reply
    // is retried over TCP.
    Answer resolve(const Question& question, Deadline deadline) override;

    const LdnsOptions& options() const;

private:
    struct Impl;
    explicit LdnsResolver(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace spf
