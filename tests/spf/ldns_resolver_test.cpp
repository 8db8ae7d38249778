// tests/spf/ldns_resolver_test.cpp: LdnsResolver against the loopback ZoneDnsServer,
// and parse_dns_server(); the reply -> Answer mapping is tested in dns_reply_test.cpp.
// Every test starts its own server on 127.0.0.1 (port 0: any free one) with the
// zone it states, and asks it through a real LdnsResolver.
#include "spf/ldns_resolver.hpp"

#include "rfc7208-suite/zone_dns_server.hpp"

#include <ldns/ldns.h>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

namespace spf {
namespace {

using std::chrono::milliseconds;
using testdns::ZoneDnsServer;

const auto no_deadline = Deadline::max();

Zone zone_of(std::string_view text) {
    auto parsed = Zone::from_text(text);
    if (auto* error = std::get_if<std::string>(&parsed)) ADD_FAILURE() << *error;
    return std::get_if<Zone>(&parsed) ? std::get<Zone>(std::move(parsed)) : Zone{};
}

std::unique_ptr<LdnsResolver> resolver_for(const std::vector<DnsServer>& servers,
                                           milliseconds timeout = milliseconds{2000}, unsigned retries = 1,
                                           bool edns0 = true) {
    LdnsOptions options;
    options.servers = servers;
    options.query_timeout = timeout;
    options.retries = retries;
    options.edns0 = edns0;
    auto created = LdnsResolver::create(options);
    if (auto* error = std::get_if<std::string>(&created)) {
        ADD_FAILURE() << *error;
        return nullptr;
    }
    return std::get<std::unique_ptr<LdnsResolver>>(std::move(created));
}

std::unique_ptr<LdnsResolver> resolver_for(const ZoneDnsServer& server, milliseconds timeout = milliseconds{2000},
                                           unsigned retries = 1, bool edns0 = true) {
    return resolver_for({DnsServer{server.address(), server.port()}}, timeout, retries, edns0);
}

std::string where(const ZoneDnsServer& server) { return "127.0.0.1:" + std::to_string(server.port()); }

std::vector<std::string> address_texts(const Answer& answer) {
    std::vector<std::string> texts;
    for (const IpAddress& address : answer.addresses) texts.push_back(address.to_string());
    return texts;
}

// A port on which nothing listens: bound, read, and released at once.
std::uint16_t unused_port() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

// ---- against the loopback server ----------------------------------------------------

TEST(LdnsResolver, AsksForIpv4AndIpv6Addresses) {
    ZoneDnsServer server(zone_of(R"(
        mail.example.com  A     192.0.2.1
        mail.example.com  A     192.0.2.2
        mail.example.com  AAAA  2001:db8::25
    )"));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    const Answer a = resolver->resolve({"mail.example.com", RrType::a}, no_deadline);
    EXPECT_EQ(a.status, DnsStatus::ok) << a.detail;
    EXPECT_EQ(address_texts(a), (std::vector<std::string>{"192.0.2.1", "192.0.2.2"}));
    EXPECT_EQ(a.ttl, 300U);
    EXPECT_EQ(a.detail, "answer from " + where(server));
    const Answer aaaa = resolver->resolve({"MAIL.Example.com.", RrType::aaaa}, no_deadline);
    EXPECT_EQ(aaaa.status, DnsStatus::ok) << aaaa.detail;
    EXPECT_EQ(address_texts(aaaa), (std::vector<std::string>{"2001:db8::25"}));
}

TEST(LdnsResolver, SortsMxExchangesByPreference) {
    ZoneDnsServer server(zone_of(R"(
        example.org  MX  20  late.example.org
        example.org  MX  10  smtp.example.org.
        example.org  MX  10  smtp1.example.com
        example.org  MX  0   ""
    )"));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    const Answer answer = resolver->resolve({"example.org", RrType::mx}, no_deadline);
    EXPECT_EQ(answer.status, DnsStatus::ok) << answer.detail;
    EXPECT_EQ(answer.names,
              (std::vector<std::string>{"", "smtp.example.org", "smtp1.example.com", "late.example.org"}));
}

TEST(LdnsResolver, JoinsTheStringsOfOneTxtRecord) {
    ZoneDnsServer server(zone_of(R"(
        example.com  TXT  "v=spf1 ip4:" "192.0.2.5 -all"
        example.com  TXT  "unrelated"
    )"));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    const Answer answer = resolver->resolve({"example.com", RrType::txt}, no_deadline);
    EXPECT_EQ(answer.status, DnsStatus::ok) << answer.detail;
    EXPECT_EQ(answer.texts, (std::vector<std::string>{"v=spf1 ip4:192.0.2.5 -all", "unrelated"}));
}

TEST(LdnsResolver, RepeatsATruncatedAnswerOverTcp) {
    // 40 records of 250 octets: about 10 kB, far over the 1232 octets of EDNS0.
    std::string text;
    std::vector<std::string> expected;
    for (int i = 0; i < 40; ++i) {
        expected.push_back("record " + std::to_string(100 + i) + " " + std::string(239, 'x'));
        text += "big.example.com TXT \"" + expected.back() + "\"\n";
    }
    ZoneDnsServer server(zone_of(text));
    for (const bool edns0 : {true, false}) {
        SCOPED_TRACE(edns0 ? "with EDNS0" : "without EDNS0");
        auto resolver = resolver_for(server, milliseconds{2000}, 1, edns0);
        ASSERT_TRUE(resolver);
        const std::uint64_t before = server.queries_received();
        const Answer answer = resolver->resolve({"big.example.com", RrType::txt}, no_deadline);
        EXPECT_EQ(answer.status, DnsStatus::ok) << answer.detail;
        EXPECT_EQ(answer.texts, expected);
        EXPECT_EQ(server.queries_received() - before, 2U) << "one over UDP, one over TCP";
    }
}

TEST(LdnsResolver, AdvertisesA1232OctetBufferWithEdns0) {
    // About 800 octets: over the 512 of plain DNS, under the 1232 of our EDNS0.
    std::string text;
    for (int i = 0; i < 4; ++i)
        text += "mid.example.com TXT \"" + std::string(180, static_cast<char>('a' + i)) + "\"\n";
    ZoneDnsServer server(zone_of(text));
    struct Row {
        bool edns0;
        std::uint64_t queries;
    };
    for (const Row row : {Row{true, 1}, Row{false, 2}}) {
        SCOPED_TRACE(row.edns0 ? "with EDNS0" : "without EDNS0");
        auto resolver = resolver_for(server, milliseconds{2000}, 1, row.edns0);
        ASSERT_TRUE(resolver);
        const std::uint64_t before = server.queries_received();
        const Answer answer = resolver->resolve({"mid.example.com", RrType::txt}, no_deadline);
        EXPECT_EQ(answer.texts.size(), 4U) << answer.detail;
        EXPECT_EQ(server.queries_received() - before, row.queries);
    }
}

TEST(LdnsResolver, LongTxtStringsArriveWhole) {
    // The server splits a 600-octet string into character-strings of 255; they are joined again.
    const std::string policy = "v=spf1 " + std::string(593, 'a');
    ZoneDnsServer server(zone_of("long.example.com TXT \"" + policy + "\"\n"));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    const Answer answer = resolver->resolve({"long.example.com", RrType::txt}, no_deadline);
    EXPECT_EQ(answer.texts, (std::vector<std::string>{policy}));
}

TEST(LdnsResolver, ReportsNxdomainNoDataAndServerFailure) {
    ZoneDnsServer server(zone_of(R"(
        example.com     A  192.0.2.1
        broken.example  SERVFAIL
    )"));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    struct Row {
        const char* name;
        RrType type;
        DnsStatus status;
        std::string detail;
    };
    const Row rows[] = {
        {"nowhere.example.com", RrType::txt, DnsStatus::nxdomain, "NXDOMAIN from " + where(server)},
        {"example.com", RrType::txt, DnsStatus::no_data, "no TXT records from " + where(server)},
        {"broken.example", RrType::a, DnsStatus::server_failure, "SERVFAIL from " + where(server)},
        {"error.example.com", RrType::txt, DnsStatus::server_failure, "SERVFAIL from " + where(server)},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.name);
        const Answer answer = resolver->resolve({row.name, row.type}, no_deadline);
        EXPECT_EQ(answer.status, row.status);
        EXPECT_EQ(answer.detail, row.detail);
        EXPECT_TRUE(answer.empty());
    }
}

TEST(LdnsResolver, TimesOutWhenTheServerStaysSilent) {
    ZoneDnsServer server(zone_of("_spf.example.net TIMEOUT\n"));
    auto resolver = resolver_for(server, milliseconds{200}, 1);
    ASSERT_TRUE(resolver);
    const Answer answer = resolver->resolve({"_spf.example.net", RrType::txt}, no_deadline);
    EXPECT_EQ(answer.status, DnsStatus::timeout);
    EXPECT_EQ(server.queries_received(), 2U) << "the first attempt and one retry";
}

TEST(LdnsResolver, StopsAtTheDeadlineBeforeTheQueryTimeout) {
    ZoneDnsServer server(zone_of("_spf.example.net TIMEOUT\n"));
    auto resolver = resolver_for(server, milliseconds{60000}, 3);
    ASSERT_TRUE(resolver);
    const auto deadline = std::chrono::steady_clock::now() + milliseconds{200};
    const Answer answer = resolver->resolve({"_spf.example.net", RrType::txt}, deadline);
    EXPECT_EQ(answer.status, DnsStatus::timeout);
    EXPECT_EQ(server.queries_received(), 1U) << "no retry after the deadline";
}

// The deadline comes while the second server is still being waited for, after
// the first refused: a timeout, not the first server's failure. The evaluator
// knows its own deadline by that (resolver.hpp), and ptr's "skip a failed
// name" must not make a verdict of a spent budget.
TEST(LdnsResolver, TimesOutWhenTheDeadlineCutsTheServersShort) {
    const Zone zone = zone_of("example.com TXT \"v=spf1 -all\"\n");
    ZoneDnsServer refusing(zone);
    ZoneDnsServer silent(zone);
    refusing.set_behaviour("example.com", testdns::Behaviour{testdns::Behaviour::Mode::refused});
    silent.set_behaviour("example.com", testdns::Behaviour{testdns::Behaviour::Mode::silence});
    auto resolver =
        resolver_for({DnsServer{refusing.address(), refusing.port()}, DnsServer{silent.address(), silent.port()}},
                     milliseconds{5000}, 0);
    ASSERT_TRUE(resolver);
    const Answer answer =
        resolver->resolve({"example.com", RrType::txt}, std::chrono::steady_clock::now() + milliseconds{300});
    EXPECT_EQ(answer.status, DnsStatus::timeout) << answer.detail;
    EXPECT_NE(answer.detail.find("REFUSED from " + where(refusing)), std::string::npos) << answer.detail;
    EXPECT_NE(answer.detail.find("no reply from " + where(silent)), std::string::npos) << answer.detail;
}

TEST(LdnsResolver, SendsNothingOnceTheDeadlineHasPassed) {
    ZoneDnsServer server(zone_of("example.com A 192.0.2.1\n"));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    const auto past = std::chrono::steady_clock::now() - milliseconds{1};
    EXPECT_EQ(resolver->resolve({"example.com", RrType::a}, past).status, DnsStatus::timeout);
    EXPECT_EQ(server.queries_received(), 0U);
}

TEST(LdnsResolver, FollowsTheCnameChainTheServerSends) {
    ZoneDnsServer server(zone_of(R"(
        www.example.com   CNAME  web.example.com
        web.example.com   CNAME  Host.Example.com
        host.example.com  A      192.0.2.80
        other.example.com A      192.0.2.99
    )"));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    const Answer answer = resolver->resolve({"www.example.com", RrType::a}, no_deadline);
    EXPECT_EQ(answer.status, DnsStatus::ok) << answer.detail;
    EXPECT_EQ(address_texts(answer), (std::vector<std::string>{"192.0.2.80"}));
}

// One reading of a CNAME loop for both resolvers (README, "How the engine reads
// RFC 7208"): a server failure, whether the zone or the reply holds the loop.
TEST(LdnsResolver, FailsACnameLoopAsTheZoneDoes) {
    const Zone zone = zone_of(R"(
        a.example.com  CNAME  b.example.com
        b.example.com  CNAME  A.example.com
    )");
    EXPECT_EQ(zone.lookup("a.example.com", RrType::txt).status, DnsStatus::server_failure);
    ZoneDnsServer server(zone);
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    const Answer answer = resolver->resolve({"a.example.com", RrType::txt}, no_deadline);
    EXPECT_EQ(answer.status, DnsStatus::server_failure) << answer.detail;
    EXPECT_TRUE(answer.texts.empty());
}

TEST(LdnsResolver, AsksForPtrNames) {
    ZoneDnsServer server(zone_of(R"(
        25.2.0.192.in-addr.arpa  PTR  mail.example.com
        25.2.0.192.in-addr.arpa  PTR  "mx.example.com."
    )"));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    const Answer answer = resolver->resolve({IpAddress::parse("192.0.2.25")->reverse_name(), RrType::ptr}, no_deadline);
    EXPECT_EQ(answer.status, DnsStatus::ok) << answer.detail;
    EXPECT_EQ(answer.names, (std::vector<std::string>{"mail.example.com", "mx.example.com"}));
}

TEST(LdnsResolver, TakesTheSmallestTtl) {
    Zone zone;
    ZoneRecord record;
    record.kind = ZoneRecord::Kind::a;
    record.address = *IpAddress::parse("192.0.2.1");
    record.ttl = 3600;
    zone.add("example.com", record);
    record.address = *IpAddress::parse("192.0.2.2");
    record.ttl = 120;
    zone.add("example.com", record);
    ZoneDnsServer server(std::move(zone));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    EXPECT_EQ(resolver->resolve({"example.com", RrType::a}, no_deadline).ttl, 120U);
}

TEST(LdnsResolver, FailsANameThatCannotBeSentWithoutSendingIt) {
    ZoneDnsServer server(zone_of("example.com A 192.0.2.1\n"));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    const Answer long_label = resolver->resolve({std::string(64, 'a') + ".example.com", RrType::txt}, no_deadline);
    EXPECT_EQ(long_label.status, DnsStatus::server_failure);
    EXPECT_NE(long_label.detail.find("label longer than 63 octets"), std::string::npos) << long_label.detail;
    std::string long_name;
    for (int i = 0; i < 5; ++i) long_name += std::string(60, 'b') + ".";
    const Answer too_long = resolver->resolve({long_name + "example", RrType::txt}, no_deadline);
    EXPECT_EQ(too_long.status, DnsStatus::server_failure);
    EXPECT_NE(too_long.detail.find("name longer than 255 octets"), std::string::npos) << too_long.detail;
    EXPECT_EQ(resolver->resolve({"a..example.com", RrType::a}, no_deadline).status, DnsStatus::server_failure);
    EXPECT_EQ(server.queries_received(), 0U);
}

TEST(LdnsResolver, CallsAPortNobodyServesAServerFailure) {
    const std::uint16_t port = unused_port();
    auto resolver = resolver_for({DnsServer{"127.0.0.1", port}}, milliseconds{2000}, 0);
    ASSERT_TRUE(resolver);
    const Answer answer = resolver->resolve({"example.com", RrType::a}, no_deadline);
    EXPECT_EQ(answer.status, DnsStatus::server_failure);
    EXPECT_EQ(answer.detail, "port unreachable at 127.0.0.1:" + std::to_string(port));
}

TEST(LdnsResolver, MovesOnToTheNextServerAfterAFailure) {
    ZoneDnsServer failing(zone_of("example.com SERVFAIL\n"));
    ZoneDnsServer working(zone_of("example.com A 192.0.2.1\n"));
    auto resolver = resolver_for({DnsServer{"127.0.0.1", unused_port()}, DnsServer{"127.0.0.1", failing.port()},
                                  DnsServer{"127.0.0.1", working.port()}});
    ASSERT_TRUE(resolver);
    const Answer answer = resolver->resolve({"example.com", RrType::a}, no_deadline);
    EXPECT_EQ(answer.status, DnsStatus::ok) << answer.detail;
    EXPECT_EQ(answer.detail, "answer from " + where(working));
    EXPECT_EQ(failing.queries_received(), 1U);
}

TEST(LdnsResolver, AnswersManyThreadsAtOnce) {
    ZoneDnsServer server(zone_of(R"(
        t0.example  TXT  "v=spf1 ip4:192.0.2.0 -all"
        t1.example  TXT  "v=spf1 ip4:192.0.2.1 -all"
        t2.example  TXT  "v=spf1 ip4:192.0.2.2 -all"
        t3.example  TXT  "v=spf1 ip4:192.0.2.3 -all"
        t4.example  TXT  "v=spf1 ip4:192.0.2.4 -all"
        t5.example  TXT  "v=spf1 ip4:192.0.2.5 -all"
        t6.example  TXT  "v=spf1 ip4:192.0.2.6 -all"
        t7.example  TXT  "v=spf1 ip4:192.0.2.7 -all"
    )"));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    constexpr int threads = 8;
    constexpr int queries_each = 50;
    std::vector<int> correct(threads, 0);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int q = 0; q < queries_each; ++q) {
                const int n = (t + q) % threads;
                const Answer answer =
                    resolver->resolve({"t" + std::to_string(n) + ".example", RrType::txt}, no_deadline);
                const std::string expected = "v=spf1 ip4:192.0.2." + std::to_string(n) + " -all";
                if (answer.status == DnsStatus::ok && answer.texts == std::vector<std::string>{expected}) ++correct[t];
            }
        });
    }
    for (std::thread& worker : workers) worker.join();
    for (int t = 0; t < threads; ++t) EXPECT_EQ(correct[t], queries_each) << "thread " << t;
    EXPECT_EQ(server.queries_received(), std::uint64_t{threads * queries_each});
}

TEST(LdnsResolver, AsksAServerOnIpv6Loopback) {
    std::unique_ptr<ZoneDnsServer> server;
    try {
        server = std::make_unique<ZoneDnsServer>(zone_of("example.com AAAA 2001:db8::1\n"), "::1");
    } catch (const std::runtime_error& error) {
        GTEST_SKIP() << "no IPv6 loopback here: " << error.what();
    }
    auto resolver = resolver_for(*server);
    ASSERT_TRUE(resolver);
    const Answer answer = resolver->resolve({"example.com", RrType::aaaa}, no_deadline);
    EXPECT_EQ(answer.status, DnsStatus::ok) << answer.detail;
    EXPECT_EQ(address_texts(answer), (std::vector<std::string>{"2001:db8::1"}));
    EXPECT_EQ(answer.detail, "answer from [::1]:" + std::to_string(server->port()));
}

// ---- configuration --------------------------------------------------------------------

TEST(LdnsResolverCreate, ReadsTheNameserversOfResolvConf) {
    const std::string path = ::testing::TempDir() + "ldns_resolver_test_resolv.conf";
    std::ofstream(path) << "# comment\nsearch example.com\nnameserver 192.0.2.53\n"
                           "nameserver fe80::1%eth0\nnameserver 2001:db8::53 ; comment\noptions ndots:1\n";
    LdnsOptions options;
    options.resolv_conf = path;
    auto created = LdnsResolver::create(options);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<LdnsResolver>>(created)) << std::get<std::string>(created);
    const auto& servers = std::get<std::unique_ptr<LdnsResolver>>(created)->options().servers;
    ASSERT_EQ(servers.size(), 2U) << "the scoped address is skipped";
    EXPECT_EQ(servers[0].host, "192.0.2.53");
    EXPECT_EQ(servers[1].host, "2001:db8::53");
    EXPECT_EQ(servers[1].port, 53);
    std::remove(path.c_str());
}

TEST(LdnsResolverCreate, TakesTheOptionsOfResolvConfUnlessGiven) {
    const std::string path = ::testing::TempDir() + "ldns_resolver_test_options.conf";
    std::ofstream(path) << "nameserver 192.0.2.53\noptions timeout:2 attempts:4 rotate\n";
    const auto used = [&](LdnsOptions options) {
        options.resolv_conf = path;
        auto created = LdnsResolver::create(options);
        EXPECT_TRUE(std::holds_alternative<std::unique_ptr<LdnsResolver>>(created));
        return std::get<std::unique_ptr<LdnsResolver>>(std::move(created))->options();
    };
    const LdnsOptions from_file = used({});
    EXPECT_EQ(from_file.query_timeout, milliseconds(2000));
    EXPECT_EQ(from_file.retries, 3U);
    EXPECT_TRUE(from_file.rotate);

    LdnsOptions explicit_timing;
    explicit_timing.query_timeout = milliseconds(700);
    explicit_timing.retries = 0;
    const LdnsOptions explicit_used = used(explicit_timing);
    EXPECT_EQ(explicit_used.query_timeout, milliseconds(700));
    EXPECT_EQ(explicit_used.retries, 0U);

    // Servers given explicitly: resolv.conf is not read at all.
    LdnsOptions explicit_servers;
    explicit_servers.servers = {DnsServer{"192.0.2.1", 53}};
    const LdnsOptions servers_used = used(explicit_servers);
    EXPECT_EQ(servers_used.query_timeout, LdnsOptions::default_query_timeout);
    EXPECT_EQ(servers_used.retries, LdnsOptions::default_retries);
    EXPECT_FALSE(servers_used.rotate);
    std::remove(path.c_str());
}

// resolv.conf names servers without a port: these tests need port 53 on
// loopback addresses of their own, so root (as in CI); skipped otherwise.
class SilentPort53 {
public:
    explicit SilentPort53(const char* address) {
        fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in where{};
        where.sin_family = AF_INET;
        where.sin_port = htons(53);
        ::inet_pton(AF_INET, address, &where.sin_addr);
        bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&where), sizeof where) == 0;
    }
    ~SilentPort53() { ::close(fd_); }
    bool bound() const { return bound_; }
    // Datagrams received so far (read without blocking).
    int drain() {
        std::uint8_t buffer[512];
        while (::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT) > 0) ++received_;
        return received_;
    }

