// tests/spf/zone_test.cpp: Zone::lookup(), to_answer(), the zone text form and
// ZoneResolver. Each test states its zone; the semantics are those of the openspf
// suite's reference driver (TIMEOUT markers, "error." names, CNAME chains).
#include "spf/zone.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace spf {
namespace {

const auto no_deadline = Deadline::max();

Zone zone_of(std::string_view text) {
    auto parsed = Zone::from_text(text);
    if (auto* error = std::get_if<std::string>(&parsed)) ADD_FAILURE() << *error;
    return std::get_if<Zone>(&parsed) ? std::get<Zone>(std::move(parsed)) : Zone{};
}

std::vector<std::string> texts_of(const ZoneLookup& lookup) {
    std::vector<std::string> texts;
    for (const ZoneRecord* record : lookup.records) {
        std::string joined;
        for (const std::string& part : record->strings) joined += part;
        texts.push_back(joined);
    }
    return texts;
}

std::vector<std::string> address_texts(const Answer& answer) {
    std::vector<std::string> texts;
    for (const IpAddress& address : answer.addresses) texts.push_back(address.to_string());
    return texts;
}

// ---- Zone::lookup -----------------------------------------------------------

TEST(ZoneLookup, AnswersTheRecordsOfTheAskedTypeInZoneOrder) {
    const Zone zone = zone_of(R"(
        example.com  TXT  "v=spf1 -all"
        example.com  A    192.0.2.1
        example.com  TXT  "hello"
    )");
    const ZoneLookup lookup = zone.lookup("example.com", RrType::txt);
    EXPECT_EQ(lookup.status, DnsStatus::ok);
    EXPECT_EQ(lookup.owner, "example.com");
    EXPECT_TRUE(lookup.cnames.empty());
    EXPECT_EQ(texts_of(lookup), (std::vector<std::string>{"v=spf1 -all", "hello"}));
}

TEST(ZoneLookup, MatchesNamesWhateverTheirCase) {
    const Zone zone = zone_of("Mail.EXAMPLE.com A 192.0.2.1\n");
    EXPECT_TRUE(zone.contains("mail.example.com"));
    EXPECT_TRUE(zone.contains("MAIL.example.COM"));
    const ZoneLookup lookup = zone.lookup("mail.Example.COM", RrType::a);
    EXPECT_EQ(lookup.status, DnsStatus::ok);
    ASSERT_EQ(lookup.records.size(), 1U);
    EXPECT_EQ(lookup.owner, "mail.Example.COM") << "the owner keeps the spelling asked";
}

TEST(ZoneLookup, IgnoresATrailingDotOnNamesAndTargets) {
    const Zone zone = zone_of(R"(
        example.com.              A    192.0.2.1
        4.2.0.192.in-addr.arpa    PTR  "mail.example.com."
    )");
    EXPECT_TRUE(zone.contains("example.com"));
    EXPECT_EQ(zone.lookup("example.com.", RrType::a).status, DnsStatus::ok);
    EXPECT_EQ(zone.lookup("example.com", RrType::a).status, DnsStatus::ok);
    const ZoneLookup ptr = zone.lookup("4.2.0.192.in-addr.arpa", RrType::ptr);
    ASSERT_EQ(ptr.records.size(), 1U);
    EXPECT_EQ(ptr.records[0]->target, "mail.example.com");
}

TEST(ZoneLookup, TellsAnAbsentNameFromAPresentNameWithoutTheType) {
    const Zone zone = zone_of("example.com A 192.0.2.1\n");
    EXPECT_EQ(zone.lookup("other.example.com", RrType::a).status, DnsStatus::nxdomain);
    const ZoneLookup lookup = zone.lookup("example.com", RrType::txt);
    EXPECT_EQ(lookup.status, DnsStatus::no_data);
    EXPECT_TRUE(lookup.records.empty());
    EXPECT_EQ(lookup.detail, "no TXT records at example.com");
}

TEST(ZoneLookup, FailsAbsentNamesThatBeginWithErrorInsteadOfNxdomain) {
    const Zone zone = zone_of("error.present.example TXT \"v=spf1 -all\"\n");
    EXPECT_EQ(zone.lookup("error.example.com", RrType::txt).status, DnsStatus::server_failure);
    EXPECT_EQ(zone.lookup("ERROR.example.com", RrType::a).status, DnsStatus::server_failure);
    EXPECT_EQ(zone.lookup("error.present.example", RrType::txt).status, DnsStatus::ok)
        << "a present error. name is answered as usual";
    EXPECT_EQ(zone.lookup("not-error.example.com", RrType::txt).status, DnsStatus::nxdomain);
}

TEST(ZoneLookup, AnswersRecordsBeforeATimeoutMarkerAndTimesOutOtherwise) {
    // The suite's "Record lookup" scenario: the marker's position matters.
    const Zone zone = zone_of(R"(
        spftimeout.example.net   TXT  "v=spf1 -all"
        spftimeout.example.net   TIMEOUT
        spftimeout.example.net   A    192.0.2.1
        alltimeout.example.net   TIMEOUT
    )");
    struct Row {
        const char* name;
        RrType type;
        DnsStatus expected;
    };
    const Row rows[] = {
        {"spftimeout.example.net", RrType::txt, DnsStatus::ok},
        {"spftimeout.example.net", RrType::a, DnsStatus::timeout},  // after the marker
        {"spftimeout.example.net", RrType::mx, DnsStatus::timeout},
        {"alltimeout.example.net", RrType::txt, DnsStatus::timeout},
        {"alltimeout.example.net", RrType::a, DnsStatus::timeout},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(std::string(row.name) + " " + std::string(to_string(row.type)));
        const ZoneLookup lookup = zone.lookup(row.name, row.type);
        EXPECT_EQ(lookup.status, row.expected);
        if (row.expected != DnsStatus::ok) {
            EXPECT_TRUE(lookup.records.empty());
        }
    }
    EXPECT_EQ(zone.lookup("alltimeout.example.net", RrType::a).detail, "TIMEOUT marker at alltimeout.example.net");
}

TEST(ZoneLookup, TimesOutOnlyTheTypeMarkedTimeout) {
    const Zone zone = zone_of(R"(
        slow.example.net  A    192.0.2.1
        slow.example.net  TXT  TIMEOUT
    )");
    const ZoneLookup txt = zone.lookup("slow.example.net", RrType::txt);
    EXPECT_EQ(txt.status, DnsStatus::timeout);
    EXPECT_EQ(txt.detail, "TXT TIMEOUT at slow.example.net");
    EXPECT_EQ(zone.lookup("slow.example.net", RrType::a).status, DnsStatus::ok);
    EXPECT_EQ(zone.lookup("slow.example.net", RrType::mx).status, DnsStatus::no_data);
}

TEST(ZoneLookup, FailsEveryTypeOfANameMarkedServfail) {
    const Zone zone = zone_of(R"(
        broken.example  A  192.0.2.1
        broken.example  SERVFAIL
    )");
    for (RrType type : {RrType::a, RrType::aaaa, RrType::mx, RrType::txt, RrType::ptr}) {
        SCOPED_TRACE(to_string(type));
        EXPECT_EQ(zone.lookup("broken.example", type).status, DnsStatus::server_failure);
    }
}

TEST(ZoneLookup, FailsNamesThatCannotBeSentInAQuery) {
    const std::string label63(63, 'a');
    const Zone zone = zone_of(label63 + ".example.com TXT \"v=spf1 -all\"\n");
    EXPECT_EQ(zone.lookup(label63 + ".example.com", RrType::txt).status, DnsStatus::ok);
    EXPECT_EQ(zone.lookup(label63 + "a.example.com", RrType::txt).status, DnsStatus::server_failure);
    EXPECT_EQ(zone.lookup("a..example.com", RrType::txt).status, DnsStatus::server_failure);
    EXPECT_EQ(zone.lookup(".example.com", RrType::txt).status, DnsStatus::server_failure);
    std::string long_name;
    for (int i = 0; i < 5; ++i) long_name += label63 + ".";
    EXPECT_EQ(zone.lookup(long_name + "com", RrType::a).status, DnsStatus::server_failure) << "over 253 octets";
}

TEST(ZoneLookup, FollowsACnameToItsTarget) {
    const Zone zone = zone_of(R"(
        www.example.com   CNAME  Web.Example.com.
        web.example.com   A      192.0.2.80
    )");
    const ZoneLookup lookup = zone.lookup("www.example.com", RrType::a);
    EXPECT_EQ(lookup.status, DnsStatus::ok);
    ASSERT_EQ(lookup.cnames.size(), 1U);
    EXPECT_EQ(lookup.cnames[0].first, "www.example.com");
    EXPECT_EQ(lookup.cnames[0].second, "Web.Example.com") << "targets keep their spelling, lose the dot";
    EXPECT_EQ(lookup.owner, "Web.Example.com");
    ASSERT_EQ(lookup.records.size(), 1U);
    EXPECT_EQ(lookup.records[0]->address.to_string(), "192.0.2.80");
}

TEST(ZoneLookup, ReportsTheChainWhenTheTargetIsMissingOrEmpty) {
    const Zone zone = zone_of(R"(
        gone.example.com   CNAME  nowhere.example.com
        bare.example.com   CNAME  example.com
        example.com        A      192.0.2.1
    )");
    const ZoneLookup gone = zone.lookup("gone.example.com", RrType::a);
    EXPECT_EQ(gone.status, DnsStatus::nxdomain);
    EXPECT_EQ(gone.cnames.size(), 1U);
    const ZoneLookup bare = zone.lookup("bare.example.com", RrType::txt);
    EXPECT_EQ(bare.status, DnsStatus::no_data);
    EXPECT_EQ(bare.owner, "example.com");
}

TEST(ZoneLookup, FollowsEightCnameLinksButNotNine) {
    std::string text;
    for (int i = 0; i < 9; ++i)
        text += "c" + std::to_string(i) + ".example CNAME c" + std::to_string(i + 1) + ".example\n";
    text += "c9.example A 192.0.2.9\n";
    const Zone zone = zone_of(text);
    const ZoneLookup eight = zone.lookup("c1.example", RrType::a);
    EXPECT_EQ(eight.status, DnsStatus::ok);
    EXPECT_EQ(eight.cnames.size(), 8U);
    const ZoneLookup nine = zone.lookup("c0.example", RrType::a);
    EXPECT_EQ(nine.status, DnsStatus::server_failure);
    EXPECT_TRUE(nine.records.empty());
}

TEST(ZoneLookup, FailsACnameLoop) {
    // The suite's ptr-cname-loop zone: a self loop reached through another alias.
    const Zone zone = zone_of(R"(
        loop4.example.com   CNAME  "CNAME.example.com."
        cname.example.com   CNAME  "CNAME.example.com."
        a.example           CNAME  b.example
        b.example           CNAME  a.example
    )");
    const ZoneLookup self = zone.lookup("loop4.example.com", RrType::a);
    EXPECT_EQ(self.status, DnsStatus::server_failure);
    EXPECT_EQ(self.detail, "CNAME loop at CNAME.example.com");
    EXPECT_EQ(zone.lookup("a.example", RrType::txt).status, DnsStatus::server_failure);
}

TEST(ZoneLookup, AnswersACnameQueryWithTheCnameItself) {
    // The DNS server passes every query type through lookup(); type 5 is CNAME.
    const Zone zone = zone_of("www.example.com CNAME example.com\nexample.com A 192.0.2.1\n");
    const ZoneLookup lookup = zone.lookup("www.example.com", static_cast<RrType>(5));
    EXPECT_EQ(lookup.status, DnsStatus::ok);
    EXPECT_TRUE(lookup.cnames.empty());
    ASSERT_EQ(lookup.records.size(), 1U);
    EXPECT_EQ(lookup.records[0]->kind, ZoneRecord::Kind::cname);
}

TEST(ZoneLookup, AnswersNoDataForATypeTheZoneCannotHold) {
    const Zone zone = zone_of("example.com TXT \"v=spf1 -all\"\n");
    EXPECT_EQ(zone.lookup("example.com", static_cast<RrType>(99)).status, DnsStatus::no_data);
}

// ---- to_answer ----------------------------------------------------------------

TEST(ZoneAnswer, JoinsTheStringsOfOneTxtRecordWithoutASeparator) {
    // RFC 7208 §3.3, and the suite's null.example.com.
    const Zone zone = zone_of(R"(
        null.example.com  TXT  "v=spf1 ip4:" "192.0.2.5 -all"
        null.example.com  TXT  ""
    )");
    const Answer answer = to_answer(zone.lookup("null.example.com", RrType::txt), RrType::txt);
    EXPECT_EQ(answer.status, DnsStatus::ok);
    EXPECT_EQ(answer.texts, (std::vector<std::string>{"v=spf1 ip4:192.0.2.5 -all", ""}));
}

TEST(ZoneAnswer, SortsMxExchangesByPreferenceKeepingZoneOrderForTies) {
    const Zone zone = zone_of(R"(
        example.org  MX  20  late.example.org
        example.org  MX  10  smtp.example.org
        example.org  MX  10  smtp1.example.com.
        example.org  MX  0   first.example.org
    )");
    const Answer answer = to_answer(zone.lookup("example.org", RrType::mx), RrType::mx);
    EXPECT_EQ(answer.names, (std::vector<std::string>{"first.example.org", "smtp.example.org", "smtp1.example.com",
                                                      "late.example.org"}));
}

TEST(ZoneAnswer, KeepsAnEmptyMxExchangeAsAnEmptyName) {
    // The suite's MX [0, ""]; a null MX (RFC 7505) is written ".". The evaluator decides.
    const Zone zone = zone_of(R"(
        mail.example.com  MX  0  ""
        null.example.com  MX  0  .
    )");
    for (const char* name : {"mail.example.com", "null.example.com"}) {
        SCOPED_TRACE(name);
        const Answer answer = to_answer(zone.lookup(name, RrType::mx), RrType::mx);
        EXPECT_EQ(answer.status, DnsStatus::ok);
        EXPECT_EQ(answer.names, (std::vector<std::string>{""}));
    }
}

TEST(ZoneAnswer, GivesAddressesAndPtrTargets) {
    const Zone zone = zone_of(R"(
        mail.example.com          A     192.0.2.1
        mail.example.com          A     192.0.2.2
        mail.example.com          AAAA  2001:db8::25
        1.2.0.192.in-addr.arpa    PTR   mail.example.com
    )");
    const Answer a = to_answer(zone.lookup("mail.example.com", RrType::a), RrType::a);
    EXPECT_EQ(address_texts(a), (std::vector<std::string>{"192.0.2.1", "192.0.2.2"}));
    const Answer aaaa = to_answer(zone.lookup("mail.example.com", RrType::aaaa), RrType::aaaa);
    EXPECT_EQ(address_texts(aaaa), (std::vector<std::string>{"2001:db8::25"}));
    const Answer ptr = to_answer(zone.lookup("1.2.0.192.in-addr.arpa", RrType::ptr), RrType::ptr);
    EXPECT_EQ(ptr.names, (std::vector<std::string>{"mail.example.com"}));
}

TEST(ZoneAnswer, TakesTheSmallestTtlOfTheRecords) {
    Zone zone;
    ZoneRecord record;
    record.kind = ZoneRecord::Kind::a;
    record.address = *IpAddress::parse("192.0.2.1");
    record.ttl = 600;
    zone.add("example.com", record);
    record.address = *IpAddress::parse("192.0.2.2");
    record.ttl = 60;
    zone.add("example.com", record);
    EXPECT_EQ(to_answer(zone.lookup("example.com", RrType::a), RrType::a).ttl, 60U);
}

TEST(ZoneAnswer, CarriesTheStatusAndDetailOfAFailedLookup) {
    const Zone zone = zone_of("example.com TIMEOUT\n");
    const Answer timeout = to_answer(zone.lookup("example.com", RrType::txt), RrType::txt);
    EXPECT_EQ(timeout.status, DnsStatus::timeout);
    EXPECT_TRUE(timeout.empty());
    EXPECT_EQ(timeout.detail, "TIMEOUT marker at example.com");
    const Answer absent = to_answer(zone.lookup("nowhere.example", RrType::a), RrType::a);
    EXPECT_EQ(absent.status, DnsStatus::nxdomain);
    EXPECT_EQ(absent.detail, "nowhere.example does not exist");
}

TEST(ZoneAnswer, IsNoDataWhenTheLookupFoundNothing) {
    ZoneLookup lookup;  // status ok but no records: not an answer
    lookup.owner = "example.com";
    EXPECT_EQ(to_answer(lookup, RrType::a).status, DnsStatus::no_data);
}

// ---- the text form ---------------------------------------------------------------

TEST(ZoneText, ReadsEscapesInQuotedStrings) {
    const Zone zone = zone_of(R"(
        example.com  TXT  "say \"hi\"" " back\\slash" "\010newline\255"
    )");
    const ZoneLookup lookup = zone.lookup("example.com", RrType::txt);
    ASSERT_EQ(lookup.records.size(), 1U);
    EXPECT_EQ(lookup.records[0]->strings, (std::vector<std::string>{"say \"hi\"", " back\\slash", "\nnewline\xff"}));
}

TEST(ZoneText, SkipsCommentsAndBlankLinesButNotAHashInsideQuotes) {
    const Zone zone = zone_of(R"(
        # the sender's domain
        example.com  TXT  "v=spf1 #not a comment"   # a comment

        example.com  a    192.0.2.1                 # types in any case
    )");
    EXPECT_EQ(texts_of(zone.lookup("example.com", RrType::txt)), (std::vector<std::string>{"v=spf1 #not a comment"}));
    EXPECT_EQ(zone.lookup("example.com", RrType::a).status, DnsStatus::ok);
    EXPECT_EQ(zone.names().size(), 1U);
}

TEST(ZoneText, NamesTheLineOfEachError) {
    struct Row {
        const char* text;
        const char* error;
    };
    const Row rows[] = {
        {"example.com", "line 1: missing record type after example.com"},
        {"\nexample.com SPF \"v=spf1\"", "line 2: unknown record type \"SPF\""},
        {"example.com A 2001:db8::1", "line 1: A needs an IPv4 address, got \"2001:db8::1\""},
        {"example.com AAAA 192.0.2.1", "line 1: AAAA needs an IPv6 address, got \"192.0.2.1\""},
        {"example.com A", "line 1: A needs an IPv4 address"},
        {"example.com A 192.0.2.1 192.0.2.2", "line 1: unexpected \"192.0.2.2\" after the A record"},
        {"example.com MX mail.example.com", "line 1: MX needs a preference and an exchange"},
        {"example.com MX 65536 mail.example.com",
         "line 1: MX preference must be a number from 0 to 65535, got \"65536\""},
        {"example.com TXT v=spf1", "line 1: TXT strings must be quoted, got v=spf1"},
        {"example.com TXT", "line 1: TXT needs at least one quoted string"},
        {"# ok\n\n\nexample.com TXT \"v=spf1", "line 4: unterminated quoted string"},
        {"example.com TXT \"a\"\"b\"", "line 1: expected a space after the closing quote"},
        {"example.com TXT \"\\25\"", "line 1: bad escape \\25\" (\\DDD needs three digits, at most 255)"},
        {"example.com TXT \"\\256\"", "line 1: bad escape \\256 (\\DDD needs three digits, at most 255)"},
        {"example.com TIMEOUT now", "line 1: unexpected \"now\" after TIMEOUT"},
        {"\"example.com\" A 192.0.2.1", "line 1: a line must begin with a name, not \"example.com\""},
        {"example.com CNAME", "line 1: CNAME needs a target name"},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.text);
        auto parsed = Zone::from_text(row.text);
        ASSERT_TRUE(std::holds_alternative<std::string>(parsed));
        EXPECT_EQ(std::get<std::string>(parsed), row.error);
    }
}

