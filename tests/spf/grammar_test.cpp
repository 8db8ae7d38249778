// tests/spf/grammar_test.cpp: parse_record(), parse_macro_string(),
// parse_explain_string() and is_spf_record() against RFC 7208 §12, rule by rule,
// with valid and invalid rows for each; the syntax cases of the openspf RFC 7208
// test suite; and the exact text of typical errors (golden files in grammar/).
#include "spf/grammar.hpp"
#include "spf/record_printer.hpp"

#include <gtest/gtest.h>
#include "tests/spf/ast_print.hpp"

#include <boost/variant/get.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace spf {

namespace {

using namespace std::literals;

// ---- Helpers --------------------------------------------------------------------

ast::Record record_of(std::string_view text) {
    auto parsed = parse_record(text);
    if (const auto* error = std::get_if<ParseError>(&parsed)) {
        ADD_FAILURE() << "\"" << text << "\" does not parse: " << error->message();
        return {};
    }
    return std::get<ast::Record>(std::move(parsed));
}

std::optional<ParseError> error_of(std::string_view text) {
    auto parsed = parse_record(text);
    if (const auto* error = std::get_if<ParseError>(&parsed)) return *error;
    return std::nullopt;
}

// The single directive of "v=spf1 <term>".
ast::Directive directive_of(std::string_view term) {
    const ast::Record record = record_of("v=spf1 " + std::string(term));
    if (record.terms.size() != 1) {
        ADD_FAILURE() << "\"" << term << "\" is " << record.terms.size() << " terms";
        return {};
    }
    if (const auto* directive = boost::get<ast::Directive>(&record.terms[0].get())) return *directive;
    ADD_FAILURE() << "\"" << term << "\" is not a directive";
    return {};
}

template <class Mechanism>
Mechanism mechanism_of(std::string_view term) {
    const ast::Directive directive = directive_of(term);
    if (const auto* mechanism = boost::get<Mechanism>(&directive.mechanism.get())) return *mechanism;
    ADD_FAILURE() << "\"" << term << "\" is not the expected mechanism";
    return {};
}

ast::MacroString explain_string_of(std::string_view text) {
    auto parsed = parse_explain_string(text);
    if (const auto* error = std::get_if<ParseError>(&parsed)) {
        ADD_FAILURE() << "\"" << text << "\" does not parse: " << error->message();
        return {};
    }
    return std::get<ast::MacroString>(std::move(parsed));
}

ast::MacroExpand only_expand_of(std::string_view text) {
    const ast::MacroString macro_string = explain_string_of(text);
    if (macro_string.tokens.size() == 1) {
        if (const auto* expand = boost::get<ast::MacroExpand>(&macro_string.tokens[0].get())) return *expand;
    }
    ADD_FAILURE() << "\"" << text << "\" is not a single macro-expand";
    return {};
}

ast::MacroString literal(std::string text) { return ast::MacroString{{ast::MacroToken(std::move(text))}}; }

// A row of text that must parse: written -> canonical text.
struct Canonical {
    std::string_view text;
    std::string_view printed;
};

// A row of text that must not parse: the production expected and where.
struct Rejected {
    std::string_view text;
    std::string_view expected;
    std::size_t column;
};

void expect_canonical(const Canonical& row) {
    SCOPED_TRACE(row.text);
    auto parsed = parse_record(row.text);
    if (const auto* error = std::get_if<ParseError>(&parsed)) {
        ADD_FAILURE() << error->message();
        return;
    }
    EXPECT_EQ(to_string(std::get<ast::Record>(parsed)), row.printed);
}

void expect_rejected(const Rejected& row) {
    SCOPED_TRACE(row.text);
    const auto error = error_of(row.text);
    ASSERT_TRUE(error.has_value()) << "parsed, but must not";
    EXPECT_EQ(error->expected, row.expected) << error->message();
    EXPECT_EQ(error->column, row.column) << error->message();
    EXPECT_FALSE(error->detail.empty());
}

// ---- version, terms, is_spf_record ------------------------------------------------

TEST(RecordVersion, IsCaseInsensitiveAndMayBeTheWholeRecord) {
    for (const auto text : {"v=spf1"sv, "V=SPF1"sv, "v=SpF1 "sv, "v=spf1   "sv}) {
        SCOPED_TRACE(text);
        EXPECT_TRUE(record_of(text).terms.empty());
    }
}

TEST(RecordVersion, MustBeFollowedByASpaceOrTheEnd) {
    for (const Rejected& row : {
             Rejected{"v=spf10", "version", 1},
             Rejected{"v=spf1-all", "version", 1},
             Rejected{"v=spf2 -all", "version", 1},
             Rejected{"spf1 -all", "version", 1},
             Rejected{" v=spf1 -all", "version", 1},
             Rejected{"", "version", 1},
         })
        expect_rejected(row);
}

TEST(IsSpfRecord, SelectsVersionOneFollowedByASpaceOrTheEnd) {
    struct Row {
        std::string_view text;
        bool selected;
    };
    for (const Row& row : {
             Row{"v=spf1", true},
             Row{"v=spf1 -all", true},
             Row{"V=SPF1 mx", true},
             Row{"v=spf1 \x80", true},  // selected, then a permerror (§4.5)
             Row{"v=spf10", false},
             Row{"v=spf1-all", false},
             Row{"v=spf1\t-all", false},
             Row{"v=spf", false},
             Row{" v=spf1", false},
             Row{"spf2.0/pra -all", false},
             Row{"", false},
         }) {
        SCOPED_TRACE(row.text);
        EXPECT_EQ(is_spf_record(row.text), row.selected);
    }
}

TEST(RecordTerms, AreSeparatedByOneOrMoreSpacesAndMayEndInSpaces) {
    for (const auto text : {"v=spf1 a -all"sv, "v=spf1  a   -all"sv, "v=spf1 a -all "sv, "v=spf1 a -all   "sv}) {
        SCOPED_TRACE(text);
        const ast::Record record = record_of(text);
        EXPECT_EQ(record.terms.size(), 2U);
        EXPECT_EQ(to_string(record), "v=spf1 a -all");
    }
}

// ---- directive, qualifier -------------------------------------------------------------

TEST(Directive, KeepsTheQualifierOnlyWhereItWasWritten) {
    struct Row {
        std::string_view term;
        std::optional<ast::Qualifier> written;
        ast::Qualifier effective;
    };
    for (const Row& row : {
             Row{"all", std::nullopt, ast::Qualifier::pass},
             Row{"+all", ast::Qualifier::pass, ast::Qualifier::pass},
             Row{"-all", ast::Qualifier::fail, ast::Qualifier::fail},
             Row{"~all", ast::Qualifier::softfail, ast::Qualifier::softfail},
             Row{"?all", ast::Qualifier::neutral, ast::Qualifier::neutral},
             Row{"-mx", ast::Qualifier::fail, ast::Qualifier::fail},
             Row{"?include:_spf.example.com", ast::Qualifier::neutral, ast::Qualifier::neutral},
         }) {
        SCOPED_TRACE(row.term);
        const ast::Directive directive = directive_of(row.term);
        EXPECT_EQ(directive.qualifier, row.written);
        EXPECT_EQ(directive.effective_qualifier(), row.effective);
    }
}

TEST(Directive, RejectsAStrayOrDoubledQualifier) {
    for (const Rejected& row : {
             Rejected{"v=spf1 !all", "mechanism", 8},
             Rejected{"v=spf1 --all", "mechanism", 8},
             Rejected{"v=spf1 - all", "mechanism", 8},
             Rejected{"v=spf1 -all +", "mechanism", 13},
         })
        expect_rejected(row);
}

// ---- the eight mechanisms -----------------------------------------------------------

TEST(Mechanism, EveryMechanismParsesWithAndWithoutItsOptionalParts) {
    for (const Canonical& row : {
             Canonical{"v=spf1 all", "v=spf1 all"},
             Canonical{"v=spf1 include:_spf.example.com", "v=spf1 include:_spf.example.com"},
             Canonical{"v=spf1 a", "v=spf1 a"},
             Canonical{"v=spf1 a:mail.example.com", "v=spf1 a:mail.example.com"},
             Canonical{"v=spf1 a/24", "v=spf1 a/24"},
             Canonical{"v=spf1 a//64", "v=spf1 a//64"},
             Canonical{"v=spf1 a/24//64", "v=spf1 a/24//64"},
             Canonical{"v=spf1 a:mail.example.com/24//64", "v=spf1 a:mail.example.com/24//64"},
             Canonical{"v=spf1 a:%{d}/24", "v=spf1 a:%{d}/24"},
             Canonical{"v=spf1 mx", "v=spf1 mx"},
             Canonical{"v=spf1 mx:example.com", "v=spf1 mx:example.com"},
             Canonical{"v=spf1 mx/28", "v=spf1 mx/28"},
             Canonical{"v=spf1 mx//48", "v=spf1 mx//48"},
             Canonical{"v=spf1 mx:example.com/28//48", "v=spf1 mx:example.com/28//48"},
             Canonical{"v=spf1 ptr", "v=spf1 ptr"},
             Canonical{"v=spf1 ptr:example.com", "v=spf1 ptr:example.com"},
             Canonical{"v=spf1 ip4:192.0.2.1", "v=spf1 ip4:192.0.2.1"},
             Canonical{"v=spf1 ip4:192.0.2.0/24", "v=spf1 ip4:192.0.2.0/24"},
             Canonical{"v=spf1 ip6:2001:db8::1", "v=spf1 ip6:2001:db8::1"},
             Canonical{"v=spf1 ip6:2001:db8::/32", "v=spf1 ip6:2001:db8::/32"},
             Canonical{"v=spf1 exists:%{ir}.bl.example.com", "v=spf1 exists:%{ir}.bl.example.com"},
         })
        expect_canonical(row);
}

TEST(Mechanism, NamesAreCaseInsensitiveAndPrintInLowerCase) {
    for (const Canonical& row : {
             Canonical{"v=spf1 ALL", "v=spf1 all"},
             Canonical{"v=spf1 Include:_spf.example.com", "v=spf1 include:_spf.example.com"},
             Canonical{"v=spf1 A:Mail.Example.COM/24", "v=spf1 a:Mail.Example.COM/24"},
             Canonical{"v=spf1 mX", "v=spf1 mx"},
             Canonical{"v=spf1 PTR", "v=spf1 ptr"},
             Canonical{"v=spf1 IP4:192.0.2.1", "v=spf1 ip4:192.0.2.1"},
             Canonical{"v=spf1 Ip6:2001:DB8::1", "v=spf1 ip6:2001:db8::1"},
             Canonical{"v=spf1 EXISTS:%{I}.example.com", "v=spf1 exists:%{I}.example.com"},
             Canonical{"v=spf1 REDIRECT=_spf.example.com", "v=spf1 redirect=_spf.example.com"},
             Canonical{"v=spf1 Exp=explain.example.com", "v=spf1 exp=explain.example.com"},
         })
        expect_canonical(row);
}

TEST(Mechanism, MechanismsWithoutTheirArgumentAreErrors) {
    for (const Rejected& row : {
             Rejected{"v=spf1 include", "domain-spec", 15},
             Rejected{"v=spf1 include:", "domain-spec", 16},
             Rejected{"v=spf1 exists", "domain-spec", 14},
             Rejected{"v=spf1 exists: -all", "domain-spec", 15},
             Rejected{"v=spf1 a:", "domain-spec", 10},
             Rejected{"v=spf1 mx: -all", "domain-spec", 11},
             Rejected{"v=spf1 ptr:", "domain-spec", 12},
             Rejected{"v=spf1 ip4", "ip4-network", 11},
             Rejected{"v=spf1 ip4:", "ip4-network", 12},
             Rejected{"v=spf1 ip6 -all", "ip6-network", 11},
             Rejected{"v=spf1 ip6:", "ip6-network", 12},
         })
        expect_rejected(row);
}

TEST(Mechanism, RejectsWhatItDoesNotTake) {
    for (const Rejected& row : {
             Rejected{"v=spf1 all:example.com", "SP", 11},
             Rejected{"v=spf1 all/24", "SP", 11},
             Rejected{"v=spf1 -all.", "SP", 12},
             Rejected{"v=spf1 ptr/24", "SP", 11},
             Rejected{"v=spf1 include:_spf.example.com/24", "domain-spec", 29},
             Rejected{"v=spf1 exists:bl.example.com/24", "domain-spec", 26},
             Rejected{"v=spf1 ip4:192.0.2.1//32", "SP", 21},
             Rejected{"v=spf1 ip4:192.0.2.1:25", "SP", 21},
         })
        expect_rejected(row);
}

TEST(Mechanism, ANameFollowedByMoreLettersIsAnUnknownMechanism) {
    for (const auto text : {"v=spf1 allow"sv, "v=spf1 ax"sv, "v=spf1 mxx"sv, "v=spf1 ip44:192.0.2.1"sv,
                            "v=spf1 ipv4:192.0.2.1"sv, "v=spf1 includes:example.com"sv}) {
        SCOPED_TRACE(text);
        const auto error = error_of(text);
        ASSERT_TRUE(error.has_value());
        EXPECT_EQ(error->expected, "mechanism");
        EXPECT_EQ(error->column, 8U);
        EXPECT_EQ(error->detail.rfind("unknown mechanism ", 0), 0U) << error->detail;
    }
}

TEST(Mechanism, ASplitsATrailingDualCidrLengthOffItsDomain) {
    const ast::A a = mechanism_of<ast::A>("a:foo:bar/baz.example.com/24//64");
    ASSERT_TRUE(a.domain.has_value());
    EXPECT_EQ(*a.domain, literal("foo:bar/baz.example.com"));
    EXPECT_EQ(a.cidr.ip4, 24U);
    EXPECT_EQ(a.cidr.ip6, 64U);
}

TEST(Mechanism, AKeepsASlashThatIsNotATrailingCidrLength) {
    const ast::A a = mechanism_of<ast::A>("a:foo:bar/baz.example.com");
    ASSERT_TRUE(a.domain.has_value());
    EXPECT_EQ(*a.domain, literal("foo:bar/baz.example.com"));
    EXPECT_FALSE(a.cidr.ip4.has_value());
    EXPECT_FALSE(a.cidr.ip6.has_value());
}

TEST(Mechanism, MxWithoutDomainHasOnlyItsCidrLengths) {
    struct Row {
        std::string_view term;
        std::optional<unsigned> ip4;
        std::optional<unsigned> ip6;
    };
    for (const Row& row : {
             Row{"mx", std::nullopt, std::nullopt},
             Row{"mx/0", 0U, std::nullopt},
             Row{"mx//0", std::nullopt, 0U},
             Row{"mx/32//128", 32U, 128U},
         }) {
        SCOPED_TRACE(row.term);
        const ast::Mx mx = mechanism_of<ast::Mx>(row.term);
        EXPECT_FALSE(mx.domain.has_value());
        EXPECT_EQ(mx.cidr.ip4, row.ip4);
        EXPECT_EQ(mx.cidr.ip6, row.ip6);
    }
}

TEST(Mechanism, PtrAndIncludeKeepTheirDomain) {
    EXPECT_FALSE(mechanism_of<ast::Ptr>("ptr").domain.has_value());
    EXPECT_EQ(mechanism_of<ast::Ptr>("ptr:example.com").domain, literal("example.com"));
    EXPECT_EQ(mechanism_of<ast::Include>("include:_spf.example.com").domain, literal("_spf.example.com"));
    EXPECT_EQ(mechanism_of<ast::Exists>("exists:x.example.com").domain, literal("x.example.com"));
}

TEST(Mechanism, Ip4AndIp6HoldNetworkBytesAndPrefix) {
    const ast::Ip4 ip4 = mechanism_of<ast::Ip4>("ip4:192.0.2.128/25");
    EXPECT_EQ(ip4.network, (std::array<std::uint8_t, 4>{192, 0, 2, 128}));
    EXPECT_EQ(ip4.prefix, 25U);
    const ast::Ip6 ip6 = mechanism_of<ast::Ip6>("ip6:2001:db8::ff");
    EXPECT_EQ(ip6.network,
              (std::array<std::uint8_t, 16>{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff}));
    EXPECT_FALSE(ip6.prefix.has_value());
}

// ---- networks and CIDR lengths ----------------------------------------------------------

TEST(Ip4Network, IsAStrictDottedQuad) {
    for (const auto good : {"0.0.0.0"sv, "192.0.2.1"sv, "255.255.255.255"sv, "203.0.113.0"sv}) {
        SCOPED_TRACE(good);
        EXPECT_FALSE(error_of("v=spf1 ip4:" + std::string(good)).has_value());
    }
    for (const Rejected& row : {
             Rejected{"v=spf1 ip4:192.0.2", "ip4-network", 12},
             Rejected{"v=spf1 ip4:192.0.2.1.5", "ip4-network", 12},
             Rejected{"v=spf1 ip4:192.0.2.256", "ip4-network", 12},
             Rejected{"v=spf1 ip4:192.0.02.1", "ip4-network", 12},
             Rejected{"v=spf1 ip4:192..2.1", "ip4-network", 12},
             Rejected{"v=spf1 ip4:.192.0.2.1", "ip4-network", 12},
             Rejected{"v=spf1 ip4:mail.example.com", "ip4-network", 12},
             Rejected{"v=spf1 ip4:2001:db8::1", "ip4-network", 12},
         })
        expect_rejected(row);
}

TEST(Ip6Network, AcceptsTheTextFormsOfRfc4291) {
    for (const Canonical& row : {
             Canonical{"v=spf1 ip6:::", "v=spf1 ip6:::"},
             Canonical{"v=spf1 ip6:::1", "v=spf1 ip6:::1"},
             Canonical{"v=spf1 ip6:2001:DB8:0:0:8:800:200C:417A", "v=spf1 ip6:2001:db8::8:800:200c:417a"},
             Canonical{"v=spf1 ip6:2001:db8:0::0:1/64", "v=spf1 ip6:2001:db8::1/64"},
             Canonical{"v=spf1 ip6:::ffff:192.0.2.1", "v=spf1 ip6:::ffff:192.0.2.1"},
         })
        expect_canonical(row);
    for (const Rejected& row : {
             Rejected{"v=spf1 ip6::CAFE::BABE", "ip6-network", 12},
             Rejected{"v=spf1 ip6:2001:db8:::1", "ip6-network", 12},
             Rejected{"v=spf1 ip6:2001:db8::g", "SP", 22},
             Rejected{"v=spf1 ip6:192.0.2.1", "ip6-network", 12},
             Rejected{"v=spf1 ip6:1:2:3:4:5:6:7:8:9", "ip6-network", 12},
         })
        expect_rejected(row);
}

TEST(CidrLength, AcceptsTheWholeRangeAndRejectsOneBeyondOrALeadingZero) {
    for (const auto good : {"ip4:192.0.2.0/0"sv, "ip4:192.0.2.1/32"sv, "a/0"sv, "a/32"sv, "a//0"sv, "a//128"sv,
                            "mx/32//128"sv, "ip6:2001:db8::/0"sv, "ip6:2001:db8::1/128"sv}) {
        SCOPED_TRACE(good);
        EXPECT_FALSE(error_of("v=spf1 " + std::string(good)).has_value());
    }
    for (const Rejected& row : {
             Rejected{"v=spf1 ip4:192.0.2.1/33", "ip4-cidr-length", 22},
             Rejected{"v=spf1 ip4:192.0.2.1/01", "ip4-cidr-length", 22},
             Rejected{"v=spf1 ip4:192.0.2.1/00", "ip4-cidr-length", 22},
             Rejected{"v=spf1 ip4:192.0.2.1/", "ip4-cidr-length", 22},
             Rejected{"v=spf1 a/33", "ip4-cidr-length", 10},
             Rejected{"v=spf1 a/99999999999", "ip4-cidr-length", 10},
             Rejected{"v=spf1 a//129", "ip6-cidr-length", 11},
             Rejected{"v=spf1 a//01", "ip6-cidr-length", 11},
             Rejected{"v=spf1 a/", "ip4-cidr-length", 10},
             Rejected{"v=spf1 a//", "ip6-cidr-length", 11},
             Rejected{"v=spf1 a/24/64", "SP", 12},
             Rejected{"v=spf1 mx:example.com/33", "ip4-cidr-length", 23},
             Rejected{"v=spf1 ip6:2001:db8::/129", "ip6-cidr-length", 23},
             Rejected{"v=spf1 ip6:2001:db8::/0128", "ip6-cidr-length", 23},
             Rejected{"v=spf1 ip6:2001:db8:://64", "ip6-cidr-length", 23},
         })
        expect_rejected(row);
}

// ---- domain-spec and toplabel -------------------------------------------------------------

TEST(DomainSpec, EndsInATopLevelLabelOrAMacro) {
    for (const auto domain : {"example.com"sv, "example.com."sv, "%{d}"sv, "_spf.%{d}"sv, "%{ir}.%{v}._spf.%{d}"sv,
                              "%{d}%%"sv, "mail.example...com"sv, "foo.example.xn--zckzah"sv, "x.123-456"sv, "x.a1"sv,
                              "x.1a"sv, "x.A"sv, "foo:bar/baz.example.com"sv, ".com"sv,
                              "a123456789012345678901234567890123456789012345678901234567890123.example.com"sv}) {
        SCOPED_TRACE(domain);
        const std::string record = "v=spf1 a:" + std::string(domain);
        const auto error = error_of(record);
        EXPECT_FALSE(error.has_value()) << error->message();
    }
}

TEST(DomainSpec, RejectsAnInvalidTopLevelLabelAndPointsAtIt) {
    for (const Rejected& row : {
             Rejected{"v=spf1 a:example.123", "domain-spec", 18},
             Rejected{"v=spf1 a:example.-com", "domain-spec", 18},
             Rejected{"v=spf1 a:example.com-", "domain-spec", 18},
             Rejected{"v=spf1 a:example.c_m", "domain-spec", 18},
             Rejected{"v=spf1 a:example.com:8080", "domain-spec", 18},
             Rejected{"v=spf1 a:example.com..", "domain-spec", 22},
             Rejected{"v=spf1 a:%{d}.1", "domain-spec", 15},
         })
        expect_rejected(row);
}

TEST(DomainSpec, RejectsADomainWithoutATopLevelLabelAndPointsAtItsStart) {
    for (const Rejected& row : {
             Rejected{"v=spf1 a:museum", "domain-spec", 10},
             Rejected{"v=spf1 a:museum.", "domain-spec", 10},
             Rejected{"v=spf1 a:foo-bar", "domain-spec", 10},
             Rejected{"v=spf1 a:%{d}x", "domain-spec", 10},
             Rejected{"v=spf1 a:%{d}.", "domain-spec", 10},
             Rejected{"v=spf1 redirect=-all", "domain-spec", 17},
             Rejected{"v=spf1 exp=.", "domain-spec", 12},
         })
        expect_rejected(row);
}

TEST(DomainSpec, SaysSoWhenItIsAnIpv4Address) {
    const auto error = error_of("v=spf1 a:192.0.2.10 -all");
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->column, 10U);
    EXPECT_NE(error->detail.find("write ip4:192.0.2.10"), std::string::npos) << error->detail;
}

