// tests/spf/check_host_test.cpp: check_host() and check_identity(), RFC 7208 §2-§6,
// over zones held in memory. Each test states its own small world.
#include "spf/check_host.hpp"
#include "spf/zone.hpp"

#include <gtest/gtest.h>

namespace {

using spf::Result;

spf::IpAddress ip(const char* text) { return *spf::IpAddress::parse(text); }

spf::Evaluation check(spf::Resolver& resolver, const char* client, const std::string& mail_from,
                      const std::string& helo = "mail.example.org", spf::CheckOptions options = {}) {
    spf::Request request;
    request.client = ip(client);
    request.mail_from = mail_from;
    request.helo = helo;
    return spf::check_identity(request, resolver, options);
}

spf::Evaluation check_zone(const std::string& zone_text, const char* client, const std::string& mail_from,
                           spf::CheckOptions options = {}) {
    auto resolver = spf::ZoneResolver::from_text(zone_text);
    return check(resolver, client, mail_from, "mail.example.org", std::move(options));
}

TEST(CheckHost, PassesAClientInsideAnIp4Network) {
    const auto evaluation =
        check_zone(R"(example.com TXT "v=spf1 ip4:192.0.2.0/24 -all")", "192.0.2.10", "user@example.com");
    EXPECT_EQ(evaluation.result, Result::pass);
    EXPECT_EQ(evaluation.matched_term, "ip4:192.0.2.0/24");
    EXPECT_EQ(evaluation.domain, "example.com");
}

TEST(CheckHost, FailsOtherClientsWithTheDefaultExplanation) {
    spf::CheckOptions options;
    options.default_explanation = "%{i} is not one of %{d}'s designated mail servers";
    const auto evaluation =
        check_zone(R"(example.com TXT "v=spf1 ip4:192.0.2.0/24 -all")", "198.51.100.7", "user@example.com", options);
    EXPECT_EQ(evaluation.result, Result::fail);
    EXPECT_EQ(evaluation.matched_term, "-all");
    EXPECT_EQ(evaluation.explanation, "198.51.100.7 is not one of example.com's designated mail servers");
}

TEST(CheckHost, TreatsAnIpv4MappedIpv6ClientAsIpv4) {
    const auto evaluation =
        check_zone(R"(example.com TXT "v=spf1 ip4:192.0.2.0/24 -all")", "::ffff:192.0.2.10", "user@example.com");
    EXPECT_EQ(evaluation.result, Result::pass);
}

TEST(CheckHost, MatchesIpv6ClientsAgainstAaaaRecordsWithTheIp6Cidr) {
    const auto evaluation = check_zone(R"(
        example.com       TXT  "v=spf1 a:mail.example.com/24//64 -all"
        mail.example.com  A    192.0.2.1
        mail.example.com  AAAA 2001:db8:1:2::1
    )",
                                       "2001:db8:1:2::99", "user@example.com");
    EXPECT_EQ(evaluation.result, Result::pass);
}

TEST(CheckHost, ReturnsNoneWithoutARecord) {
    const auto evaluation = check_zone(R"(example.com TXT "some other text")", "192.0.2.1", "user@example.com");
    EXPECT_EQ(evaluation.result, Result::none);
    EXPECT_NE(evaluation.reason.find("no SPF record"), std::string::npos);
}

TEST(CheckHost, ReturnsPermerrorForTwoRecords) {
    const auto evaluation = check_zone(R"(
        example.com TXT "v=spf1 -all"
        example.com TXT "v=spf1 +all"
    )",
                                       "192.0.2.1", "user@example.com");
    EXPECT_EQ(evaluation.result, Result::permerror);
    EXPECT_NE(evaluation.reason.find("2 SPF records"), std::string::npos);
}

TEST(CheckHost, IgnoresRecordsOfAnotherVersion) {
    const auto evaluation = check_zone(R"(
        example.com TXT "v=spf10 -all"
        example.com TXT "v=spf1 +all"
    )",
                                       "192.0.2.1", "user@example.com");
    EXPECT_EQ(evaluation.result, Result::pass);
}

TEST(CheckHost, ReportsASyntaxErrorAsPermerrorWithItsPosition) {
    const auto evaluation =
        check_zone(R"(example.com TXT "v=spf1 ipv4:192.0.2.1 -all")", "192.0.2.1", "user@example.com");
    EXPECT_EQ(evaluation.result, Result::permerror);
    EXPECT_NE(evaluation.reason.find("column"), std::string::npos) << evaluation.reason;
    EXPECT_NE(evaluation.reason.find("example.com"), std::string::npos) << evaluation.reason;
}