// ---- negative TTLs ---------------------------------------------------------------

TEST(ZoneNegativeTtl, Is300UnlessTheZoneSaysOtherwise) {
    const Zone plain = zone_of("example.com A 192.0.2.1\n");
    EXPECT_EQ(plain.negative_ttl(), 300U);
    EXPECT_EQ(plain.lookup("nowhere.example.com", RrType::a).negative_ttl, 300U);
    const Zone set = zone_of(R"(
        example.com A 192.0.2.1
        $NEGATIVE-TTL 60   # anywhere in the file
        _spf.example.com TXT "v=spf1 -all"
    )");
    EXPECT_EQ(set.negative_ttl(), 60U);
    EXPECT_EQ(zone_of("$negative-ttl 0\n").negative_ttl(), 0U) << "in any case; 0: keep negatives not at all";
    EXPECT_EQ(zone_of("$NEGATIVE-TTL 2147483647\n").negative_ttl(), Zone::max_ttl);
    Zone by_hand;
    by_hand.set_negative_ttl(0xffffffffU);
    EXPECT_EQ(by_hand.negative_ttl(), Zone::max_ttl);
}

TEST(ZoneNegativeTtl, IsTheTtlOfNxdomainAndNoDataAnswersOnly) {
    const Zone zone = zone_of(R"(
        $NEGATIVE-TTL 45
        example.com      A      192.0.2.1
        www.example.com  CNAME  gone.example.net
        alias.example.com CNAME example.com
        broken.example   SERVFAIL
        slow.example     TIMEOUT
    )");
    struct Row {
        const char* name;
        RrType type;
        DnsStatus status;
        std::uint32_t ttl;
    };
    const Row rows[] = {
        {"nowhere.example.com", RrType::txt, DnsStatus::nxdomain, 45},
        {"example.com", RrType::txt, DnsStatus::no_data, 45},
        {"www.example.com", RrType::a, DnsStatus::nxdomain, 45},    // after a CNAME
        {"alias.example.com", RrType::mx, DnsStatus::no_data, 45},  // after a CNAME
        {"example.com", RrType::a, DnsStatus::ok, 300},             // the record's TTL
        {"broken.example", RrType::a, DnsStatus::server_failure, 0},
        {"slow.example", RrType::a, DnsStatus::timeout, 0},
        {"error.example.com", RrType::a, DnsStatus::server_failure, 0},
    };
    auto resolver = ZoneResolver(zone);
    for (const Row& row : rows) {
        SCOPED_TRACE(std::string(row.name) + " " + std::string(to_string(row.type)));
        const Answer answer = resolver.resolve({row.name, row.type}, no_deadline);
        EXPECT_EQ(answer.status, row.status);
        EXPECT_EQ(answer.ttl, row.ttl);
    }
}