private:
    int fd_ = -1;
    bool bound_ = false;
    int received_ = 0;
};

TEST(LdnsResolverResolvConf, WaitsTimeoutForEachOfItsAttempts) {
    SilentPort53 silent("127.0.0.2");
    if (!silent.bound()) GTEST_SKIP() << "cannot bind 127.0.0.2:53 (not root?)";
    const std::string path = ::testing::TempDir() + "ldns_resolver_test_silent.conf";
    std::ofstream(path) << "nameserver 127.0.0.2\noptions timeout:1 attempts:3\n";
    LdnsOptions options;
    options.resolv_conf = path;
    auto created = LdnsResolver::create(options);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<LdnsResolver>>(created));
    const auto start = std::chrono::steady_clock::now();
    const Answer answer =
        std::get<std::unique_ptr<LdnsResolver>>(created)->resolve({"example.com", RrType::txt}, no_deadline);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(answer.status, DnsStatus::timeout);
    EXPECT_EQ(silent.drain(), 3) << "attempts:3 is three queries";
    // A lower bound only: three waits of timeout:1 cannot take less than 3 s.
    EXPECT_GE(elapsed, std::chrono::milliseconds(2990));
    std::remove(path.c_str());
}

TEST(LdnsResolverResolvConf, RotateSpreadsQuestionsOverTheServers) {
    // Addresses of its own: CTest runs the silent-server test beside it.
    std::unique_ptr<ZoneDnsServer> first, second;
    try {
        first = std::make_unique<ZoneDnsServer>(zone_of("example.com TXT \"v=spf1 -all\"\n"), "127.0.0.4", 53);
        second = std::make_unique<ZoneDnsServer>(zone_of("example.com TXT \"v=spf1 -all\"\n"), "127.0.0.5", 53);
    } catch (const std::exception& error) {
        GTEST_SKIP() << "cannot serve on port 53 of 127.0.0.4 and .5: " << error.what();
    }
    const std::string path = ::testing::TempDir() + "ldns_resolver_test_rotate.conf";
    const auto asked = [&](const char* options_line) {
        std::ofstream(path) << "nameserver 127.0.0.4\nnameserver 127.0.0.5\n" << options_line << "\n";
        LdnsOptions options;
        options.resolv_conf = path;
        auto created = LdnsResolver::create(options);
        EXPECT_TRUE(std::holds_alternative<std::unique_ptr<LdnsResolver>>(created));
        auto& resolver = *std::get<std::unique_ptr<LdnsResolver>>(created);
        const std::uint64_t before_first = first->queries_received(), before_second = second->queries_received();
        for (int i = 0; i < 4; ++i)
            EXPECT_EQ(resolver.resolve({"example.com", RrType::txt}, no_deadline).status, DnsStatus::ok);
        return std::pair{first->queries_received() - before_first, second->queries_received() - before_second};
    };
    EXPECT_EQ(asked(""), (std::pair<std::uint64_t, std::uint64_t>{4, 0}));
    EXPECT_EQ(asked("options rotate"), (std::pair<std::uint64_t, std::uint64_t>{2, 2}));
    std::remove(path.c_str());
}