// §5.2: the include result table.
TEST(CheckHost, MapsIncludeResultsAsSection52Says) {
    struct Row {
        const char* included_record;
        Result expected;
    };
    const Row rows[] = {
        {"v=spf1 +all", Result::pass},  {"v=spf1 -all", Result::fail},      {"v=spf1 ~all", Result::fail},
        {"v=spf1 ?all", Result::fail},  {"v=spf1 ip4:", Result::permerror}, {"", Result::permerror},
        {"TIMEOUT", Result::temperror},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.included_record);
        std::string zone = R"(example.com TXT "v=spf1 include:inc.example.net -all")"
                           "\n";
        if (std::string(row.included_record) == "TIMEOUT")
            zone += "inc.example.net TIMEOUT\n";
        else if (*row.included_record != '\0')
            zone += std::string("inc.example.net TXT \"") + row.included_record + "\"\n";
        EXPECT_EQ(check_zone(zone, "192.0.2.1", "user@example.com").result, row.expected);
    }
}

// Every DnsStatus × every DNS mechanism: errors are temperror (ptr: no match),
// empty answers are void lookups and no match.
TEST(CheckHost, MapsEveryDnsOutcomeOfEveryMechanism) {
    struct Row {
        const char* mechanism;
        const char* target_records;  // records of target.example.net
        Result expected;
    };
    const Row rows[] = {
        {"a:target.example.net", "target.example.net TIMEOUT", Result::temperror},
        {"a:target.example.net", "target.example.net SERVFAIL", Result::temperror},
        {"a:target.example.net", "", Result::softfail},
        {"a:target.example.net", "target.example.net TXT \"x\"", Result::softfail},
        {"a:target.example.net", "target.example.net A 192.0.2.1", Result::pass},
        {"mx:target.example.net", "target.example.net TIMEOUT", Result::temperror},
        {"mx:target.example.net", "target.example.net SERVFAIL", Result::temperror},
        {"mx:target.example.net", "", Result::softfail},
        {"mx:target.example.net", "target.example.net MX 10 mx.example.net\nmx.example.net A 192.0.2.1", Result::pass},
        {"mx:target.example.net", "target.example.net MX 10 mx.example.net\nmx.example.net TIMEOUT", Result::temperror},
        {"exists:target.example.net", "target.example.net TIMEOUT", Result::temperror},
        {"exists:target.example.net", "target.example.net SERVFAIL", Result::temperror},
        {"exists:target.example.net", "", Result::softfail},
        {"exists:target.example.net", "target.example.net A 127.0.0.2", Result::pass},
        {"ptr:example.net", "1.2.0.192.in-addr.arpa TIMEOUT", Result::softfail},
        {"ptr:example.net", "1.2.0.192.in-addr.arpa SERVFAIL", Result::softfail},
        {"ptr:example.net", "", Result::softfail},
        {"ptr:example.net", "1.2.0.192.in-addr.arpa PTR host.example.net\nhost.example.net A 192.0.2.1", Result::pass},
        {"ptr:example.net", "1.2.0.192.in-addr.arpa PTR host.example.net\nhost.example.net A 192.0.2.99",
         Result::softfail},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(std::string(row.mechanism) + " with " + row.target_records);
        const std::string zone =
            std::string("example.com TXT \"v=spf1 ") + row.mechanism + " ~all\"\n" + row.target_records + "\n";
        EXPECT_EQ(check_zone(zone, "192.0.2.1", "user@example.com").result, row.expected);
    }
}

std::string chain_of_a_terms(unsigned count) {
    std::string record = "v=spf1";
    for (unsigned i = 0; i < count; ++i) record += " a:host" + std::to_string(i) + ".example.com";
    return record + " ip4:192.0.2.1 -all";
}

std::string hosts(unsigned count) {
    std::string zone;
    for (unsigned i = 0; i < count; ++i) zone += "host" + std::to_string(i) + ".example.com A 198.51.100.1\n";
    return zone;
}

