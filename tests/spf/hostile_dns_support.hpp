// tests/spf/hostile_dns_support.hpp: the engine against a hostile DNS server.
// One case: a zone, a name that gets a behaviour (rfc7208-suite/dns_behaviour.hpp),
// a client. The loopback ZoneDnsServer misbehaves for that name; a real
// LdnsResolver asks it, first the one question directly (the DnsStatus it comes
// to) and then through check_host() (the SPF result). Time is bounded by the
// resolver's per-query timeout and the check's deadline, CPU and memory by
// getrusage() deltas with generous limits: a hostile reply may cost a little,
// never hundreds of megabytes or seconds of CPU. Used by hostile_dns_test.cpp.
#pragma once

#include "rfc7208-suite/zone_dns_server.hpp"
#include "spf/check_host.hpp"
#include "spf/ldns_resolver.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <chrono>
#include <memory>
#include <ostream>
#include <string>
#include <variant>

namespace spf_test {

struct HostileCase {
    std::string label;                                // the test's name: letters, digits and underscores
    std::string zone;                                 // text form of spf/zone.hpp
    std::string name;                                 // the name that misbehaves
    std::string behaviour;                            // its text form: "wrong-id", "delay:1500", ...
    spf::RrType type = spf::RrType::txt;              // the question asked of `name` directly
    spf::DnsStatus status = spf::DnsStatus::timeout;  // what the resolver makes of the reply
    std::string domain;                               // checked by check_host()
    std::string client;
    spf::Result result = spf::Result::temperror;
    std::chrono::milliseconds query_timeout{500};  // per attempt; one retry
};

inline std::ostream& operator<<(std::ostream& out, const HostileCase& c) {
    return out << c.name << " " << c.behaviour << ", client " << c.client;
}

inline std::string case_label(const ::testing::TestParamInfo<HostileCase>& info) { return info.param.label; }

// A record that passes the client a broken reply must not be believed for: a
// resolver that accepts the reply yields pass, which every case forbids.
inline const std::string allows_client = "v=spf1 ip4:192.0.2.1 -all";
inline const char* const allowed_client = "192.0.2.1";
// The client that record fails: for replies that must be read as the zone says.
inline const char* const other_client = "203.0.113.9";

inline std::string zone_with(const std::string& name, const std::string& record) {
    return name + " TXT \"" + record + "\"\n";
}

struct Usage {
    double cpu_seconds = 0;  // this thread: the resolver and the evaluator run here
    long max_rss_kb = 0;     // the process (the high-water mark)
};

inline Usage usage_now() {
    rusage thread{};
    getrusage(RUSAGE_THREAD, &thread);
    rusage process{};
    getrusage(RUSAGE_SELF, &process);
    const auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
    return {seconds(thread.ru_utime) + seconds(thread.ru_stime), process.ru_maxrss};
}

constexpr double max_cpu_seconds = 2.0;
constexpr long max_rss_growth_kb = 64 * 1024;

inline void expect_survives(const HostileCase& c) {
    auto parsed_zone = spf::Zone::from_text(c.zone);
    ASSERT_TRUE(std::holds_alternative<spf::Zone>(parsed_zone)) << std::get<std::string>(parsed_zone);
    auto behaviour = spf::testdns::parse_behaviour(c.behaviour);
    ASSERT_TRUE(std::holds_alternative<spf::testdns::Behaviour>(behaviour)) << std::get<std::string>(behaviour);
    spf::testdns::ZoneDnsServer server(std::get<spf::Zone>(std::move(parsed_zone)));
    server.set_behaviour(c.name, std::get<spf::testdns::Behaviour>(behaviour));

    spf::LdnsOptions options;
    options.servers = {spf::DnsServer{server.address(), server.port()}};
    options.query_timeout = c.query_timeout;
    options.retries = 1;
    auto created = spf::LdnsResolver::create(options);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<spf::LdnsResolver>>(created)) << std::get<std::string>(created);
    spf::LdnsResolver& resolver = *std::get<std::unique_ptr<spf::LdnsResolver>>(created);

    const Usage before = usage_now();
    // Two attempts of query_timeout at most; the deadline is a backstop far above it.
    const auto deadline = std::chrono::steady_clock::now() + 4 * c.query_timeout + std::chrono::seconds(5);
    const spf::Answer answer = resolver.resolve({c.name, c.type}, deadline);
    spf::CheckOptions check;
    check.deadline = std::chrono::steady_clock::now() + 8 * c.query_timeout + std::chrono::seconds(5);
    const spf::Evaluation evaluation = spf::check_host(*spf::IpAddress::parse(c.client), c.domain,
                                                       "postmaster@" + c.domain, "mail.example.org", resolver, check);
    const Usage after = usage_now();

    EXPECT_EQ(answer.status, c.status) << answer.detail;
    EXPECT_EQ(evaluation.result, c.result) << evaluation.reason;
    EXPECT_NE(evaluation.result, spf::Result::pass) << "a hostile server made the check pass: " << evaluation.reason;
    EXPECT_LT(after.cpu_seconds - before.cpu_seconds, max_cpu_seconds);
    EXPECT_LT(after.max_rss_kb - before.max_rss_kb, max_rss_growth_kb) << "kB of peak memory more";
}

}  // namespace spf_test