// ---- modifiers ---------------------------------------------------------------------------

TEST(Modifier, RedirectAndExpAreParsedIntoTheirOwnTerms) {
    const ast::Record record = record_of("v=spf1 redirect=_spf.example.com exp=explain.%{d}");
    ASSERT_EQ(record.terms.size(), 2U);
    const auto* redirect = boost::get<ast::Redirect>(&record.terms[0].get());
    const auto* explanation = boost::get<ast::Explanation>(&record.terms[1].get());
    ASSERT_NE(redirect, nullptr);
    ASSERT_NE(explanation, nullptr);
    EXPECT_EQ(redirect->domain, literal("_spf.example.com"));
    EXPECT_EQ(to_string(explanation->domain), "explain.%{d}");
}

TEST(Modifier, UnknownModifiersKeepTheirNameAsWrittenAndTheirValue) {
    struct Row {
        std::string_view term;
        std::string_view name;
        std::string_view value;
    };
    for (const Row& row : {
             Row{"foo=bar", "foo", "bar"},
             Row{"moo.cow-far_out=man:dog/cat", "moo.cow-far_out", "man:dog/cat"},
             Row{"ip4=192.0.2.1", "ip4", "192.0.2.1"},
             Row{"a=b", "a", "b"},
             Row{"all=", "all", ""},
             Row{"X-Trace=%{c}%{r}%{t}", "X-Trace", "%{c}%{r}%{t}"},
             Row{"default=+", "default", "+"},
             Row{"redirect.old=x", "redirect.old", "x"},
             Row{"exp2=a=b", "exp2", "a=b"},
         }) {
        SCOPED_TRACE(row.term);
        const ast::Record record = record_of("v=spf1 " + std::string(row.term));
        ASSERT_EQ(record.terms.size(), 1U);
        const auto* modifier = boost::get<ast::UnknownModifier>(&record.terms[0].get());
        ASSERT_NE(modifier, nullptr);
        EXPECT_EQ(modifier->name, row.name);
        EXPECT_EQ(to_string(modifier->value), row.value);
    }
}