// §4.6.4 limits, each at its bound and one past it.
TEST(CheckHost, AllowsTenDnsTermsAndRefusesEleven) {
    const auto at =
        check_zone("example.com TXT \"" + chain_of_a_terms(10) + "\"\n" + hosts(10), "192.0.2.1", "u@example.com");
    EXPECT_EQ(at.result, Result::pass);
    EXPECT_EQ(at.counters.dns_terms, 10U);
    const auto over =
        check_zone("example.com TXT \"" + chain_of_a_terms(11) + "\"\n" + hosts(11), "192.0.2.1", "u@example.com");
    EXPECT_EQ(over.result, Result::permerror);
    EXPECT_NE(over.reason.find("DNS lookup limit"), std::string::npos) << over.reason;
}

TEST(CheckHost, AllowsTwoVoidLookupsAndRefusesTheThird) {
    const auto at = check_zone(R"(example.com TXT "v=spf1 a:none1.example.com a:none2.example.com ip4:192.0.2.1")",
                               "192.0.2.1", "u@example.com");
    EXPECT_EQ(at.result, Result::pass);
    EXPECT_EQ(at.counters.void_lookups, 2U);
    const auto over = check_zone(
        R"(example.com TXT "v=spf1 a:none1.example.com a:none2.example.com a:none3.example.com ip4:192.0.2.1")",
        "192.0.2.1", "u@example.com");
    EXPECT_EQ(over.result, Result::permerror);
    EXPECT_NE(over.reason.find("void lookup limit"), std::string::npos) << over.reason;
}

std::string mx_zone(unsigned names) {
    std::string zone = "example.com TXT \"v=spf1 mx -all\"\n";
    for (unsigned i = 0; i < names; ++i) {
        zone += "example.com MX " + std::to_string(i) + " mx" + std::to_string(i) + ".example.com\n";
        zone += "mx" + std::to_string(i) + ".example.com A 198.51.100." + std::to_string(i + 1) + "\n";
    }
    return zone;
}

TEST(CheckHost, AllowsTenMxNamesAndRefusesEleven) {
    EXPECT_EQ(check_zone(mx_zone(10), "198.51.100.10", "u@example.com").result, Result::pass);
    const auto over = check_zone(mx_zone(11), "198.51.100.1", "u@example.com");
    EXPECT_EQ(over.result, Result::permerror);
    EXPECT_NE(over.reason.find("MX names"), std::string::npos) << over.reason;
}

TEST(CheckHost, ValidatesOnlyTheFirstTenPtrNames) {
    std::string zone = "example.com TXT \"v=spf1 ptr -all\"\n";
    for (unsigned i = 0; i < 11; ++i) {
        zone += "1.2.0.192.in-addr.arpa PTR h" + std::to_string(i) + ".example.com\n";
        zone += "h" + std::to_string(i) + ".example.com A " + (i == 10 ? "192.0.2.1" : "198.51.100.1") + "\n";
    }
    EXPECT_EQ(check_zone(zone, "192.0.2.1", "u@example.com").result, Result::fail);
}

TEST(CheckHost, EndsAnIncludeLoopWithPermerror) {
    const auto evaluation = check_zone(R"(
        example.com     TXT "v=spf1 include:loop.example.net -all"
        loop.example.net TXT "v=spf1 include:example.com"
    )",
                                       "192.0.2.1", "u@example.com");
    EXPECT_EQ(evaluation.result, Result::permerror);
}

TEST(CheckHost, EndsARedirectLoopWithPermerror) {
    const auto evaluation =
        check_zone(R"(example.com TXT "v=spf1 redirect=example.com")", "192.0.2.1", "u@example.com");
    EXPECT_EQ(evaluation.result, Result::permerror);
}

TEST(CheckHost, EndsADeepIncludeChainWithPermerror) {
    std::string zone = "example.com TXT \"v=spf1 include:l0.example.net -all\"\n";
    for (int i = 0; i < 20; ++i)
        zone += "l" + std::to_string(i) + ".example.net TXT \"v=spf1 include:l" + std::to_string(i + 1) +
                ".example.net\"\n";
    EXPECT_EQ(check_zone(zone, "192.0.2.1", "u@example.com").result, Result::permerror);
}

