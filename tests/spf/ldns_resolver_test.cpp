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

#include <algorithm>
#include <chrono>
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

// ---- batches: resolve_each() ----------------------------------------------------------

// What the sink of one resolve_each() saw.
struct Batch {
    std::vector<std::size_t> order;      // question indices, in the order of the sink's calls
    std::vector<Answer> answers;         // by question index
    std::vector<int> calls;              // sink calls by question index: 1 each
    std::uint64_t queries_at_first = 0;  // what the server had received when the first answer came
};

// Through the Resolver interface, as check_host() asks.
Batch ask_batch(Resolver& resolver, const std::vector<Question>& questions, Deadline deadline = no_deadline,
                const ZoneDnsServer* counted = nullptr) {
    Batch batch;
    batch.answers.resize(questions.size());
    batch.calls.assign(questions.size(), 0);
    const std::thread::id caller = std::this_thread::get_id();
    resolver.resolve_each(questions, deadline, [&](std::size_t index, Answer&& answer) {
        EXPECT_EQ(std::this_thread::get_id(), caller) << "the sink runs on the calling thread";
        if (batch.order.empty() && counted != nullptr) batch.queries_at_first = counted->queries_received();
        if (index >= questions.size()) return ADD_FAILURE() << "index " << index << " out of range";
        batch.order.push_back(index);
        ++batch.calls[index];
        batch.answers[index] = std::move(answer);
    });
    EXPECT_EQ(batch.calls, std::vector<int>(questions.size(), 1)) << "one answer for each question";
    return batch;
}

testdns::Behaviour delayed(int ms) {
    testdns::Behaviour behaviour{testdns::Behaviour::Mode::delay};
    behaviour.delay = milliseconds{ms};
    return behaviour;
}

// Names t0.example ... with one TXT record each, "v=spf1 ip4:192.0.2.N -all".
std::string numbered_zone(int count) {
    std::string text;
    for (int i = 0; i < count; ++i)
        text += "t" + std::to_string(i) + ".example TXT \"v=spf1 ip4:192.0.2." + std::to_string(i) + " -all\"\n";
    return text;
}
std::vector<Question> numbered_questions(int count) {
    std::vector<Question> questions;
    for (int i = 0; i < count; ++i) questions.push_back({"t" + std::to_string(i) + ".example", RrType::txt});
    return questions;
}
std::vector<std::string> numbered_texts(std::size_t i) { return {"v=spf1 ip4:192.0.2." + std::to_string(i) + " -all"}; }

// The one part of a detail that differs from call to call: the milliseconds waited.
std::string without_milliseconds(const std::string& detail) {
    const std::string before = "timeout after ";
    if (detail.rfind(before, 0) != 0) return detail;
    const std::size_t end = detail.find(" ms", before.size());
    return end == std::string::npos ? detail : before + "N" + detail.substr(end);
}

TEST(LdnsResolverBatch, AsksAllQuestionsAtOnce) {
    constexpr int count = 8;
    constexpr int delay_ms = 200;
    ZoneDnsServer server(zone_of(numbered_zone(count)));
    for (const Question& question : numbered_questions(count)) server.set_behaviour(question.name, delayed(delay_ms));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    const auto start = std::chrono::steady_clock::now();
    const Batch batch = ask_batch(*resolver, numbered_questions(count), no_deadline, &server);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    for (std::size_t i = 0; i < count; ++i) {
        EXPECT_EQ(batch.answers[i].status, DnsStatus::ok) << batch.answers[i].detail;
        EXPECT_EQ(batch.answers[i].texts, numbered_texts(i));
    }
    // Every query was out before the first reply came back: one after the
    // other, the server would have seen one.
    EXPECT_EQ(batch.queries_at_first, std::uint64_t{count});
    // Asked one by one, the batch cannot take less than count * delay (1.6 s);
    // at once it takes one delay. Half the serial time leaves room for a busy machine.
    EXPECT_LT(elapsed, milliseconds{count * delay_ms / 2});
}

TEST(LdnsResolverBatch, GivesEachAnswerAsSoonAsItIsKnown) {
    ZoneDnsServer server(zone_of(numbered_zone(3)));
    server.set_behaviour("t0.example", delayed(400));
    server.set_behaviour("t2.example", delayed(100));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    const Batch batch = ask_batch(*resolver, numbered_questions(3));
    EXPECT_EQ(batch.order, (std::vector<std::size_t>{1, 2, 0})) << "the slow name does not hold the others back";
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(batch.answers[i].texts, numbered_texts(i)) << i;
}