TEST(Modifier, RedirectAndExpAreCommittedAtTheEqualsSign) {
    for (const Rejected& row : {
             Rejected{"v=spf1 redirect=", "domain-spec", 17},
             Rejected{"v=spf1 redirect=-all", "domain-spec", 17},
             Rejected{"v=spf1 exp= -all", "domain-spec", 12},
             Rejected{"v=spf1 exp=foo", "domain-spec", 12},
             Rejected{"v=spf1 Redirect=%{d}%{x}", "macro-letter", 23},
         })
        expect_rejected(row);
}

TEST(Modifier, RedirectAndExpMayAppearOnlyOnce) {
    for (const Rejected& row : {
             Rejected{"v=spf1 redirect=a.example.com redirect=b.example.com", "redirect", 31},
             Rejected{"v=spf1 redirect=a.example.com -all REDIRECT=a.example.com", "redirect", 36},
             Rejected{"v=spf1 exp=a.example.com exp=b.example.com", "explanation", 26},
         })
        expect_rejected(row);
    EXPECT_FALSE(error_of("v=spf1 redirect=a.example.com exp=b.example.com").has_value());
    EXPECT_FALSE(error_of("v=spf1 note=1 note=2").has_value()) << "unknown modifiers may repeat";
}

TEST(Modifier, InvalidNamesAndQualifiedModifiersAreErrors) {
    for (const Rejected& row : {
             Rejected{"v=spf1 1up=foo", "name", 8},
             Rejected{"v=spf1 =all", "name", 8},
             Rejected{"v=spf1 _dmarc=x", "name", 8},
             Rejected{"v=spf1 -foo=bar", "mechanism", 8},
             Rejected{"v=spf1 moo.cow/far_out=man:dog/cat", "mechanism", 8},
             Rejected{"v=spf1 redirect:_spf.example.com", "mechanism", 8},
         })
        expect_rejected(row);
}