TEST(CheckHost, RejectsHostileRecordsWithAReason) {
    const char* records[] = {
        "v=spf1 a:\xC3\xA9xample.com -all",     // non-ASCII
        "v=spf1 a:ctrl.example.com\rptr -all",  // a control character
        "v=spf1 ip4:192.0.2.1\n -all",         "v=spf1 %{", "v=spf1 redirect=a.example.com redirect=b.example.com",
    };
    for (const char* record : records) {
        SCOPED_TRACE(record);
        spf::Zone zone;
        spf::ZoneRecord txt;
        txt.kind = spf::ZoneRecord::Kind::txt;
        txt.strings = {record};
        zone.add("example.com", txt);
        spf::ZoneResolver resolver(zone);
        const auto evaluation = check(resolver, "192.0.2.1", "u@example.com");
        EXPECT_EQ(evaluation.result, Result::permerror);
        EXPECT_FALSE(evaluation.reason.empty());
    }
}

TEST(CheckHost, EvaluatesATenKilobyteRecord) {
    std::string record = "v=spf1";
    for (int i = 0; record.size() < 10000; ++i) record += " ip4:198.51." + std::to_string(i % 256) + ".0/24";
    record += " ip4:192.0.2.1 -all";
    spf::Zone zone;
    spf::ZoneRecord txt;
    txt.kind = spf::ZoneRecord::Kind::txt;
    for (std::size_t at = 0; at < record.size(); at += 255) txt.strings.push_back(record.substr(at, 255));
    zone.add("example.com", txt);
    spf::ZoneResolver resolver(zone);
    EXPECT_EQ(check(resolver, "192.0.2.1", "u@example.com").result, Result::pass);
    EXPECT_EQ(check(resolver, "203.0.113.1", "u@example.com").result, Result::fail);
}

TEST(CheckHost, UsesTheExplanationOfTheDomainThatFailed) {
    spf::CheckOptions options;
    options.default_explanation = "DEFAULT";
    const std::string zone = R"(
        example.com      TXT "v=spf1 include:inc.example.net -all exp=why.example.com"
        why.example.com  TXT "%{i} may not send for %{d}"
        inc.example.net  TXT "v=spf1 -all exp=why.example.net"
        why.example.net  TXT "the included domain's text is never used"
        redir.example.com TXT "v=spf1 redirect=example.com exp=unused.example.com"
    )";
    EXPECT_EQ(check_zone(zone, "192.0.2.1", "u@example.com", options).explanation,
              "192.0.2.1 may not send for example.com");
    EXPECT_EQ(check_zone(zone, "192.0.2.1", "u@redir.example.com", options).explanation,
              "192.0.2.1 may not send for example.com");
}

TEST(CheckHost, FallsBackToTheDefaultWhenExpCannotBeUsed) {
    spf::CheckOptions options;
    options.default_explanation = "DEFAULT";
    const char* zones[] = {
        R"(example.com TXT "v=spf1 -all exp=missing.example.com")",
        "example.com TXT \"v=spf1 -all exp=two.example.com\"\ntwo.example.com TXT \"one\"\ntwo.example.com TXT "
        "\"two\"",
        "example.com TXT \"v=spf1 -all exp=bad.example.com\"\nbad.example.com TXT \"%{x}\"",
        "example.com TXT \"v=spf1 -all exp=slow.example.com\"\nslow.example.com TIMEOUT",
    };
    for (const char* zone : zones) {
        SCOPED_TRACE(zone);
        const auto evaluation = check_zone(zone, "192.0.2.1", "u@example.com", options);
        EXPECT_EQ(evaluation.result, Result::fail);
        EXPECT_EQ(evaluation.explanation, "DEFAULT");
    }
}

TEST(CheckIdentity, ChecksTheNullSenderAsPostmasterAtTheHelo) {
    auto resolver = spf::ZoneResolver::from_text(R"(
        mail.example.org TXT "v=spf1 exists:%{l}.%{o}.allowed.example.org -all"
        postmaster.mail.example.org.allowed.example.org A 127.0.0.2
    )");
    const auto evaluation = check(resolver, "192.0.2.1", "", "mail.example.org");
    EXPECT_EQ(evaluation.result, Result::pass);
    EXPECT_EQ(evaluation.domain, "mail.example.org");
}

TEST(CheckIdentity, ChecksTheHeloIdentity) {
    auto resolver = spf::ZoneResolver::from_text(R"(
        mail.example.org TXT "v=spf1 a -all"
        mail.example.org A   192.0.2.1
    )");
    spf::Request request;
    request.identity = spf::Identity::helo;
    request.client = ip("192.0.2.1");
    request.helo = "mail.example.org";
    request.mail_from = "someone@elsewhere.example.com";
    EXPECT_EQ(spf::check_identity(request, resolver, {}).result, Result::pass);
    request.client = ip("192.0.2.2");
    EXPECT_EQ(spf::check_identity(request, resolver, {}).result, Result::fail);
}

