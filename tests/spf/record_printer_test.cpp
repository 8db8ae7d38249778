// tests/spf/record_printer_test.cpp: to_string() of macro-strings, mechanisms,
// directives, terms and records, AST equality, and the round-trip property
// parse_record(to_string(r)) == r over many records, every record of the openspf
// suite's syntax sections that parses among them.
#include "spf/record_printer.hpp"

#include "spf/grammar.hpp"

#include <gtest/gtest.h>
#include "tests/spf/ast_print.hpp"

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace spf {

namespace {

using namespace std::literals;

ast::MacroExpand expand(char letter, unsigned digits = 0, bool reverse = false, std::string delimiters = {},
                        bool url_escape = false) {
    return ast::MacroExpand{letter, url_escape, digits, reverse, std::move(delimiters)};
}

ast::MacroToken token(const char* text) { return ast::MacroToken(std::string(text)); }
ast::MacroToken token(ast::MacroExpand expand) { return ast::MacroToken(std::move(expand)); }

// macro_string(expand('i', 0, true), ".example.com") is %{ir}.example.com
template <class... Pieces>
ast::MacroString macro_string(Pieces... pieces) {
    return ast::MacroString{{token(std::move(pieces))...}};
}

ast::Record record_of(std::string_view text) {
    auto parsed = parse_record(text);
    if (const auto* error = std::get_if<ParseError>(&parsed)) {
        ADD_FAILURE() << "\"" << text << "\" does not parse: " << error->message();
        return {};
    }
    return std::get<ast::Record>(std::move(parsed));
}

// ---- printing ---------------------------------------------------------------------

TEST(RecordPrinter, PrintsMacroExpandsWithTransformersAndDelimiters) {
    const ast::MacroString name = macro_string(expand('i', 0, true), ".", expand('v'), "._spf.", expand('d'));
    EXPECT_EQ(to_string(name), "%{ir}.%{v}._spf.%{d}");
    EXPECT_EQ(to_string(macro_string(expand('l', 2, true, "-+"))), "%{l2r-+}");
    EXPECT_EQ(to_string(macro_string(expand('d', 2))), "%{d2}");
}

TEST(RecordPrinter, PrintsUrlEscapedLettersInUpperCase) {
    EXPECT_EQ(to_string(macro_string(expand('s', 0, false, {}, true))), "%{S}");
    EXPECT_EQ(to_string(macro_string("l=", expand('l', 1, true, ".", true))), "l=%{L1r.}");
}

TEST(RecordPrinter, EscapesPercentAndSpaceInLiteralText) {
    EXPECT_EQ(to_string(macro_string("100% sure")), "100%%%_sure");
    EXPECT_EQ(to_string(macro_string("%20")), "%-");
    EXPECT_EQ(to_string(macro_string("100%2 %200")), "100%%2%_%-0");
    EXPECT_EQ(to_string(ast::MacroString{}), "");
}

TEST(RecordPrinter, PrintsEachMechanismInLowerCaseWithItsCidrLengthsAsGiven) {
    struct Row {
        ast::Mechanism mechanism;
        std::string_view printed;
    };
    const std::vector<Row> rows = {
        {ast::Mechanism{ast::All{}}, "all"},
        {ast::Mechanism{ast::Include{macro_string("_spf.example.com")}}, "include:_spf.example.com"},
        {ast::Mechanism{ast::A{}}, "a"},
        {ast::Mechanism{ast::A{macro_string(expand('d')), ast::DualCidr{24U, std::nullopt}}}, "a:%{d}/24"},
        {ast::Mechanism{ast::A{std::nullopt, ast::DualCidr{std::nullopt, 64U}}}, "a//64"},
        {ast::Mechanism{ast::Mx{macro_string("example.com"), ast::DualCidr{0U, 0U}}}, "mx:example.com/0//0"},
        {ast::Mechanism{ast::Ptr{}}, "ptr"},
        {ast::Mechanism{ast::Ptr{macro_string("example.com")}}, "ptr:example.com"},
        {ast::Mechanism{ast::Ip4{{192, 0, 2, 0}, 24U}}, "ip4:192.0.2.0/24"},
        {ast::Mechanism{ast::Ip4{{203, 0, 113, 7}, std::nullopt}}, "ip4:203.0.113.7"},
        {ast::Mechanism{ast::Ip6{{0x20, 0x01, 0x0d, 0xb8}, 32U}}, "ip6:2001:db8::/32"},
        {ast::Mechanism{ast::Exists{macro_string(expand('i', 0, true), ".bl.example.com")}},
         "exists:%{ir}.bl.example.com"},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.printed);
        EXPECT_EQ(to_string(row.mechanism), row.printed);
    }
}

TEST(RecordPrinter, PrintsTheQualifierOnlyWhereItWasWritten) {
    EXPECT_EQ(to_string(ast::Directive{std::nullopt, ast::Mechanism{ast::Mx{}}}), "mx");
    EXPECT_EQ(to_string(ast::Directive{ast::Qualifier::pass, ast::Mechanism{ast::Mx{}}}), "+mx");
    EXPECT_EQ(to_string(ast::Directive{ast::Qualifier::fail, ast::Mechanism{ast::All{}}}), "-all");
    EXPECT_EQ(to_string(ast::Directive{ast::Qualifier::softfail, ast::Mechanism{ast::All{}}}), "~all");
    EXPECT_EQ(to_string(ast::Directive{ast::Qualifier::neutral, ast::Mechanism{ast::All{}}}), "?all");
}

TEST(RecordPrinter, PrintsModifiersWithTheUnknownOnesNamedAsWritten) {
    EXPECT_EQ(to_string(ast::Term{ast::Redirect{macro_string("_spf.example.com")}}), "redirect=_spf.example.com");
    EXPECT_EQ(to_string(ast::Term{ast::Explanation{macro_string("explain.", expand('d'))}}), "exp=explain.%{d}");
    EXPECT_EQ(to_string(ast::Term{ast::UnknownModifier{"X-Note", macro_string(expand('c'))}}), "X-Note=%{c}");
    EXPECT_EQ(to_string(ast::Term{ast::UnknownModifier{"empty", {}}}), "empty=");
}

TEST(RecordPrinter, PrintsARecordInCanonicalForm) {
    EXPECT_EQ(to_string(ast::Record{}), "v=spf1");
    EXPECT_EQ(to_string(record_of("V=SPF1  +A:Mail.Example.COM/24  MX  Redirect=%{D2}  ")),
              "v=spf1 +a:Mail.Example.COM/24 mx redirect=%{D2}");
    EXPECT_EQ(to_string(record_of("v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all")),
              "v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all");
    EXPECT_EQ(to_string(record_of("v=spf1 ip6:2001:DB8:0:0:0:0:0:1/128 ip4:192.0.2.0/0")),
              "v=spf1 ip6:2001:db8::1/128 ip4:192.0.2.0/0");
}

// ---- equality -----------------------------------------------------------------------

TEST(RecordEquality, TellsApartWhatPrintsDifferently) {
    const std::vector<std::string_view> records = {
        "v=spf1 mx",
        "v=spf1 +mx",
        "v=spf1 a/24",
        "v=spf1 a//24",
        "v=spf1 a:x.example.com",
        "v=spf1 mx:x.example.com",
        "v=spf1 include:x.example.com",
        "v=spf1 exists:x.example.com",
        "v=spf1 redirect=x.example.com",
        "v=spf1 exp=x.example.com",
        "v=spf1 foo=x.example.com",
        "v=spf1 Foo=x.example.com",
        "v=spf1 foo=%{d}",
        "v=spf1 foo=%{D}",
        "v=spf1 foo=%{d2}",
        "v=spf1 foo=%{dr}",
        "v=spf1 foo=%{d-}",
        "v=spf1 ip4:192.0.2.0",
        "v=spf1 ip4:192.0.2.0/32",
        "v=spf1 ip6:2001:db8::",
        "v=spf1 -all",
        "v=spf1 -all -all",
        "v=spf1",
    };
    for (std::size_t i = 0; i < records.size(); ++i) {
        for (std::size_t j = 0; j < records.size(); ++j) {
            SCOPED_TRACE(std::string(records[i]) + " vs " + std::string(records[j]));
            EXPECT_EQ(record_of(records[i]) == record_of(records[j]), i == j);
        }
    }
}

TEST(RecordEquality, IgnoresSpellingThatTheAstDoesNotKeep) {
    EXPECT_TRUE(record_of("v=spf1 MX -ALL") == record_of("v=spf1 mx  -all "));
    EXPECT_TRUE(record_of("v=spf1 ip6:2001:DB8::0:1") == record_of("v=spf1 ip6:2001:db8::1"));
    EXPECT_TRUE(record_of("v=spf1 a:%{dR}") == record_of("v=spf1 a:%{dr}"));
}

// ---- round trip -----------------------------------------------------------------------

void expect_round_trip(std::string_view text) {
    SCOPED_TRACE(text);
    const ast::Record record = record_of(text);
    const std::string printed = to_string(record);
    auto reparsed = parse_record(printed);
    const auto* again = std::get_if<ast::Record>(&reparsed);
    ASSERT_NE(again, nullptr) << printed << ": " << std::get<ParseError>(reparsed).message();
    EXPECT_TRUE(*again == record) << printed;
    EXPECT_EQ(to_string(*again), printed) << "printing is a fixed point";
}

TEST(RecordRoundTrip, HoldsForEveryRecordOfTheSuiteSyntaxSectionsThatParses) {
    // The records of the openspf RFC 7208 test suite (release 2014.04), verbatim,
    // minus those rejected in grammar_test.cpp (OpenspfSuite).
    for (const auto text : {
             // Initial processing
             "v=spf1 -all exp=exp.example.net"sv,
             "v=spf1 -all"sv,
             "v=spf1 a:example.net -all"sv,
             "v=spf1 a  -all"sv,
             "v=spf1 a -all "sv,
             "v=spf1 ip4:192.0.2.5 -all"sv,
             // Selecting records
             "v=spf1 mx"sv,
             "v=spf1"sv,
             "v=spf1 +all"sv,
             "V=sPf1 +all"sv,
             "V=spf1 -all"sv,
             "v=SpF1 ~all"sv,
             // Record evaluation
             "v=spf1 moo.cow-far_out=man:dog/cat ip4:192.0.2.4 -all"sv,
             "v=spf1 redirect=t5.example.com ~all"sv,
             "v=spf1 ip4:192.0.2.4 redirect=t2.example.com"sv,
             "v=spf1 ip4:192.0.2.4"sv,
             "v=spf1 a:mail.example...com -all"sv,
             "v=spf1 a:a123456789012345678901234567890123456789012345678901234567890123.example.com -all"sv,
             "v=spf1 a:%{H}.bar -all"sv,
             // ALL mechanism syntax
             "v=spf1 ?all"sv,
             "v=spf1 all -all"sv,
             // PTR mechanism syntax
             "v=spf1 ptr:example.com -all"sv,
             "v=spf1 ptr -all"sv,
             "v=spf1 ptr:example.Com -all"sv,
             "v=spf1 ptr"sv,
             // A mechanism syntax
             "v=spf1 a/0 -all"sv,
             "v=spf1 a//0 -all"sv,
             "v=spf1 a -all"sv,
             "v=spf1 a//33 -all"sv,
             "v=spf1 a/24//64 -all"sv,
             "v=spf1 a/24 -all"sv,
             "v=spf1 a//64 -all"sv,
             "v=spf1 a:foo.example.com/24"sv,
             "v=spf1 a:foo:bar/baz.example.com"sv,
             "v=spf1 a:foo.example.xn--zckzah -all"sv,
             // Include mechanism semantics and syntax
             "v=spf1 ip4:192.0.2.5 -all"sv,
             "v=spf1 ip4:192.0.2.6 ~all"sv,
             "v=spf1 ip4:192.0.2.7 ?all"sv,
             "v=spf1 include:ip5.example.com ~all"sv,
             "v=spf1 include:ip6.example.com all"sv,
             "v=spf1 include:ip7.example.com -all"sv,
             "v=spf1 include:ip8.example.com -all"sv,
             "v=spf1 include:e6.example.com -all"sv,
             "v=spf1 include:erehwon.example.com -all"sv,
             // MX mechanism syntax
             "v=spf1 mx/0 -all"sv,
             "v=spf1 mx//0 -all"sv,
             "v=spf1 mx//33 -all"sv,
             "v=spf1 mx:foo.example.com/24"sv,
             "v=spf1 mx:foo:bar/baz.example.com"sv,
             // EXISTS mechanism syntax
             "v=spf1 exists:mail.example.com"sv,
             "v=spf1 exists:mail6.example.com -all"sv,
             "v=spf1 exists:err.example.com -all"sv,
             // IP4 mechanism syntax
             "v=spf1 ip4:192.0.2.1/0 -all"sv,
             "v=spf1 ip4:192.0.2.4/32 -all"sv,
             "v=spf1 -ip4:192.0.2.4 ip6:::FFFF:192.0.2.4"sv,
             // IP6 mechanism syntax
             "v=spf1 ip6:::192.0.2.1/0"sv,
             "v=spf1 ip6:Cafe:Babe:8000::/33"sv,
             // Semantics of exp and other modifiers
             "v=spf1 exp=exp1.example.com redirect=e2.example.com"sv,
             "v=spf1 exp=exp1.example.com redirect=e4.example.com"sv,
             "v=spf1 -all exp=exp2.example.com"sv,
             "v=spf1 include:e3.example.com -all exp=exp3.example.com"sv,
             "v=spf1 -all exp=exp4.example.com"sv,
             "v=spf1 redirect=erehwon.example.com"sv,
             "v=spf1 -all exp=e11msg.example.com"sv,
             "v=spf1 exp=e13msg.example.com -all"sv,
             "v=spf1 default=pass"sv,
             "v=spf1 default=+"sv,
             "v=spf1 exp=e21msg.example.com -all"sv,
             "v=spf1 exp=mail.example.com -all"sv,
             "v=spf1 exp=badexp.example.com -all"sv,
             "v=spf1 exp=twoexp.example.com -all"sv,
             "v=spf1 a:erehwon.example.com a:foobar.example exp=nxdomain.example -all"sv,
             "v=spf1 redirect=testimplicit.example.com"sv,
             // Macro expansion rules
             "v=spf1 redirect=a.spf.example.com"sv,
             "v=spf1 include:o.spf.example.com. ~all"sv,
             "v=spf1 ip4:198.51.100.40"sv,
             "v=spf1 redirect=%{d}.d.spf.example.com."sv,
             "v=spf1 exp=msg.example.com. -all"sv,
             "v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all"sv,
             "v=spf1 -all exp=%{ir}.example.com"sv,
             "v=spf1 -all exp=foobar.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.example.com"sv,
             "v=spf1 -all exp=e4msg.example.com"sv,
             "v=spf1 -all exp=e6msg.example.com"sv,
             "v=spf1 exists:%{p}.should.example.com ~exists:%{p}.ok.example.com"sv,
             "v=spf1 -all exp=msg8.%{D2}"sv,
             "v=spf1 a:%{H} -all"sv,
             "v=spf1 -include:_spfh.%{d2} ip4:192.0.2.0/24 -all"sv,
             "v=spf1 -a:%{h} +all"sv,
             "v=spf1 exists:%{i}.%{l2r-}.user.%{d2}"sv,
             "v=spf1 exists:%{l2r+-}.user.%{d2}"sv,
         })
        expect_round_trip(text);
}

TEST(RecordRoundTrip, HoldsForRecordsOfEveryShape) {
    for (const auto text : {
             "v=spf1"sv,
             "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.7 ip6:2001:db8::/32 ip6:::ffff:203.0.113.1 -all"sv,
             "v=spf1 a a:mail.example.com a/24 a//64 a:%{d}/24//64 mx mx:example.com/28//48 ~all"sv,
             "v=spf1 ptr ptr:example.com ?exists:%{ir}.%{l1r+-}._spf.%{d2} include:_spf.example.net"sv,
             "v=spf1 +all -all ~all ?all"sv,
             "v=spf1 redirect=_spf.example.com exp=explain._spf.%{d}"sv,
             "v=spf1 note=%{c}%{r}%{t} X-Trace=%%%_%- empty= a.b-c_d=e=f"sv,
             "v=spf1 exists:%{S}.%{L}.%{O}.%{D}.%{I}.%{P}.%{H}.%{V}.example.com"sv,
             "v=spf1 exists:%{s1}.%{l2r}.%{o3.}.%{d4r-}.%{i5+}.%{p6,}.%{h7/}.%{v8_}.%{d9=}.example.com"sv,
             "v=spf1 a:foo:bar/baz.example.com a:foo:bar/baz.example.com/24 a:%{d}%% a:x.example.com."sv,
             "v=spf1 include:a%%b%_c%-d.example.com"sv,
             "v=spf1 exp=%{S}.example.com%- a:%{d}%% mx:%{d}%_ note=%%20%-"sv,
             "v=spf1 ip4:0.0.0.0/0 ip6:::/0 ip4:255.255.255.255/32 ip6:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"sv,
         })
        expect_round_trip(text);
}

TEST(MacroStringRoundTrip, HoldsForExplainStrings) {
    for (const auto text : {"%{c} is queried as %{ir}.%{v}.arpa"sv, "http://example.com/why.html?l=%{L}"sv,
                            "100%% sure, %{d2r.}"sv, "  leading and trailing  "sv, ""sv, "%_%-%%"sv,
                            "See http://www.example.com/why?s=mfrom&id=%{S}&ip=%{C}&r=%{R}"sv}) {
        SCOPED_TRACE(text);
        auto parsed = parse_explain_string(text);
        const auto* macro_string = std::get_if<ast::MacroString>(&parsed);
        ASSERT_NE(macro_string, nullptr);
        const std::string printed = to_string(*macro_string);
        auto reparsed = parse_macro_string(printed);
        const auto* again = std::get_if<ast::MacroString>(&reparsed);
        ASSERT_NE(again, nullptr) << printed << ": " << std::get<ParseError>(reparsed).message();
        EXPECT_TRUE(*again == *macro_string) << printed;
    }
}

}  // namespace
}  // namespace spf