// ---- forged replies -----------------------------------------------------------------------

// A UDP server that answers one query with the datagrams `reply` makes of it.
class ScriptedUdpServer {
public:
    using Script = std::function<std::vector<std::vector<std::uint8_t>>(const std::vector<std::uint8_t>& query)>;
    explicit ScriptedUdpServer(Script script) : script_(std::move(script)) {
        fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in where{};
        where.sin_family = AF_INET;
        where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&where), sizeof where);
        socklen_t length = sizeof where;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&where), &length);
        port_ = ntohs(where.sin_port);
        thread_ = std::thread([this] { serve_one(); });
    }
    ~ScriptedUdpServer() {
        ::shutdown(fd_, SHUT_RDWR);
        thread_.join();
        ::close(fd_);
    }
    std::uint16_t port() const { return port_; }

private:
    void serve_one() {
        std::vector<std::uint8_t> query(4096);
        sockaddr_storage from{};
        socklen_t length = sizeof from;
        const ssize_t got = ::recvfrom(fd_, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&from), &length);
        if (got <= 0) return;
        query.resize(static_cast<std::size_t>(got));
        for (const auto& datagram : script_(query))
            ::sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&from), length);
    }
    Script script_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

// A reply to `query` (its ID and question), with one TXT record owned by the
// question's name (a pointer to it), and the header changes a forger makes.
struct Forgery {
    bool keep_question = true;
    int id_delta = 0;
    std::string question_name;  // another name in the question, if not empty
};