TEST(ZoneNegativeTtl, RefusesAMalformedDirective) {
    struct Row {
        const char* text;
        const char* error;
    };
    const Row rows[] = {
        {"$NEGATIVE-TTL", "line 1: $NEGATIVE-TTL needs one number of seconds"},
        {"$NEGATIVE-TTL 60 120", "line 1: $NEGATIVE-TTL needs one number of seconds"},
        {"$NEGATIVE-TTL \"60\"", "line 1: $NEGATIVE-TTL needs one number of seconds"},
        {"$NEGATIVE-TTL 1h", "line 1: $NEGATIVE-TTL must be a number from 0 to 2147483647, got \"1h\""},
        {"$NEGATIVE-TTL -1", "line 1: $NEGATIVE-TTL must be a number from 0 to 2147483647, got \"-1\""},
        {"$NEGATIVE-TTL 2147483648", "line 1: $NEGATIVE-TTL must be a number from 0 to 2147483647, got \"2147483648\""},
        {"$NEGATIVE-TTL 60\n$NEGATIVE-TTL 60", "line 2: $NEGATIVE-TTL given twice"},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.text);
        auto parsed = Zone::from_text(row.text);
        ASSERT_TRUE(std::holds_alternative<std::string>(parsed));
        EXPECT_EQ(std::get<std::string>(parsed), row.error);
    }
}