TEST(Modifier, AnUnknownModifierValueMustBeAValidMacroString) {
    for (const Rejected& row : {
             Rejected{"v=spf1 -all foo=%abc", "macro-expand", 17},
             Rejected{"v=spf1 foo=%{z}", "macro-letter", 14},
         })
        expect_rejected(row);
}

// ---- macro-string -------------------------------------------------------------------------

TEST(MacroString, ParsesEveryLetterInEitherCaseUpperCaseMeaningUrlEscape) {
    for (const char letter : std::string_view("slodiphcrtv")) {
        const std::string lower = std::string("%{") + letter + "}";
        const std::string upper = std::string("%{") + static_cast<char>(letter - 'a' + 'A') + "}";
        SCOPED_TRACE(lower);
        const ast::MacroExpand plain = only_expand_of(lower);
        EXPECT_EQ(plain.letter, letter);
        EXPECT_FALSE(plain.url_escape);
        const ast::MacroExpand escaped = only_expand_of(upper);
        EXPECT_EQ(escaped.letter, letter);
        EXPECT_TRUE(escaped.url_escape);
    }
}

TEST(MacroString, TransformersKeepTheDigitsAndTheReversal) {
    struct Row {
        std::string_view text;
        unsigned digits;
        bool reverse;
    };
    for (const Row& row : {
             Row{"%{d}", 0, false},
             Row{"%{d2}", 2, false},
             Row{"%{ir}", 0, true},
             Row{"%{d2r}", 2, true},
             Row{"%{dR}", 0, true},
             Row{"%{d10}", 10, false},
             Row{"%{d02}", 2, false},
             Row{"%{d128r}", 128, true},
         }) {
        SCOPED_TRACE(row.text);
        const ast::MacroExpand expand = only_expand_of(row.text);
        EXPECT_EQ(expand.digits, row.digits);
        EXPECT_EQ(expand.reverse, row.reverse);
        EXPECT_TRUE(expand.delimiters.empty());
    }
}

