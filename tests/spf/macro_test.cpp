// tests/spf/macro_test.cpp: macro expansion (spf/macro.cpp), RFC 7208 §7.
// The examples of §7.4 are copied verbatim.
#include "spf/macro.hpp"
#include "spf/grammar.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

namespace {

using spf::MacroContext;

// §7.4: "The <sender> is strong-bad@email.example.com. The IPv4 SMTP client IP is
// 192.0.2.3. The IPv6 SMTP client IP is 2001:db8::cb01. The PTR domain name of the
// client IP is mx.example.org."
spf::MacroValues rfc_values(const char* ip = "192.0.2.3") {
    spf::MacroValues values;
    values.sender = "strong-bad@email.example.com";
    values.local_part = "strong-bad";
    values.sender_domain = "email.example.com";
    values.domain = "email.example.com";
    values.ip = *spf::IpAddress::parse(ip);
    values.helo = "mx.example.org";
    values.receiver = "receiver.example.net";
    values.timestamp = 1700000000;
    values.validated_name = [] { return std::string("mx.example.org"); };
    return values;
}

spf::Expansion expand_text(const std::string& text, const spf::MacroValues& values,
                           MacroContext context = MacroContext::domain_spec) {
    auto parsed =
        context == MacroContext::explanation ? spf::parse_explain_string(text) : spf::parse_macro_string(text);
    if (const auto* error = std::get_if<spf::ParseError>(&parsed)) return {{}, "parse: " + error->message()};
    return spf::expand(std::get<spf::ast::MacroString>(parsed), values, context);
}

struct Example {
    const char* macro;
    const char* expansion;
};

TEST(MacroExpansion, GivesEveryMacroExampleOfSection74) {
    const Example examples[] = {
        {"%{s}", "strong-bad@email.example.com"},
        {"%{o}", "email.example.com"},
        {"%{d}", "email.example.com"},
        {"%{d4}", "email.example.com"},
        {"%{d3}", "email.example.com"},
        {"%{d2}", "example.com"},
        {"%{d1}", "com"},
        {"%{dr}", "com.example.email"},
        {"%{d2r}", "example.email"},
        {"%{l}", "strong-bad"},
        {"%{l-}", "strong.bad"},
        {"%{lr}", "strong-bad"},
        {"%{lr-}", "bad.strong"},
        {"%{l1r-}", "strong"},
        {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
        {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
        {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
        {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
        {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
    };
    const spf::MacroValues values = rfc_values();
    for (const Example& example : examples) {
        SCOPED_TRACE(example.macro);
        const spf::Expansion expansion = expand_text(example.macro, values);
        ASSERT_TRUE(expansion.ok()) << expansion.error;
        EXPECT_EQ(expansion.text, example.expansion);
    }
}

// §7.4's IPv6 example is written in lower case; the nibbles come out in upper case
// (see the reading in spf/macro.cpp), and DNS names compare case-insensitively.
TEST(MacroExpansion, GivesTheIpv6ExampleOfSection74AsADomainName) {
    const spf::Expansion expansion = expand_text("%{ir}.%{v}._spf.%{d2}", rfc_values("2001:db8::cb01"));
    ASSERT_TRUE(expansion.ok()) << expansion.error;
    std::string lowered = expansion.text;
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    EXPECT_EQ(lowered, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

TEST(MacroExpansion, ExpandsExplanationOnlyLettersInExplanations) {
    const spf::Expansion expansion =
        expand_text("%{c} rejected by %{r} at %{t} for %{p}", rfc_values("2001:db8::cb01"), MacroContext::explanation);
    ASSERT_TRUE(expansion.ok()) << expansion.error;
    EXPECT_EQ(expansion.text, "2001:db8::cb01 rejected by receiver.example.net at 1700000000 for mx.example.org");
}

TEST(MacroExpansion, RefusesExplanationOnlyLettersInDomainSpecs) {
    spf::ast::MacroString macro;
    macro.tokens.emplace_back(spf::ast::MacroExpand{'c', false, 0, false, ""});
    const spf::Expansion expansion = spf::expand(macro, rfc_values(), MacroContext::domain_spec);
    EXPECT_FALSE(expansion.ok());
    EXPECT_NE(expansion.error.find("only in explanations"), std::string::npos);
}

TEST(MacroExpansion, UrlEscapesUpperCaseLetters) {
    spf::MacroValues values = rfc_values();
    values.local_part = "~jack&jill=up-a_b3.c";
    const spf::Expansion expansion = expand_text("%{L}", values);
    ASSERT_TRUE(expansion.ok()) << expansion.error;
    EXPECT_EQ(expansion.text, "~jack%26jill%3Dup-a_b3.c");
}

TEST(MacroExpansion, SplitsOnEveryGivenDelimiterAndJoinsWithDots) {
    spf::MacroValues values = rfc_values();
    values.local_part = "foo-bar+zip+quux";
    const spf::Expansion expansion = expand_text("%{l2r+-}", values);
    ASSERT_TRUE(expansion.ok()) << expansion.error;
    EXPECT_EQ(expansion.text, "bar.foo");
}

TEST(MacroExpansion, FoldsTheThreeEscapes) {
    const spf::Expansion expansion = expand_text("macro%%percent%_%_space%-url-space.example.com", rfc_values());
    ASSERT_TRUE(expansion.ok()) << expansion.error;
    EXPECT_EQ(expansion.text, "macro%percent  space%20url-space.example.com");
}

TEST(MacroExpansion, KeepsAllPartsWhenDigitsExceedTheParts) {
    const spf::Expansion expansion = expand_text("%{d9}", rfc_values());
    ASSERT_TRUE(expansion.ok()) << expansion.error;
    EXPECT_EQ(expansion.text, "email.example.com");
}

TEST(MacroExpansion, AsksForTheValidatedNameOnlyWhenUsed) {
    spf::MacroValues values = rfc_values();
    int asked = 0;
    values.validated_name = [&asked] {
        ++asked;
        return std::string("mx.example.org");
    };
    ASSERT_TRUE(expand_text("%{d}", values).ok());
    EXPECT_EQ(asked, 0);
    EXPECT_EQ(expand_text("%{p}", values).text, "mx.example.org");
    EXPECT_EQ(asked, 1);
}

TEST(DomainTruncation, DropsLeftLabelsUntilTheNameFitsIn253Octets) {
    std::string name;
    for (int i = 0; i < 30; ++i) name += "label" + std::to_string(i) + ".";
    name += "example.com";
    const std::string truncated = spf::truncate_domain(name);
    EXPECT_LE(truncated.size(), 253U);
    EXPECT_TRUE(truncated.ends_with(".label29.example.com"));
    EXPECT_EQ(name.substr(name.size() - truncated.size()), truncated);
    EXPECT_EQ(spf::truncate_domain("example.com."), "example.com");
}

TEST(UrlEscape, EscapesEverythingOutsideTheUnreservedSet) {
    EXPECT_EQ(spf::url_escape("a-b.c_d~e"), "a-b.c_d~e");
    EXPECT_EQ(spf::url_escape("a b/c@d"), "a%20b%2Fc%40d");
    EXPECT_EQ(spf::url_escape("\xC3\xA9"), "%C3%A9");
}

}  // namespace
