// tests/milter/sanitize_test.cpp: milter/sanitize.cpp, the one way network text
// reaches a header, a reply or a log line.
#include "milter/sanitize.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using milter::ReplyText;
using milter::SafeText;

TEST(SafeText, KeepsPrintableAsciiAsItIs) {
    const auto text = SafeText::from("mail.example.com (a test) ~!@#$%^&*");
    EXPECT_EQ(text.str(), "mail.example.com (a test) ~!@#$%^&*");
    EXPECT_FALSE(text.altered());
}

TEST(SafeText, ReplacesCarriageReturnLineFeedAndNul) {
    const auto text = SafeText::from(std::string("a\r\nX-Injected: yes\0b", 20));
    EXPECT_EQ(text.str(), "a??X-Injected: yes?b");
    EXPECT_TRUE(text.altered());
}

TEST(SafeText, ReplacesTabsAndOtherControlCharacters) {
    EXPECT_EQ(SafeText::from("a\tb\x1b[31mc\x7f").str(), "a?b?[31mc?");
}

TEST(SafeText, ReplacesEachEightBitOctet) { EXPECT_EQ(SafeText::from("caf\xc3\xa9.example").str(), "caf??.example"); }

TEST(SafeText, CutsLongTextAndSaysSo) {
    const auto text = SafeText::from(std::string(300, 'a'), 20);
    EXPECT_EQ(text.str(), std::string(17, 'a') + "...");
    EXPECT_EQ(text.str().size(), 20U);
    EXPECT_TRUE(text.altered());
}

TEST(SafeText, LeavesTextOfExactlyTheCapAlone) {
    EXPECT_EQ(SafeText::from(std::string(20, 'b'), 20).str(), std::string(20, 'b'));
}

TEST(ReplyText, DoublesEveryPercentForSmfiSetreply) {
    const auto reply = ReplyText::from(SafeText::from("100% sure, %s and %%"));
    EXPECT_EQ(reply.wire(), "100% sure, %s and %%");
    EXPECT_EQ(reply.for_setreply(), "100%% sure, %%s and %%%%");
}

TEST(ReplyText, KeepsTheReplyLineUnderTheSmtpLimit) {
    const auto reply = ReplyText::from(SafeText::from(std::string(1000, '%'), 4096));
    EXPECT_EQ(reply.wire().size(), ReplyText::max_wire_octets);
    EXPECT_TRUE(reply.wire().ends_with("..."));
    // 200 octets of text + "550 5.7.23 " + CRLF + a Sendmail "<address>... " prefix < 512.
    EXPECT_LT(reply.wire().size() + 11 + 2 + 258 + 5, 512U);
}

TEST(Quoting, QuotesAndEscapesAQuotedString) {
    EXPECT_EQ(milter::quoted_string(SafeText::from(R"(say "hi" \ bye)")), R"("say \"hi\" \\ bye")");
}

TEST(Quoting, WritesADotAtomBareAndAnythingElseQuoted) {
    EXPECT_EQ(milter::dot_atom_or_quoted(SafeText::from("mail.example.com")), "mail.example.com");
    EXPECT_EQ(milter::dot_atom_or_quoted(SafeText::from("x; client-ip=192.0.2.1")), R"("x; client-ip=192.0.2.1")");
    EXPECT_EQ(milter::dot_atom_or_quoted(SafeText::from("[192.0.2.1]")), R"("[192.0.2.1]")");
    EXPECT_EQ(milter::dot_atom_or_quoted(SafeText::from("a..b")), R"("a..b")");
    EXPECT_EQ(milter::dot_atom_or_quoted(SafeText::from("")), R"("")");
}

TEST(Quoting, EscapesParenthesesAndBackslashesInComments) {
    EXPECT_EQ(milter::comment_text(SafeText::from(R"(a) (b\)")), R"(a\) \(b\\)");
}

TEST(LogValue, WritesPlainTokensBare) {
    EXPECT_EQ(milter::log_value("<alice@example.com>"), "<alice@example.com>");
    EXPECT_EQ(milter::log_value("ip4:192.0.2.0/24"), "ip4:192.0.2.0/24");
}

TEST(LogValue, QuotesAndEscapesEverythingElse) {
    EXPECT_EQ(milter::log_value("x y"), R"("x y")");
    EXPECT_EQ(milter::log_value(""), R"("")");
    EXPECT_EQ(milter::log_value("a\"b\\c"), R"("a\"b\\c")");
    EXPECT_EQ(milter::log_value(std::string("a\r\nb\0\xff", 6)), R"("a\x0d\x0ab\x00\xff")");
}

TEST(LogValue, CutsLongValues) { EXPECT_EQ(milter::log_value(std::string(10, 'a'), 4), R"("aaaa...")"); }

}  // namespace
