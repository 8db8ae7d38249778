// tests/milter/envelope_test.cpp: milter/envelope.cpp, the reverse-path and
// forward-path forms of RFC 5321 §4.1.2 as xxfi_envfrom / xxfi_envrcpt pass them.
#include "milter/envelope.hpp"

#include <gtest/gtest.h>

namespace {

using milter::parse_forward_path;
using milter::parse_reverse_path;

TEST(ReversePath, StripsTheAngleBrackets) {
    const auto path = parse_reverse_path("<alice@example.com>");
    EXPECT_FALSE(path.null_sender);
    EXPECT_EQ(path.address, "alice@example.com");
    EXPECT_EQ(path.local_part, "alice");
    EXPECT_EQ(path.domain, "example.com");
}

TEST(ReversePath, AcceptsAnAddressWithoutBrackets) {
    EXPECT_EQ(parse_reverse_path("alice@example.com").address, "alice@example.com");
}

TEST(ReversePath, ReadsTheEmptyPathAsTheNullSender) {
    for (const char* form : {"<>", "", "  <>  ", "< >"}) {
        SCOPED_TRACE(form);
        const auto path = parse_reverse_path(form);
        EXPECT_TRUE(path.null_sender);
        EXPECT_EQ(path.address, "");
        EXPECT_EQ(path.domain, "");
    }
}

TEST(ReversePath, IgnoresBlanksAroundThePath) {
    EXPECT_EQ(parse_reverse_path("  <alice@example.com> ").address, "alice@example.com");
}

TEST(ReversePath, IgnoresTabsAndBlanksInsideAndOutsideTheBrackets) {
    const auto path = parse_reverse_path("\t< alice@example.com\t>\t");
    EXPECT_EQ(path.address, "alice@example.com");
    EXPECT_EQ(path.domain, "example.com");
    EXPECT_TRUE(parse_reverse_path("\t<\t>\t").null_sender);
}

TEST(ReversePath, KeepsBlanksInsideTheAddress) {
    // Only the ends are trimmed; what is between is the MTA's business.
    const auto path = parse_reverse_path("<alice@example.com x>");
    EXPECT_EQ(path.address, "alice@example.com x");
    EXPECT_EQ(path.domain, "example.com x");
}

TEST(ReversePath, DropsASourceRoute) {
    // RFC 5321 §4.1.2 A-d-l, to be ignored per Appendix C.
    const auto path = parse_reverse_path("<@relay1.example,@relay2.example:alice@example.com>");
    EXPECT_EQ(path.address, "alice@example.com");
    EXPECT_EQ(path.domain, "example.com");
}

// What fuzzing found: the route goes before the closing '>' is looked for, so a
// '"' in it (which RFC 5321 does not allow there) cannot hide that '>'.
TEST(ReversePath, ReadsTheSourceRouteBeforeTheClosingBracket) {
    struct Row {
        const char* argument;
        const char* address;
        const char* domain;
    };
    const Row rows[] = {
        {"<@r\"x:a@example.com>", "a@example.com", "example.com"},  // the '"' goes with the route
        {"<@a.example>:x", "@a.example", "a.example"},              // the ':' is after the path
        {"<@relay.example:  a@example.com >", "a@example.com", "example.com"},
        {"<@relay.example:a@example.com\r>", "a@example.com", "example.com"},
        {"<@a.example:@b.example>", "@b.example", "b.example"},
        {"<@example.com>", "@example.com", "example.com"},  // no local-part: not the null sender
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.argument);
        const milter::ReversePath path = milter::parse_reverse_path(row.argument);
        EXPECT_EQ(path.address, row.address);
        EXPECT_EQ(path.domain, row.domain);
        EXPECT_FALSE(path.null_sender);
    }
}

TEST(ReversePath, KeepsAQuotedLocalPartWithItsAtSignsAndBrackets) {
    const auto path = parse_reverse_path(R"(<"odd@local>part"@example.com>)");
    EXPECT_EQ(path.address, R"("odd@local>part"@example.com)");
    EXPECT_EQ(path.local_part, R"("odd@local>part")");
    EXPECT_EQ(path.domain, "example.com");
}

TEST(ReversePath, HonoursBackslashEscapesInsideQuotes) {
    const auto path = parse_reverse_path(R"(<"a\"@b"@example.com>)");
    EXPECT_EQ(path.local_part, R"("a\"@b")");
    EXPECT_EQ(path.domain, "example.com");
}

TEST(ReversePath, SplitsAtTheLastAtSign) {
    const auto path = parse_reverse_path("<a@b@example.com>");
    EXPECT_EQ(path.local_part, "a@b");
    EXPECT_EQ(path.domain, "example.com");
}

TEST(ReversePath, KeepsAnAddressLiteralDomainForCheckIdentityToJudge) {
    EXPECT_EQ(parse_reverse_path("<alice@[192.0.2.1]>").domain, "[192.0.2.1]");
}

TEST(ReversePath, KeepsAnAddressWithoutDomainAsALocalPart) {
    const auto path = parse_reverse_path("<alice>");
    EXPECT_FALSE(path.null_sender);
    EXPECT_EQ(path.local_part, "alice");
    EXPECT_EQ(path.domain, "");
}

TEST(ReversePath, SurvivesAnUnclosedBracket) {
    EXPECT_EQ(parse_reverse_path("<alice@example.com").address, "alice@example.com");
}

TEST(ForwardPath, ReadsPostmasterWithoutADomain) {
    // RFC 5321 §4.1.1.3: RCPT TO:<Postmaster> must be accepted.
    const auto path = parse_forward_path("<Postmaster>");
    EXPECT_EQ(path.local_part, "Postmaster");
    EXPECT_EQ(path.domain, "");
}

TEST(ForwardPath, SplitsAnOrdinaryRecipient) {
    const auto path = parse_forward_path("<abuse@example.net>");
    EXPECT_EQ(path.address, "abuse@example.net");
    EXPECT_EQ(path.local_part, "abuse");
    EXPECT_EQ(path.domain, "example.net");
}

}  // namespace