TEST(LdnsResolverBatch, AnswersEachQuestionAsResolveDoes) {
    std::string big;
    for (int i = 0; i < 40; ++i)
        big += "big.example.com TXT \"record " + std::to_string(i) + std::string(239, 'x') + "\"\n";
    ZoneDnsServer server(zone_of(big + R"(
        mail.example.com  A      192.0.2.1
        mail.example.com  AAAA   2001:db8::25
        example.org       MX     10 smtp.example.org
        www.example.com   CNAME  mail.example.com
        broken.example    SERVFAIL
        silent.example    TIMEOUT
        refusing.example  A      192.0.2.9
        late.example      A      192.0.2.10
    )"));
    server.set_behaviour("refusing.example", testdns::Behaviour{testdns::Behaviour::Mode::refused});
    server.set_behaviour("late.example", delayed(100));
    const std::vector<Question> questions = {
        {"mail.example.com", RrType::a},                   // ok
        {"big.example.com", RrType::txt},                  // truncated over UDP, then TCP
        {"nowhere.example.com", RrType::txt},              // NXDOMAIN
        {"mail.example.com", RrType::txt},                 // no data
        {"broken.example", RrType::a},                     // SERVFAIL
        {"silent.example", RrType::txt},                   // timeout
        {"example.org", RrType::mx},                       // ok, names
        {"www.example.com", RrType::a},                    // through the CNAME
        {"refusing.example", RrType::a},                   // REFUSED
        {"late.example", RrType::a},                       // ok, late
        {std::string(64, 'a') + ".example", RrType::txt},  // cannot be sent
        {"mail.example.com", RrType::aaaa},                // ok
    };
    auto resolver = resolver_for(server, milliseconds{300}, 0);
    ASSERT_TRUE(resolver);
    std::vector<Answer> one_by_one;
    for (const Question& question : questions) one_by_one.push_back(resolver->resolve(question, no_deadline));
    const std::uint64_t serial_queries = server.queries_received();
    const Batch batch = ask_batch(*resolver, questions);
    EXPECT_EQ(server.queries_received() - serial_queries, serial_queries) << "the same queries, UDP and TCP";
    for (std::size_t i = 0; i < questions.size(); ++i) {
        SCOPED_TRACE(questions[i].name + " " + std::string(to_string(questions[i].type)));
        const Answer& alone = one_by_one[i];
        const Answer& together = batch.answers[i];
        EXPECT_EQ(together.status, alone.status);
        EXPECT_EQ(together.texts, alone.texts);
        EXPECT_EQ(address_texts(together), address_texts(alone));
        EXPECT_EQ(together.names, alone.names);
        EXPECT_EQ(together.ttl, alone.ttl);
        EXPECT_EQ(without_milliseconds(together.detail), without_milliseconds(alone.detail));
    }
    // Not all alike: the rows cover what they say.
    EXPECT_EQ(batch.answers[1].texts.size(), 40U);
    EXPECT_EQ(batch.answers[2].status, DnsStatus::nxdomain);
    EXPECT_EQ(batch.answers[3].status, DnsStatus::no_data);
    EXPECT_EQ(batch.answers[4].status, DnsStatus::server_failure);
    EXPECT_EQ(batch.answers[5].status, DnsStatus::timeout);
    EXPECT_EQ(batch.answers[8].detail, "REFUSED from " + where(server));
    EXPECT_EQ(batch.answers[10].status, DnsStatus::server_failure);
}

TEST(LdnsResolverBatch, DropsForgedRepliesToOneQuestionAndAnswersTheOthers) {
    ZoneDnsServer server(zone_of(numbered_zone(4)));
    server.set_behaviour("t1.example", testdns::Behaviour{testdns::Behaviour::Mode::wrong_id});
    server.set_behaviour("t2.example", testdns::Behaviour{testdns::Behaviour::Mode::other_question});
    auto resolver = resolver_for(server, milliseconds{300}, 0);
    ASSERT_TRUE(resolver);
    const Batch batch = ask_batch(*resolver, numbered_questions(4));
    for (const std::size_t forged : {1U, 2U}) {
        EXPECT_EQ(batch.answers[forged].status, DnsStatus::timeout) << batch.answers[forged].detail;
        EXPECT_TRUE(batch.answers[forged].texts.empty());
    }
    for (const std::size_t honest : {0U, 3U}) {
        EXPECT_EQ(batch.answers[honest].status, DnsStatus::ok) << batch.answers[honest].detail;
        EXPECT_EQ(batch.answers[honest].texts, numbered_texts(honest));
    }
    EXPECT_EQ(batch.order.back() == 1 || batch.order.back() == 2, true) << "the forged ones wait to the end";
}

TEST(LdnsResolverBatch, AsksTheNextServerForEveryQuestionTheFirstLeavesUnanswered) {
    constexpr int count = 6;
    std::string silent_zone;
    for (const Question& question : numbered_questions(count)) silent_zone += question.name + " TIMEOUT\n";
    ZoneDnsServer silent(zone_of(silent_zone));
    ZoneDnsServer working(zone_of(numbered_zone(count)));
    auto resolver =
        resolver_for({DnsServer{silent.address(), silent.port()}, DnsServer{working.address(), working.port()}},
                     milliseconds{200}, 1);
    ASSERT_TRUE(resolver);
    const Batch batch = ask_batch(*resolver, numbered_questions(count));
    for (std::size_t i = 0; i < count; ++i) {
        EXPECT_EQ(batch.answers[i].status, DnsStatus::ok) << batch.answers[i].detail;
        EXPECT_EQ(batch.answers[i].detail, "answer from " + where(working));
    }
    EXPECT_EQ(silent.queries_received(), std::uint64_t{count}) << "answered by the second: no retry";
    EXPECT_EQ(working.queries_received(), std::uint64_t{count});
}

TEST(LdnsResolverBatch, RetriesASilentServerForEveryQuestion) {
    constexpr int count = 4;
    std::string silent_zone;
    for (const Question& question : numbered_questions(count)) silent_zone += question.name + " TIMEOUT\n";
    ZoneDnsServer silent(zone_of(silent_zone));
    auto resolver = resolver_for(silent, milliseconds{200}, 1);
    ASSERT_TRUE(resolver);
    const Batch batch = ask_batch(*resolver, numbered_questions(count));
    for (const Answer& answer : batch.answers) {
        EXPECT_EQ(answer.status, DnsStatus::timeout);
        EXPECT_EQ(without_milliseconds(answer.detail), "timeout after N ms (no reply from " + where(silent) + ")");
    }
    EXPECT_EQ(silent.queries_received(), std::uint64_t{2 * count}) << "the first attempt and one retry each";
}

TEST(LdnsResolverBatch, TheDeadlineCutsTheWholeBatch) {
    constexpr int count = 5;
    std::string silent_zone;
    for (const Question& question : numbered_questions(count)) silent_zone += question.name + " TIMEOUT\n";
    ZoneDnsServer silent(zone_of(silent_zone));
    auto resolver = resolver_for(silent, milliseconds{60000}, 3);
    ASSERT_TRUE(resolver);
    const auto start = std::chrono::steady_clock::now();
    const Batch batch = ask_batch(*resolver, numbered_questions(count), start + milliseconds{300});
    // Far below one query_timeout of 60 s: the deadline, not the timeout, ended it.
    EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds{30000});
    for (const Answer& answer : batch.answers) EXPECT_EQ(answer.status, DnsStatus::timeout) << answer.detail;
    EXPECT_EQ(silent.queries_received(), std::uint64_t{count}) << "no retry after the deadline";
}