TEST(CheckIdentity, ReturnsNoneForNamesThatAreNotDomains) {
    auto resolver = spf::ZoneResolver::from_text("example.com TXT \"v=spf1 -all\"");
    const char* helos[] = {"localhost", "[192.0.2.1]", "192.0.2.1", "a..example.com",
                           "x123456789012345678901234567890123456789012345678901234567890123.example.com"};
    for (const char* helo : helos) {
        SCOPED_TRACE(helo);
        const auto evaluation = check(resolver, "192.0.2.1", "", helo);
        EXPECT_EQ(evaluation.result, Result::none);
        EXPECT_EQ(evaluation.counters.dns_queries, 0U);
    }
}

TEST(CheckIdentity, SubstitutesPostmasterForAMissingLocalPart) {
    auto resolver = spf::ZoneResolver::from_text(R"(
        example.com TXT "v=spf1 exists:%{l}.allowed.example.com -all"
        postmaster.allowed.example.com A 127.0.0.2
    )");
    EXPECT_EQ(check(resolver, "192.0.2.1", "@example.com").result, Result::pass);
}

// One rule for the <sender> of each identity: check_identity(), the milter's
// headers and --simulate all call sender_for().
TEST(CheckIdentity, DerivesTheSenderAsSections23And24And43Say) {
    struct Row {
        spf::Identity identity;
        const char* mail_from;
        const char* expected;
    };
    const Row rows[] = {
        {spf::Identity::mailfrom, "alice@example.com", "alice@example.com"},
        {spf::Identity::mailfrom, "", "postmaster@mail.example.org"},               // §2.4 null sender
        {spf::Identity::helo, "alice@example.com", "postmaster@mail.example.org"},  // §2.3
        {spf::Identity::mailfrom, "@example.com", "postmaster@example.com"},        // §4.3 no local-part
        {spf::Identity::mailfrom, "\"odd@local\"@example.com", "\"odd@local\"@example.com"},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.mail_from);
        const std::string sender = spf::sender_for(row.identity, row.mail_from, "mail.example.org");
        EXPECT_EQ(sender, row.expected);
    }
    EXPECT_EQ(spf::domain_of("\"odd@local\"@example.com"), "example.com");
    EXPECT_EQ(spf::local_part_of("\"odd@local\"@example.com"), "\"odd@local\"");
    EXPECT_EQ(spf::local_part_of("@example.com"), "postmaster");
    EXPECT_EQ(spf::domain_of("example.com"), "example.com");
}

class PinnedClock final : public spf::Clock {
public:
    std::chrono::steady_clock::time_point now() const override { return std::chrono::steady_clock::time_point{}; }
    std::int64_t unix_time() const override { return 0; }
};

TEST(CheckHost, GivesTemperrorOnceTheDeadlineHasPassed) {
    PinnedClock clock;
    spf::CheckOptions options;
    options.clock = &clock;
    options.deadline = clock.now();  // nothing may be asked any more
    const auto evaluation = check_zone(R"(example.com TXT "v=spf1 +all")", "192.0.2.1", "u@example.com", options);
    EXPECT_EQ(evaluation.result, Result::temperror);
    EXPECT_EQ(evaluation.counters.dns_queries, 0U);
}

TEST(CheckHost, RecordsATraceOnlyWhenAsked) {
    const std::string zone = R"(
        example.com       TXT "v=spf1 include:_spf.example.net -all"
        _spf.example.net  TXT "v=spf1 ip4:192.0.2.0/24"
    )";
    EXPECT_TRUE(check_zone(zone, "192.0.2.1", "u@example.com").trace.empty());
    spf::CheckOptions options;
    options.trace = true;
    const auto traced = check_zone(zone, "192.0.2.1", "u@example.com", options);
    ASSERT_FALSE(traced.trace.empty());
    bool saw_nested_term = false;
    for (const auto& event : traced.trace)
        if (event.kind == spf::TraceEvent::Kind::term && event.depth == 1 && event.text == "ip4:192.0.2.0/24 -> match")
            saw_nested_term = true;
    EXPECT_TRUE(saw_nested_term);
    EXPECT_EQ(traced.matched_term, "include:_spf.example.net");
}

}  // namespace