std::vector<std::uint8_t> reply_to(const std::vector<std::uint8_t>& query, const std::string& text,
                                   const Forgery& forgery = {}) {
    std::size_t end = 12;
    while (query[end] != 0) end += query[end] + 1u;
    end += 5;  // the root label, type, class
    std::vector<std::uint8_t> reply(query.begin(), query.begin() + 12);
    const unsigned id = ((unsigned{reply[0]} << 8 | reply[1]) + static_cast<unsigned>(forgery.id_delta)) & 0xffff;
    reply[0] = static_cast<std::uint8_t>(id >> 8);
    reply[1] = static_cast<std::uint8_t>(id);
    reply[2] = 0x84;  // QR, AA
    reply[3] = 0;
    reply[4] = 0;
    reply[5] = forgery.keep_question ? 1 : 0;
    reply[6] = 0;
    reply[7] = 1;  // one answer
    reply[8] = reply[9] = reply[10] = reply[11] = 0;
    std::vector<std::uint8_t> owner;
    if (!forgery.keep_question) {
        owner.assign(query.begin() + 12, query.begin() + static_cast<std::ptrdiff_t>(end) - 4);
    } else if (!forgery.question_name.empty()) {
        for (char c : std::string("\x05other\x07example")) reply.push_back(static_cast<std::uint8_t>(c));
        reply.push_back(0);
        const auto type_and_class = query.begin() + static_cast<std::ptrdiff_t>(end) - 4;
        reply.insert(reply.end(), type_and_class, type_and_class + 4);
        owner.assign(query.begin() + 12, query.begin() + static_cast<std::ptrdiff_t>(end) - 4);
    } else {
        reply.insert(reply.end(), query.begin() + 12, query.begin() + static_cast<std::ptrdiff_t>(end));
        owner = {0xc0, 0x0c};
    }
    reply.insert(reply.end(), owner.begin(), owner.end());
    for (int octet : {0, 16, 0, 1, 0, 0, 1, 44}) reply.push_back(static_cast<std::uint8_t>(octet));
    reply.push_back(0);
    reply.push_back(static_cast<std::uint8_t>(text.size() + 1));
    reply.push_back(static_cast<std::uint8_t>(text.size()));
    reply.insert(reply.end(), text.begin(), text.end());
    return reply;
}