TEST(LdnsResolverBatch, SendsNothingForABatchPastItsDeadline) {
    ZoneDnsServer server(zone_of(numbered_zone(3)));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    const Batch batch = ask_batch(*resolver, numbered_questions(3), std::chrono::steady_clock::now() - milliseconds{1});
    for (const Answer& answer : batch.answers) {
        EXPECT_EQ(answer.status, DnsStatus::timeout);
        EXPECT_EQ(answer.detail, "timeout: the deadline passed before the query was sent");
    }
    EXPECT_EQ(server.queries_received(), 0U);
}

TEST(LdnsResolverBatch, AnswersNothingForAnEmptyBatch) {
    ZoneDnsServer server(zone_of(numbered_zone(1)));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    int calls = 0;
    resolver->resolve_each({}, no_deadline, [&calls](std::size_t, Answer&&) { ++calls; });
    EXPECT_EQ(calls, 0);
    EXPECT_EQ(server.queries_received(), 0U);
}

TEST(LdnsResolverBatch, KeepsAtMostTheCapInTheAirAndQueuesTheRest) {
    constexpr std::size_t cap = LdnsResolver::max_questions_in_flight;
    constexpr int count = static_cast<int>(cap) + 8;
    ZoneDnsServer server(zone_of(numbered_zone(count)));
    for (const Question& question : numbered_questions(count)) server.set_behaviour(question.name, delayed(150));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    const Batch batch = ask_batch(*resolver, numbered_questions(count));
    // The first `cap` go at once and come back together; the rest take off as
    // slots free up, and come back a delay later. All at once, they would mix.
    std::vector<std::size_t> last(batch.order.begin() + static_cast<std::ptrdiff_t>(cap), batch.order.end());
    std::sort(last.begin(), last.end());
    std::vector<std::size_t> queued;
    for (std::size_t i = cap; i < static_cast<std::size_t>(count); ++i) queued.push_back(i);
    EXPECT_EQ(last, queued) << "the questions beyond the cap are answered last";
    for (std::size_t i = 0; i < static_cast<std::size_t>(count); ++i) {
        EXPECT_EQ(batch.answers[i].status, DnsStatus::ok) << i << ": " << batch.answers[i].detail;
        EXPECT_EQ(batch.answers[i].texts, numbered_texts(i));
    }
    EXPECT_EQ(server.queries_received(), std::uint64_t{count});
}

