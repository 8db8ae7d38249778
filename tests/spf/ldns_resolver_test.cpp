// tests/spf/ldns_resolver_test.cpp: LdnsResolver against the loopback ZoneDnsServer,
// parse_dns_server(), and the reply -> Answer mapping as a table of packets.
// Every test starts its own server on 127.0.0.1 (port 0: any free one) with the
// zone it states, and asks it through a real LdnsResolver.
#include "spf/ldns_resolver.hpp"

#include "rfc7208-suite/zone_dns_server.hpp"

#include <ldns/ldns.h>

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
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

// ---- the reply mapping, packet by packet --------------------------------------------------

using PacketPtr = std::unique_ptr<ldns_pkt, decltype(&ldns_pkt_free)>;

// A reply to "example.com TXT" with the given rcode, flags and answer records
// (in presentation form), in wire form.
std::vector<std::uint8_t> reply_wire(ldns_pkt_rcode rcode, bool truncated, const std::vector<std::string>& answers) {
    PacketPtr packet(ldns_pkt_new(), ldns_pkt_free);
    ldns_pkt_set_qr(packet.get(), true);
    ldns_pkt_set_rcode(packet.get(), static_cast<std::uint8_t>(rcode));
    ldns_pkt_set_tc(packet.get(), truncated);
    for (const std::string& text : answers) {
        ldns_rr* rr = nullptr;
        EXPECT_EQ(ldns_rr_new_frm_str(&rr, text.c_str(), 300, nullptr, nullptr), LDNS_STATUS_OK) << text;
        ldns_pkt_push_rr(packet.get(), LDNS_SECTION_ANSWER, rr);
    }
    std::uint8_t* bytes = nullptr;
    std::size_t size = 0;
    EXPECT_EQ(ldns_pkt2wire(&bytes, packet.get(), &size), LDNS_STATUS_OK);
    const std::unique_ptr<std::uint8_t, decltype([](std::uint8_t* p) { std::free(p); })> owned(bytes);
    return {owned.get(), owned.get() + size};
}