TEST(LdnsResolver, DropsForgedDatagramsAndWaitsForTheReply) {
    ScriptedUdpServer server([](const std::vector<std::uint8_t>& query) {
        Forgery no_question;
        no_question.keep_question = false;
        Forgery other_name;
        other_name.question_name = "other.example";
        Forgery other_id;
        other_id.id_delta = 1;
        return std::vector<std::vector<std::uint8_t>>{
            reply_to(query, "v=spf1 +all", no_question),
            reply_to(query, "v=spf1 +all", other_name),
            reply_to(query, "v=spf1 +all", other_id),
            reply_to(query, "v=spf1 -all"),
        };
    });
    auto resolver = resolver_for({DnsServer{"127.0.0.1", server.port()}}, milliseconds{2000}, 0);
    const Answer answer = resolver->resolve({"example.com", RrType::txt}, no_deadline);
    EXPECT_EQ(answer.status, DnsStatus::ok) << answer.detail;
    EXPECT_EQ(answer.texts, std::vector<std::string>{"v=spf1 -all"});
}

TEST(LdnsResolver, TimesOutWhenOnlyForgedDatagramsArrive) {
    ScriptedUdpServer server([](const std::vector<std::uint8_t>& query) {
        Forgery no_question;
        no_question.keep_question = false;
        return std::vector<std::vector<std::uint8_t>>{reply_to(query, "v=spf1 +all", no_question)};
    });
    auto resolver = resolver_for({DnsServer{"127.0.0.1", server.port()}}, milliseconds{300}, 0);
    const Answer answer = resolver->resolve({"example.com", RrType::txt}, no_deadline);
    EXPECT_EQ(answer.status, DnsStatus::timeout) << answer.detail;
    EXPECT_TRUE(answer.texts.empty());
}