TEST(MacroString, DelimitersAreKeptAsWritten) {
    for (const auto delimiters : {"."sv, "-"sv, "+"sv, ","sv, "/"sv, "_"sv, "="sv, ".-+,/_="sv, "--"sv}) {
        SCOPED_TRACE(delimiters);
        const ast::MacroExpand expand = only_expand_of("%{l2r" + std::string(delimiters) + "}");
        EXPECT_EQ(expand.delimiters, delimiters);
        EXPECT_EQ(expand.digits, 2U);
        EXPECT_TRUE(expand.reverse);
    }
}

TEST(MacroString, EscapesFoldIntoOneLiteralToken) {
    EXPECT_EQ(explain_string_of("a%%b%_c%-d"), literal("a%b c%20d"));
    EXPECT_EQ(explain_string_of("%%"), literal("%"));
    EXPECT_EQ(explain_string_of("100%% sure"), literal("100% sure"));
}

TEST(MacroString, AdjacentLiteralsMergeAroundExpansions) {
    const ast::MacroString macro_string = explain_string_of("x.%{d}.y%%z %{i}");
    ASSERT_EQ(macro_string.tokens.size(), 4U);
    EXPECT_EQ(boost::get<std::string>(macro_string.tokens[0].get()), "x.");
    EXPECT_EQ(boost::get<ast::MacroExpand>(macro_string.tokens[1].get()).letter, 'd');
    EXPECT_EQ(boost::get<std::string>(macro_string.tokens[2].get()), ".y%z ");
    EXPECT_EQ(boost::get<ast::MacroExpand>(macro_string.tokens[3].get()).letter, 'i');
}