TEST(LdnsResolverBatch, RotatesOnceForEachQuestion) {
    ZoneDnsServer first(zone_of(numbered_zone(4)));
    ZoneDnsServer second(zone_of(numbered_zone(4)));
    LdnsOptions options;
    options.servers = {DnsServer{first.address(), first.port()}, DnsServer{second.address(), second.port()}};
    options.rotate = true;
    auto created = LdnsResolver::create(options);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<LdnsResolver>>(created));
    const Batch batch = ask_batch(*std::get<std::unique_ptr<LdnsResolver>>(created), numbered_questions(4));
    for (const Answer& answer : batch.answers) EXPECT_EQ(answer.status, DnsStatus::ok) << answer.detail;
    EXPECT_EQ(first.queries_received(), 2U);
    EXPECT_EQ(second.queries_received(), 2U);
}

// The TCP repeat of a truncated reply is a state in the same poll() loop: a
// server that stalls over TCP holds back no other question.
TEST(LdnsResolverBatch, AStalledTcpRepeatHoldsBackNoOtherQuestion) {
    ZoneDnsServer server(zone_of(numbered_zone(2)));
    server.set_behaviour("t0.example", testdns::Behaviour{testdns::Behaviour::Mode::tcp_stall});
    server.set_behaviour("t1.example", delayed(150));
    auto resolver = resolver_for(server, milliseconds{1500}, 0);
    ASSERT_TRUE(resolver);
    const Batch batch = ask_batch(*resolver, numbered_questions(2));
    EXPECT_EQ(batch.order, (std::vector<std::size_t>{1, 0}));
    EXPECT_EQ(batch.answers[0].status, DnsStatus::timeout) << batch.answers[0].detail;
    EXPECT_EQ(batch.answers[1].status, DnsStatus::ok) << batch.answers[1].detail;
}

// Not a test: the figure for the README and the commit message. Run with
//   ldns_resolver_test --gtest_also_run_disabled_tests --gtest_filter='*Figure*'
TEST(LdnsResolverFigure, DISABLED_TenQuestionsAgainstAServerTenMillisecondsAway) {
    constexpr int count = 10;
    constexpr int rounds = 20;
    ZoneDnsServer server(zone_of(numbered_zone(count)));
    for (const Question& question : numbered_questions(count)) server.set_behaviour(question.name, delayed(10));
    auto resolver = resolver_for(server);
    ASSERT_TRUE(resolver);
    const std::vector<Question> questions = numbered_questions(count);
    const auto median_ms = [&](const std::function<void(const Resolver::AnswerSink&)>& ask) {
        std::vector<double> times;
        for (int round = 0; round < rounds; ++round) {
            int ok = 0;
            const auto start = std::chrono::steady_clock::now();
            ask([&ok](std::size_t, Answer&& answer) { ok += answer.status == DnsStatus::ok ? 1 : 0; });
            times.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
            EXPECT_EQ(ok, count);
        }
        std::sort(times.begin(), times.end());
        return times[times.size() / 2];
    };
    // Resolver::resolve_each, called by name: the base class's one-by-one loop.
    const double serial =
        median_ms([&](const auto& sink) { resolver->Resolver::resolve_each(questions, no_deadline, sink); });
    const double batched = median_ms([&](const auto& sink) { resolver->resolve_each(questions, no_deadline, sink); });
    std::printf("%d questions, delay:10 each, median of %d: one by one %.1f ms, resolve_each %.1f ms\n", count, rounds,
                serial, batched);
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
    std::vector<std::uint8_t> reply;
    // Room for all of it at once: growing from the 12-octet header makes GCC 12
    // at -O3 see a memcpy past the end that cannot happen (-Warray-bounds).
    reply.reserve(query.size() + text.size() + 64);
    reply.assign(query.begin(), query.begin() + 12);
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