TEST(LdnsResolverCreate, ExplainsWhyItHasNoServer) {
    const std::string path = ::testing::TempDir() + "ldns_resolver_test_empty.conf";
    std::ofstream(path) << "search example.com\n";
    struct Row {
        LdnsOptions options;
        std::string error;
    };
    LdnsOptions empty;
    empty.resolv_conf = path;
    LdnsOptions missing;
    missing.resolv_conf = path + ".missing";
    LdnsOptions named;
    named.servers = {DnsServer{"dns.example.com", 53}};
    LdnsOptions zero_timeout;
    zero_timeout.servers = {DnsServer{"192.0.2.53", 53}};
    zero_timeout.query_timeout = milliseconds{0};
    const Row rows[] = {
        {empty, "no usable nameserver in " + path},
        {missing, "cannot read " + path + ".missing: No such file or directory"},
        {named, "bad DNS server \"dns.example.com\" port 53 (an IP address and a port from 1 to 65535)"},
        {zero_timeout, "query timeout must be positive"},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.error);
        auto created = LdnsResolver::create(row.options);
        ASSERT_TRUE(std::holds_alternative<std::string>(created));
        EXPECT_EQ(std::get<std::string>(created), row.error);
    }
    std::remove(path.c_str());
}

TEST(ParseDnsServer, ReadsAddressesWithAndWithoutPorts) {
    struct Row {
        const char* text;
        const char* host;
        std::uint16_t port;
    };
    const Row rows[] = {
        {"127.0.0.1", "127.0.0.1", 53},
        {"127.0.0.1:5353", "127.0.0.1", 5353},
        {"::1", "::1", 53},
        {"[::1]:5353", "::1", 5353},
        {"[2001:db8::53]", "2001:db8::53", 53},
        {"2001:db8::53", "2001:db8::53", 53},
        {"192.0.2.53:65535", "192.0.2.53", 65535},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.text);
        auto parsed = parse_dns_server(row.text);
        ASSERT_TRUE(std::holds_alternative<DnsServer>(parsed)) << std::get<std::string>(parsed);
        EXPECT_EQ(std::get<DnsServer>(parsed).host, row.host);
        EXPECT_EQ(std::get<DnsServer>(parsed).port, row.port);
    }
}