TEST(MacroString, RejectsMalformedMacros) {
    for (const Rejected& row : {
             Rejected{"%{x}", "macro-letter", 3},
             Rejected{"%{}", "macro-letter", 3},
             Rejected{"%{", "macro-letter", 3},
             Rejected{"%{s", "macro-expand", 4},
             Rejected{"%{s.2}", "macro-expand", 5},
             Rejected{"%{s:}", "macro-expand", 4},
             Rejected{"%{d0}", "transformers", 4},
             Rejected{"%{d1234567890}", "transformers", 4},
             Rejected{"%", "macro-expand", 1},
             Rejected{"%x", "macro-expand", 1},
             Rejected{"ok %x", "macro-expand", 4},
             Rejected{"%{l}%", "macro-expand", 5},
         }) {
        SCOPED_TRACE(row.text);
        auto parsed = parse_explain_string(row.text);
        const auto* error = std::get_if<ParseError>(&parsed);
        ASSERT_NE(error, nullptr);
        EXPECT_EQ(error->expected, row.expected) << error->message();
        EXPECT_EQ(error->column, row.column) << error->message();
    }
}

TEST(MacroString, LettersCRAndTAreAllowedOnlyInExplanations) {
    for (const Rejected& row : {
             Rejected{"v=spf1 exists:%{c}.example.com", "domain-spec", 17},
             Rejected{"v=spf1 a:%{R}.example.com", "domain-spec", 12},
             Rejected{"v=spf1 -all exp=%{t}.example.com", "domain-spec", 19},
             Rejected{"v=spf1 redirect=%{d}.%{r}", "domain-spec", 24},
         })
        expect_rejected(row);
    EXPECT_FALSE(error_of("v=spf1 note=%{c}%{r}%{t}").has_value()) << "unknown modifiers are never expanded";
    EXPECT_EQ(explain_string_of("%{c} %{r} %{t}").tokens.size(), 5U);
    EXPECT_TRUE(std::holds_alternative<ast::MacroString>(parse_macro_string("%{c}.%{r}.%{t}")));
}

TEST(MacroString, APlainMacroStringHasNoSpacesAnExplainStringMay) {
    auto plain = parse_macro_string("connect from %{i}");
    const auto* error = std::get_if<ParseError>(&plain);
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->column, 8U);
    EXPECT_EQ(error->expected, "macro-string");
    EXPECT_EQ(to_string(explain_string_of("connect from %{i}")), "connect%_from%_%{i}");
    EXPECT_EQ(explain_string_of(""), ast::MacroString{});
    EXPECT_EQ(explain_string_of("  "), literal("  "));
}

// ---- characters and size ------------------------------------------------------------------

TEST(RecordText, RejectsEveryByteOutsidePrintableAsciiAndNamesIt) {
    struct Row {
        std::string_view text;
        std::size_t column;
        std::string_view named;
    };
    for (const Row& row : {
             Row{"v=spf1 a:ctrl.example.com\rptr -all"sv, 26, "control character 0x0D"},
             Row{"v=spf1 ip4:192.0.2.5\n include:_spf.example.com ~all"sv, 21, "control character 0x0A"},
             Row{"v=spf1 a\t-all"sv, 9, "control character 0x09"},
             Row{"v=spf1 a:foo.example.com\0"sv, 25, "control character 0x00"},
             Row{"v=spf1 -all\x7f"sv, 12, "control character 0x7F"},
             Row{"v=spf1 \x80 a:example.net -all"sv, 8, "non-ASCII byte 0x80"},
             Row{"v=spf1 a:\xEF\xBB\xBFgarbage.example.net"sv, 10, "non-ASCII byte 0xEF"},
         }) {
        SCOPED_TRACE(testing::PrintToString(std::string(row.text)));
        const auto error = error_of(row.text);
        ASSERT_TRUE(error.has_value());
        EXPECT_EQ(error->column, row.column);
        EXPECT_EQ(error->detail.rfind(row.named, 0), 0U) << error->detail;
    }
    auto explanation = parse_explain_string("\357\273\277Explanation");  // a UTF-8 byte order mark
    ASSERT_TRUE(std::holds_alternative<ParseError>(explanation));
    EXPECT_EQ(std::get<ParseError>(explanation).column, 1U);
}

TEST(RecordText, ATenKilobyteRecordOfManyTermsParses) {
    std::string text = "v=spf1";
    std::size_t terms = 0;
    const std::vector<std::string> pattern = {
        "ip4:192.0.2.0/24", "a:mail.example.com/24//64", "~exists:%{ir}.%{l1r-}.example.com", "mx//48",
        "x-note=%{c}",      "ip6:2001:db8::/32"};
    while (text.size() < 10 * 1024) {
        text += " " + pattern[terms % pattern.size()];
        ++terms;
    }
    text += " redirect=_spf.example.com";
    const ast::Record record = record_of(text);
    EXPECT_EQ(record.terms.size(), terms + 1);
    EXPECT_EQ(to_string(record), text);

    const auto error = error_of(text + " ipv4:192.0.2.1");
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->column, text.size() + 2);
}