TEST(AnswerFromReply, MapsEveryKindOfReplyToItsStatus) {
    const std::string spf = "example.com. IN TXT \"v=spf1 -all\"";
    struct Row {
        const char* name;
        std::vector<std::uint8_t> reply;
        DnsStatus status;
        std::vector<std::string> texts;
        const char* detail;
    };
    const Row rows[] = {
        {"NOERROR with the records",
         reply_wire(LDNS_RCODE_NOERROR, false, {spf}),
         DnsStatus::ok,
         {"v=spf1 -all"},
         "answer from 192.0.2.53:53"},
        {"NOERROR without them",
         reply_wire(LDNS_RCODE_NOERROR, false, {}),
         DnsStatus::no_data,
         {},
         "no TXT records from 192.0.2.53:53"},
        {"NOERROR with records of another type",
         reply_wire(LDNS_RCODE_NOERROR, false, {"example.com. IN A 192.0.2.1"}),
         DnsStatus::no_data,
         {},
         "no TXT records from 192.0.2.53:53"},
        {"NOERROR with records of another name",
         reply_wire(LDNS_RCODE_NOERROR, false, {"other.example. IN TXT \"v=spf1 +all\""}),
         DnsStatus::no_data,
         {},
         "no TXT records from 192.0.2.53:53"},
        {"NOERROR through a CNAME chain",
         reply_wire(LDNS_RCODE_NOERROR, false,
                    {"b.example. IN TXT \"v=spf1 ?all\"", "example.com. IN CNAME A.example.",
                     "a.example. IN CNAME b.example."}),
         DnsStatus::ok,
         {"v=spf1 ?all"},
         "answer from 192.0.2.53:53"},
        {"NOERROR with a CNAME loop",
         reply_wire(LDNS_RCODE_NOERROR, false,
                    {"example.com. IN CNAME a.example.", "a.example. IN CNAME example.com."}),
         DnsStatus::no_data,
         {},
         "no TXT records from 192.0.2.53:53"},
        {"NXDOMAIN",
         reply_wire(LDNS_RCODE_NXDOMAIN, false, {}),
         DnsStatus::nxdomain,
         {},
         "NXDOMAIN from 192.0.2.53:53"},
        {"SERVFAIL",
         reply_wire(LDNS_RCODE_SERVFAIL, false, {}),
         DnsStatus::server_failure,
         {},
         "SERVFAIL from 192.0.2.53:53"},
        {"REFUSED",
         reply_wire(LDNS_RCODE_REFUSED, false, {}),
         DnsStatus::server_failure,
         {},
         "REFUSED from 192.0.2.53:53"},
        {"FORMERR",
         reply_wire(LDNS_RCODE_FORMERR, false, {}),
         DnsStatus::server_failure,
         {},
         "FORMERR from 192.0.2.53:53"},
        {"NOTIMP",
         reply_wire(LDNS_RCODE_NOTIMPL, false, {}),
         DnsStatus::server_failure,
         {},
         "NOTIMP from 192.0.2.53:53"},
        {"YXDOMAIN",
         reply_wire(LDNS_RCODE_YXDOMAIN, false, {spf}),
         DnsStatus::server_failure,
         {},
         "rcode 6 from 192.0.2.53:53"},
        {"truncated",
         reply_wire(LDNS_RCODE_NOERROR, true, {spf}),
         DnsStatus::server_failure,
         {},
         "truncated reply from 192.0.2.53:53"},
        {"shorter than a header",
         {0x12, 0x34, 0x81},
         DnsStatus::server_failure,
         {},
         "malformed reply from 192.0.2.53:53"},
        {"answer count past the end",
         {0x12, 0x34, 0x81, 0x80, 0, 0, 0, 5, 0, 0, 0, 0},
         DnsStatus::server_failure,
         {},
         "malformed reply from 192.0.2.53:53"},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.name);
        const Answer answer = answer_from_reply(row.reply, {"example.com", RrType::txt}, "192.0.2.53:53");
        EXPECT_EQ(answer.status, row.status);
        EXPECT_EQ(answer.texts, row.texts);
        EXPECT_EQ(answer.detail, row.detail);
    }
}

TEST(AnswerFromReply, ReadsEachRecordType) {
    const std::string server = "192.0.2.53:53";
    const Answer mx = answer_from_reply(reply_wire(LDNS_RCODE_NOERROR, false,
                                                   {"example.com. 600 IN MX 20 b.example.",
                                                    "example.com. 60 IN MX 10 a.example.", "example.com. IN MX 0 ."}),
                                        {"example.com", RrType::mx}, server);
    EXPECT_EQ(mx.names, (std::vector<std::string>{"", "a.example", "b.example"}));
    EXPECT_EQ(mx.ttl, 60U);
    const Answer a = answer_from_reply(reply_wire(LDNS_RCODE_NOERROR, false, {"example.com. IN A 192.0.2.7"}),
                                       {"EXAMPLE.COM.", RrType::a}, server);
    EXPECT_EQ(address_texts(a), (std::vector<std::string>{"192.0.2.7"}));
    const Answer aaaa = answer_from_reply(reply_wire(LDNS_RCODE_NOERROR, false, {"example.com. IN AAAA 2001:db8::7"}),
                                          {"example.com", RrType::aaaa}, server);
    EXPECT_EQ(address_texts(aaaa), (std::vector<std::string>{"2001:db8::7"}));
    const Answer ptr =
        answer_from_reply(reply_wire(LDNS_RCODE_NOERROR, false, {"7.2.0.192.in-addr.arpa. IN PTR mail.example.com."}),
                          {"7.2.0.192.in-addr.arpa", RrType::ptr}, server);
    EXPECT_EQ(ptr.names, (std::vector<std::string>{"mail.example.com"}));
}

}  // namespace
}  // namespace spf