TEST(ParseDnsServer, ExplainsWhatIsWrong) {
    struct Row {
        const char* text;
        const char* error;
    };
    const Row rows[] = {
        {"", "empty DNS server address"},
        {"dns.example.com", "\"dns.example.com\" is not an IP address (a DNS server is given by address, not by name)"},
        {"127.0.0.1:0", "bad port \"0\" in \"127.0.0.1:0\" (expected 1 to 65535)"},
        {"127.0.0.1:65536", "bad port \"65536\" in \"127.0.0.1:65536\" (expected 1 to 65535)"},
        {"127.0.0.1:", "bad port \"\" in \"127.0.0.1:\" (expected 1 to 65535)"},
        {"127.0.0.1:53x", "bad port \"53x\" in \"127.0.0.1:53x\" (expected 1 to 65535)"},
        {"[::1", "missing ']' in \"[::1\""},
        {"[::1]5353", "expected \":PORT\" after ']' in \"[::1]5353\""},
        {"[127.0.0.1]:53", "brackets are for IPv6 addresses, in \"[127.0.0.1]:53\""},
        {"300.0.0.1", "\"300.0.0.1\" is not an IP address (a DNS server is given by address, not by name)"},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.text);
        auto parsed = parse_dns_server(row.text);
        ASSERT_TRUE(std::holds_alternative<std::string>(parsed));
        EXPECT_EQ(std::get<std::string>(parsed), row.error);
    }
}

}  // namespace
}  // namespace spf