TEST(RecordText, ATenKilobyteDomainSpecParses) {
    std::string domain;
    while (domain.size() < 10 * 1024) domain += "label.";
    domain += "example.com";
    const ast::Include include = mechanism_of<ast::Include>("include:" + domain);
    EXPECT_EQ(include.domain, literal(domain));
}

// Hostile input in small doses: records bent by a few inserted, deleted or replaced
// characters (a fixed seed, so every run sees the same ones). Each must give a record
// that prints and parses back to itself, or an error that points into the text.
TEST(RecordText, BentRecordsGiveARecordOrAnErrorInsideTheText) {
    const std::vector<std::string> seeds = {
        "v=spf1 a:foo:bar/baz.example.com/24//64 mx//48 ptr:example.com -all",
        "v=spf1 exists:%{ir}.%{l1r-}.bl.%{d2} ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all",
        "v=spf1 include:_spf.example.com redirect=%{d}._spf.example.net exp=%{S}.example.com",
        "v=spf1 note=%%%_%- a:%{d}%% ?all",
    };
    const std::string alphabet = "%{}/:=.-+~?_ ,aAdDlLrR0123456789v";
    std::mt19937 random(7208);
    std::size_t records = 0;
    std::size_t errors = 0;
    for (int round = 0; round < 5000; ++round) {
        std::string text = seeds[random() % seeds.size()];
        for (auto edits = 1 + random() % 3; edits > 0; --edits) {
            const std::size_t at = random() % text.size();
            const char c = alphabet[random() % alphabet.size()];
            switch (random() % 3) {
                case 0: text.insert(at, 1, c); break;
                case 1: text.erase(at, 1); break;
                default: text[at] = c; break;
            }
        }
        auto parsed = parse_record(text);
        if (const auto* error = std::get_if<ParseError>(&parsed)) {
            ++errors;
            ASSERT_GE(error->column, 1U) << text;
            ASSERT_LE(error->column, text.size() + 1) << text;
            ASSERT_FALSE(error->detail.empty()) << text;
            continue;
        }
        ++records;
        const std::string printed = to_string(std::get<ast::Record>(parsed));
        auto reparsed = parse_record(printed);
        ASSERT_TRUE(std::holds_alternative<ast::Record>(reparsed)) << text << " printed as " << printed;
        ASSERT_TRUE(std::get<ast::Record>(reparsed) == std::get<ast::Record>(parsed)) << text;
    }
    EXPECT_GT(records, 250U);
    EXPECT_GT(errors, 250U);
}

// ---- the openspf RFC 7208 test suite -----------------------------------------------------------