TEST(ZoneEnclosingName, IsTheNearestParentTheZoneHoldsOrElseTheParent) {
    const Zone zone = zone_of(R"(
        example.com        A    192.0.2.1
        a.b.example.com    A    192.0.2.2
    )");
    EXPECT_EQ(zone.enclosing_name("nowhere.example.com"), "example.com");
    EXPECT_EQ(zone.enclosing_name("x.y.B.Example.COM."), "example.com") << "b.example.com holds nothing";
    EXPECT_EQ(zone.enclosing_name("z.a.b.example.com"), "a.b.example.com");
    EXPECT_EQ(zone.enclosing_name("a.b.example.com"), "example.com") << "a parent, never the name itself";
    EXPECT_EQ(zone.enclosing_name("example.com"), "com") << "no parent held: the parent";
    EXPECT_EQ(zone.enclosing_name("mail.example.org"), "example.org");
    EXPECT_EQ(zone.enclosing_name("test"), "");
    EXPECT_EQ(zone.enclosing_name(""), "");
}

// ---- ZoneResolver ------------------------------------------------------------------

TEST(ZoneResolver, AnswersQuestionsFromItsZone) {
    auto resolver = ZoneResolver::from_text(R"(
        example.com       TXT  "v=spf1 a include:_spf.example.net -all"
        example.com       A    192.0.2.25
        _spf.example.net  TIMEOUT
    )");
    const Answer txt = resolver.resolve({"example.com", RrType::txt}, no_deadline);
    EXPECT_EQ(txt.status, DnsStatus::ok);
    EXPECT_EQ(txt.texts, (std::vector<std::string>{"v=spf1 a include:_spf.example.net -all"}));
    EXPECT_EQ(txt.ttl, 300U) << "the default TTL";
    EXPECT_EQ(resolver.resolve({"_spf.example.net", RrType::txt}, no_deadline).status, DnsStatus::timeout);
    EXPECT_EQ(resolver.resolve({"example.com", RrType::aaaa}, no_deadline).status, DnsStatus::no_data);
    const std::vector<Question> batch = {{"example.com", RrType::a}, {"nowhere.example.com", RrType::a}};
    const std::vector<Answer> answers = resolver.resolve_all(batch, no_deadline);
    ASSERT_EQ(answers.size(), 2U);
    EXPECT_EQ(answers[0].status, DnsStatus::ok);
    EXPECT_EQ(answers[1].status, DnsStatus::nxdomain);
}

TEST(ZoneResolverDeathTest, AbortsOnAMalformedZoneWithTheError) {
    EXPECT_DEATH(ZoneResolver::from_text("example.com BOGUS x\n"), "line 1: unknown record type \"BOGUS\"");
}

}  // namespace
}  // namespace spf