// Every record of the suite's syntax sections (release 2014.04) that is a syntax
// error; the others parse (record_printer_test.cpp round-trips them). Octal escapes
// where a hex one would run into the next letter: \200 is 0x80, \226 is 0x96.
TEST(OpenspfSuite, SyntaxErrorsOfTheSuiteAreParseErrors) {
    for (const Rejected& row : {
             // Initial processing
             Rejected{"v=spf1 a:\xEF\xBB\xBFgarbage.example.net -all"sv, "record", 10},  // non-ascii-policy
             Rejected{"v=spf1 \200a:example.net -all"sv, "record", 8},                   // non-ascii-mech
             Rejected{"v=spf1 a:example.net \226all"sv, "record", 22},                   // non-ascii-result
             Rejected{"v=spf1 a:ctrl.example.com\x0Dptr -all"sv, "record", 26},          // control-char-policy
             Rejected{"v=spf1 ip4:192.0.2.5\x0A include:spf.protection.example.net ~all"sv, "record", 21},  // badip4
             // Record evaluation
             Rejected{"v=spf1 ip4:192.0.2.4 -all moo", "mechanism", 27},  // detect-errors-anywhere
             Rejected{"v=spf1 moo.cow/far_out=man:dog/cat ip4:192.0.2.4 -all", "mechanism",
                      8},  // modifier-charset-bad1
             Rejected{"v=spf1 moo.cow:far_out=man:dog/cat ip4:192.0.2.4 -all", "mechanism",
                      8},                                                                // modifier-charset-bad2
             Rejected{"v=spf1 ip4:192.0.2.4 redirect:t2.example.com", "mechanism", 22},  // redirect-is-modifier
             Rejected{"v=spf1 a:foo-bar -all", "domain-spec", 10},                       // invalid-domain
             // ALL mechanism syntax
             Rejected{"v=spf1 -all.", "SP", 12},        // all-dot
             Rejected{"v=spf1 -all:foobar", "SP", 12},  // all-arg
             Rejected{"v=spf1 -all/8", "SP", 12},       // all-cidr
             // PTR mechanism syntax
             Rejected{"v=spf1 ptr/0 -all", "SP", 11},     // ptr-cidr
             Rejected{"v=spf1 ptr:", "domain-spec", 12},  // ptr-empty-domain
             // A mechanism syntax
             Rejected{"v=spf1 a:foo.example.com\x00"sv, "record", 25},  // a-null
             Rejected{"v=spf1 a:203.0.113.44", "domain-spec", 10},      // a-numeric
             Rejected{"v=spf1 a:abc.123", "domain-spec", 14},           // a-numeric-toplabel
             Rejected{"v=spf1 a:museum", "domain-spec", 10},            // a-only-toplabel
             Rejected{"v=spf1 a:museum.", "domain-spec", 10},           // a-only-toplabel-trailing-dot
             Rejected{"v=spf1 a/33 -all", "ip4-cidr-length", 10},       // a-bad-cidr4
             Rejected{"v=spf1 a//129 -all", "ip6-cidr-length", 11},     // a-bad-cidr6
             Rejected{"v=spf1 a/24/64 -all", "SP", 12},                 // a-dual-cidr-ip4-err
             Rejected{"v=spf1 a:example.com:8080", "domain-spec", 18},  // a-bad-domain
             Rejected{"v=spf1 a:example.-com", "domain-spec", 18},      // a-bad-toplabel
             Rejected{"v=spf1 a:", "domain-spec", 10},                  // a-empty-domain
             // Include mechanism semantics and syntax
             Rejected{"v=spf1 include +all", "domain-spec", 15},                     // include-syntax-error
             Rejected{"v=spf1 include: -all", "domain-spec", 16},                    // include-empty-domain
             Rejected{"v=spf1 include:ip5.example.com/24 -all", "domain-spec", 28},  // include-cidr
             // MX mechanism syntax
             Rejected{"v=spf1 mx:foo.example.com\x00"sv, "record", 26},  // mx-null
             Rejected{"v=spf1 mx:abc.123", "domain-spec", 15},           // mx-numeric-top-label
             Rejected{"v=spf1 mx/33 -all", "ip4-cidr-length", 11},       // mx-bad-cidr4
             Rejected{"v=spf1 mx//129 -all", "ip6-cidr-length", 12},     // mx-bad-cidr6
             Rejected{"v=spf1 mx:example.com:8080", "domain-spec", 19},  // mx-bad-domain
             Rejected{"v=spf1 mx:example.-com", "domain-spec", 19},      // mx-bad-toplab
             Rejected{"v=spf1 mx: -all", "domain-spec", 11},             // mx-empty-domain
             // EXISTS mechanism syntax
             Rejected{"v=spf1 exists:", "domain-spec", 15},                     // exists-empty-domain
             Rejected{"v=spf1 exists", "domain-spec", 14},                      // exists-implicit
             Rejected{"v=spf1 exists:mail.example.com/24", "domain-spec", 28},  // exists-cidr
             // IP4 mechanism syntax
             Rejected{"v=spf1 ip4:192.0.2.4/33 -all", "ip4-cidr-length", 22},   // cidr4-33
             Rejected{"v=spf1 ip4:192.0.2.4/032 -all", "ip4-cidr-length", 22},  // cidr4-032
             Rejected{"v=spf1 ip4", "ip4-network", 11},                         // bare-ip4
             Rejected{"v=spf1 ip4:192.0.2.4//32", "SP", 21},                    // ip4-dual-cidr
             Rejected{"v=spf1 ip4:192.0.2.4:8080", "SP", 21},                   // bad-ip4-port
             Rejected{"v=spf1 ip4:192.0.2", "ip4-network", 12},                 // bad-ip4-short
             // IP6 mechanism syntax
             Rejected{"v=spf1 -all ip6", "ip6-network", 16},                 // bare-ip6
             Rejected{"v=spf1 ip6:::192.0.2.1/129", "ip6-cidr-length", 24},  // cidr6-129
             Rejected{"v=spf1 ip6:::192.0.2.1//33", "ip6-cidr-length", 24},  // cidr6-bad
             Rejected{"v=spf1 ip6::CAFE::BABE", "ip6-network", 12},          // ip6-bad1
             // Semantics of exp and other modifiers
             Rejected{"v=spf1 1up=foo", "name", 8},                 // invalid-modifier
             Rejected{"v=spf1 =all", "name", 8},                    // empty-modifier-name
             Rejected{"v=spf1 -all foo=%abc", "macro-expand", 17},  // unknown-modifier-syntax
             Rejected{"v=spf1 exp= -all", "domain-spec", 12},       // exp-empty-domain
             Rejected{"v=spf1 exp=e13msg.example.com -all exp=e11msg.example.com", "explanation", 36},  // exp-twice
             Rejected{"v=spf1 redirect=e12.example.com -all redirect=e12.example.com", "redirect",
                      38},                                              // redirect-twice
             Rejected{"v=spf1 exp=-all", "domain-spec", 12},            // exp-syntax-error
             Rejected{"v=spf1 redirect=-all ?all", "domain-spec", 17},  // redirect-syntax-error
             Rejected{"v=spf1 ?all redirect=", "domain-spec", 22},      // redirect-empty-domain
             // Macro expansion rules
             Rejected{"v=spf1 -exists:%(ir).sbl.example.com ?all", "macro-expand", 16},  // invalid-macro-char
             Rejected{"v=spf1 exists:foo%(ir).sbl.example.com ?all", "macro-expand",
                      18},                                                             // invalid-embedded-macro-char
             Rejected{"v=spf1 exists:foo%.sbl.example.com ?all", "macro-expand", 18},  // invalid-trailing-macro-char
             Rejected{"v=spf1 -all exp=%{r}.example.com", "domain-spec", 19},          // exp-only-macro-char
             Rejected{"v=spf1 a:%{a}.example.com -all", "macro-letter", 12},           // undef-macro
         })
        expect_rejected(row);
}

// ---- messages -------------------------------------------------------------------------------

TEST(ParseErrorMessage, NamesTheProductionWhenThereIsNoDetail) {
    EXPECT_EQ((ParseError{9, "domain-spec", ""}.message()), "syntax error at column 9: expected domain-spec");
    EXPECT_EQ((ParseError{23, "mechanism", "unknown mechanism \"ipv4:\""}.message()),
              "syntax error at column 23: unknown mechanism \"ipv4:\"");
}

// grammar/<name>.record holds a record, grammar/<name>.expect the message() it must give.
TEST(ParseErrorMessage, MatchesTheGoldenFiles) {
    const std::filesystem::path directory = std::filesystem::path(SPF_SOURCE_DIR) / "tests/spf/grammar";
    const auto read = [](const std::filesystem::path& path) {
        std::ifstream file(path, std::ios::binary);
        std::ostringstream text;
        text << file.rdbuf();
        std::string content = text.str();
        if (!content.empty() && content.back() == '\n') content.pop_back();
        return content;
    };
    std::size_t checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        if (entry.path().extension() != ".record") continue;
        SCOPED_TRACE(entry.path().filename().string());
        const std::filesystem::path expect_path = std::filesystem::path(entry.path()).replace_extension(".expect");
        ASSERT_TRUE(std::filesystem::exists(expect_path));
        const auto error = error_of(read(entry.path()));
        ASSERT_TRUE(error.has_value());
        EXPECT_EQ(error->message(), read(expect_path));
        ++checked;
    }
    EXPECT_GE(checked, 10U);
}

}  // namespace
}  // namespace spf
