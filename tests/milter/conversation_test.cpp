// tests/milter/conversation_test.cpp: milter/conversation.cpp, stage by stage, as
// the callbacks drive it: when the decision is logged and with which queue id,
// what MAIL FROM and each RCPT TO answer, which Authentication-Results fields are
// forged and what end of message edits.
#include "milter/conversation.hpp"
#include "spf/zone.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using milter::Action;
using milter::Conversation;
using milter::test::config_from;
using milter::test::ip;

const char* const world = R"(
    pass.example    TXT "v=spf1 ip4:192.0.2.0/24 -all"
    fail.example    TXT "v=spf1 ip4:198.51.100.0/24 -all"
)";

// One connection from 192.0.2.10 (or `client`), with its log lines kept (info
// and above unless told).
struct Fixture {
    explicit Fixture(const std::string& config_text, const char* client = "192.0.2.10",
                     milter::LogLevel level = milter::LogLevel::info)
        : log([this](milter::LogLevel, std::string_view line) { lines.emplace_back(line); }, level) {
        auto runtime = std::make_shared<milter::Runtime>();
        runtime->config = config_from(config_text);
        runtime->resolver = std::make_shared<spf::ZoneResolver>(spf::ZoneResolver::from_text(world));
        conversation = std::make_unique<Conversation>(runtime, log, clock);
        conversation->connect(ip(client), "mx.example.net");
        conversation->helo("mail.example.com");
    }

    std::vector<std::string> lines;
    milter::test::ManualClock clock;
    milter::Logger log;
    std::unique_ptr<Conversation> conversation;
};

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

TEST(Conversation, LogsTheDecisionOnceWhenTheQueueIdIsKnownAtMailFrom) {
    Fixture f("");
    EXPECT_EQ(f.conversation->mail_from("<alice@pass.example>", "", "4QX1").action, Action::accept);
    ASSERT_EQ(f.lines.size(), 1u);
    EXPECT_TRUE(starts_with(f.lines[0], "4QX1: client=192.0.2.10 helo=mail.example.com")) << f.lines[0];
    EXPECT_NE(f.lines[0].find("result=pass"), std::string::npos) << f.lines[0];
    f.conversation->recipient("<bob@example.net>", "4QX1");
    f.conversation->data("4QX1");
    f.conversation->end_of_message("4QX1");
    f.conversation->message_done();
    EXPECT_EQ(f.lines.size(), 1u);
}

TEST(Conversation, WaitsForTheQueueIdUntilDataAndKeepsTheFirstOne) {
    Fixture f("");
    f.conversation->mail_from("<alice@pass.example>", "", "");
    f.conversation->recipient("<bob@example.net>", "");
    EXPECT_TRUE(f.lines.empty());
    f.conversation->data("4QX2");
    ASSERT_EQ(f.lines.size(), 1u);
    EXPECT_TRUE(starts_with(f.lines[0], "4QX2: ")) << f.lines[0];
    f.conversation->end_of_headers("OTHER");
    f.conversation->end_of_message("OTHER");
    EXPECT_EQ(f.lines.size(), 1u);
}

TEST(Conversation, ARefusalAtMailFromIsLoggedAtOnceAsNoqueue) {
    Fixture f("");
    const auto answer = f.conversation->mail_from("<alice@fail.example>", "", "");
    EXPECT_EQ(answer.action, Action::reject);
    ASSERT_NE(answer.reply, nullptr);
    EXPECT_EQ(answer.reply->code, "550");
    EXPECT_EQ(answer.reply->enhanced_code, "5.7.23");
    ASSERT_EQ(f.lines.size(), 1u);
    EXPECT_TRUE(starts_with(f.lines[0], "NOQUEUE: ")) << f.lines[0];
    EXPECT_NE(f.lines[0].find("action=reject at=mail"), std::string::npos) << f.lines[0];
}

TEST(Conversation, AtRcptAnExemptRecipientCarriesTheMessageOnAndItsQueueIdIsLogged) {
    Fixture f("reject_at = rcpt\nexempt_recipients = postmaster\n");
    EXPECT_EQ(f.conversation->mail_from("<alice@fail.example>", "", "").action, Action::accept);
    const auto refused = f.conversation->recipient("<bob@example.net>", "");
    EXPECT_EQ(refused.action, Action::reject);
    ASSERT_NE(refused.reply, nullptr);
    EXPECT_EQ(refused.reply->code, "550");
    EXPECT_TRUE(f.lines.empty()) << f.lines[0];  // the transaction goes on
    EXPECT_EQ(f.conversation->recipient("<postmaster@example.net>", "").action, Action::accept);
    ASSERT_EQ(f.lines.size(), 1u);
    EXPECT_EQ(f.lines[0], "NOQUEUE: to=<postmaster@example.net> exempt from the SPF reject");
    f.conversation->data("4QX3");
    ASSERT_EQ(f.lines.size(), 2u);
    EXPECT_TRUE(starts_with(f.lines[1], "4QX3: ")) << f.lines[1];
    EXPECT_NE(f.lines[1].find("action=reject at=rcpt"), std::string::npos) << f.lines[1];
}

TEST(Conversation, EveryRecipientRefusedIsLoggedAsNoqueueWhenTheTransactionEnds) {
    Fixture f("reject_at = rcpt\n");
    f.conversation->mail_from("<alice@fail.example>", "", "");
    EXPECT_EQ(f.conversation->recipient("<bob@example.net>", "").action, Action::reject);
    EXPECT_EQ(f.conversation->recipient("<carol@example.net>", "").action, Action::reject);
    EXPECT_TRUE(f.lines.empty());
    f.conversation->abort();
    ASSERT_EQ(f.lines.size(), 1u);
    EXPECT_TRUE(starts_with(f.lines[0], "NOQUEUE: ")) << f.lines[0];
    f.conversation->close();
    EXPECT_EQ(f.lines.size(), 1u);
}

TEST(Conversation, ASecondMailFromEndsTheFirstTransaction) {
    Fixture f("");
    f.conversation->mail_from("<alice@pass.example>", "", "");
    f.conversation->mail_from("<carol@pass.example>", "", "");
    ASSERT_EQ(f.lines.size(), 1u);
    EXPECT_NE(f.lines[0].find("envelope-from=<alice@pass.example>"), std::string::npos) << f.lines[0];
    f.conversation->close();
    ASSERT_EQ(f.lines.size(), 2u);
    EXPECT_NE(f.lines[1].find("envelope-from=<carol@pass.example>"), std::string::npos) << f.lines[1];
}

TEST(Conversation, TheLastHeloNameIsChecked) {
    Fixture f("");
    f.conversation->helo("second.example.org");
    EXPECT_EQ(f.conversation->session().helo, "second.example.org");
    f.conversation->mail_from("<alice@pass.example>", "", "4QX4");
    ASSERT_EQ(f.lines.size(), 1u);
    EXPECT_NE(f.lines[0].find("helo=second.example.org"), std::string::npos) << f.lines[0];
}

TEST(Conversation, ForgedAuthenticationResultsAreRemovedLastFirst) {
    Fixture f("authserv_id = mx.example.net\n");
    f.conversation->mail_from("<alice@pass.example>", "", "4QX5");
    f.conversation->header("Authentication-Results", " mx.example.net; spf=pass smtp.mailfrom=x@pass.example");
    f.conversation->header("Subject", "mx.example.net; not a result field");
    f.conversation->header("authentication-results", " other.example.org; spf=fail");
    f.conversation->header("AUTHENTICATION-RESULTS", " MX.Example.NET.; dkim=pass");
    const auto edits = f.conversation->end_of_message("4QX5");
    EXPECT_EQ(edits.forged_results, (std::vector<int>{3, 1}));
    ASSERT_NE(edits.headers, nullptr);
    ASSERT_EQ(edits.headers->size(), 3u);  // top-down: A-R, then Received-SPF for MAIL FROM and HELO
    EXPECT_EQ((*edits.headers)[0].name, "Authentication-Results");
    EXPECT_EQ((*edits.headers)[1].name, "Received-SPF");
    EXPECT_NE((*edits.headers)[1].value.find("identity=mailfrom"), std::string::npos);
    EXPECT_NE((*edits.headers)[2].value.find("identity=helo"), std::string::npos);
    f.conversation->forged_result_removed(3);
    EXPECT_EQ(f.lines.back(), "4QX5: removed a forged Authentication-Results field (#3)");
    f.conversation->message_done();
    // A new message counts its fields from 1 again.
    f.conversation->mail_from("<alice@pass.example>", "", "4QX6");
    f.conversation->header("Authentication-Results", "mx.example.net; spf=pass");
    EXPECT_EQ(f.conversation->end_of_message("4QX6").forged_results, (std::vector<int>{1}));
}

TEST(Conversation, TrustedClientsAndRemoveForgedResultsNoKeepTheFields) {
    for (const auto& [config, client] :
         {std::pair{"authserv_id = mx.example.net\n", "127.0.0.1"},
          std::pair{"authserv_id = mx.example.net\nremove_forged_results = no\n", "192.0.2.10"}}) {
        Fixture f(config, client);
        f.conversation->mail_from("<alice@pass.example>", "", "4QX7");
        f.conversation->header("Authentication-Results", "mx.example.net; spf=pass");
        EXPECT_TRUE(f.conversation->end_of_message("4QX7").forged_results.empty()) << config << client;
    }
}

TEST(Conversation, EndOfMessageWithoutMailFromEditsNothing) {
    Fixture f("");
    f.conversation->header("Authentication-Results", "mx.example.net; spf=pass");
    const auto edits = f.conversation->end_of_message("4QX8");
    EXPECT_EQ(edits.headers, nullptr);
    EXPECT_TRUE(edits.forged_results.empty());
    EXPECT_TRUE(f.lines.empty());
}

TEST(Conversation, ARefusedHeaderIsLoggedAsAnError) {
    std::vector<std::pair<milter::LogLevel, std::string>> logged;
    Fixture f("");
    milter::Logger log([&](milter::LogLevel level, std::string_view line) { logged.emplace_back(level, line); },
                       milter::LogLevel::info);
    auto runtime = std::make_shared<milter::Runtime>();
    runtime->config = config_from("");
    runtime->resolver = std::make_shared<spf::ZoneResolver>(spf::ZoneResolver::from_text(world));
    Conversation conversation(runtime, log, f.clock);
    conversation.connect(ip("192.0.2.10"), "mx.example.net");
    conversation.mail_from("<alice@pass.example>", "", "4QX9");
    conversation.end_of_message("4QX9");
    conversation.header_refused("Received-SPF");
    ASSERT_EQ(logged.size(), 2u);
    EXPECT_EQ(logged[1].first, milter::LogLevel::error);
    EXPECT_EQ(logged[1].second, "error: 4QX9: the MTA refused to add Received-SPF");
}

TEST(Conversation, TracesATracedSenderInFullBeforeItsDecisionLine) {
    Fixture f("trace_senders = .example");
    f.conversation->mail_from("<alice@fail.example>", "", "4QX9");
    ASSERT_GE(f.lines.size(), 4u);
    // As spf-query --trace prints it: the summary, then each event.
    EXPECT_EQ(f.lines[0], "4QX9: trace helo: none") << "mail.example.com has no record in this world";
    bool record = false, query = false;
    for (std::size_t i = 0; i + 1 < f.lines.size(); ++i) {
        EXPECT_TRUE(starts_with(f.lines[i], "4QX9: trace helo: ") || starts_with(f.lines[i], "4QX9: trace mailfrom: "))
            << f.lines[i];
        if (f.lines[i].find("record fail.example: v=spf1 ip4:198.51.100.0/24 -all") != std::string::npos) record = true;
        if (f.lines[i].find("dns    TXT fail.example") != std::string::npos) query = true;
    }
    EXPECT_TRUE(record) << "the record is in the trace";
    EXPECT_TRUE(query) << "the DNS question is in the trace";
    EXPECT_TRUE(starts_with(f.lines.back(), "4QX9: client=192.0.2.10 ")) << f.lines.back();
}

TEST(Conversation, TracesATracedClientButNoOther) {
    Fixture traced("trace_clients = 192.0.2.0/24");
    traced.conversation->mail_from("<alice@pass.example>", "", "4QXA");
    EXPECT_GT(traced.lines.size(), 1u);
    Fixture untraced("trace_clients = 203.0.113.0/24\ntrace_senders = other.example");
    untraced.conversation->mail_from("<alice@pass.example>", "", "4QXB");
    EXPECT_EQ(untraced.lines.size(), 1u);
}

TEST(Conversation, LogsEachDecisionAsOneJsonObjectWithLogFormatJson) {
    Fixture f("log_format = json");
    f.conversation->mail_from("<alice@fail.example>", "", "");
    ASSERT_EQ(f.lines.size(), 1u);
    EXPECT_EQ(f.lines[0],
              "{\"queue_id\":\"NOQUEUE\",\"client\":\"192.0.2.10\",\"helo\":\"mail.example.com\","
              "\"envelope_from\":\"<alice@fail.example>\",\"identity\":\"mailfrom\",\"result\":\"fail\","
              "\"mechanism\":\"-all\",\"reason\":\"matched -all in "
              "fail.example\",\"lookups\":0,\"void\":0,\"ms\":0,\"helo_result\":\"none\","
              "\"action\":\"reject\",\"at\":\"mail\",\"reply\":\"550 5.7.23 SPF fail: 192.0.2.10 is not allowed to "
              "send mail for fail.example\"}");
}

TEST(Conversation, TracesBeforeTheJsonObjectWhichSaysItWasTraced) {
    Fixture f("log_format = json\ntrace_senders = pass.example");
    f.conversation->mail_from("<alice@pass.example>", "", "4QXC");
    ASSERT_GT(f.lines.size(), 2u);
    EXPECT_TRUE(starts_with(f.lines[0], "4QXC: trace helo: ")) << f.lines[0];
    const std::string& json = f.lines.back();
    EXPECT_TRUE(starts_with(json, "{\"queue_id\":\"4QXC\",")) << json;
    EXPECT_NE(json.find(",\"traced\":true}"), std::string::npos) << json;
}

TEST(Conversation, CapsNetworkTextInTheJsonObjectAndSaysSo) {
    Fixture f("log_format = json");
    f.conversation->helo(std::string(1000, 'h') + ".example");
    f.conversation->mail_from("<alice@fail.example>", "", std::string(500, 'Q'));
    ASSERT_EQ(f.lines.size(), 1u);
    EXPECT_NE(f.lines[0].find("\"queue_id\":\"" + std::string(64, 'Q') + "\","), std::string::npos) << f.lines[0];
    EXPECT_NE(f.lines[0].find("\"helo\":\"" + std::string(255, 'h') + "\","), std::string::npos) << f.lines[0];
    EXPECT_NE(f.lines[0].find(",\"truncated\":true}"), std::string::npos) << f.lines[0];
    EXPECT_LT(f.lines[0].size(), 2000u);
}

TEST(Conversation, SaysAtDebugWhatTheInfoLineLeavesOut) {
    Fixture f("", "192.0.2.10", milter::LogLevel::debug);
    f.conversation->mail_from("<alice@pass.example>", "", "4QXD");
    f.conversation->header("Authentication-Results", "mx.example.net; spf=pass");
    f.conversation->end_of_message("4QXD");
    f.conversation->message_done();
    f.conversation->close();
    std::string all;
    for (const std::string& line : f.lines) all += line + "\n";
    EXPECT_NE(all.find("4QXD: MAIL FROM <alice@pass.example> from 192.0.2.10: checks: HELO none ("), std::string::npos)
        << all;
    EXPECT_NE(all.find("4QXD: Authentication-Results #1 claims our authserv-id mx.example.net: it will be removed"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("4QXD: adding Received-SPF: \"pass (mx.example.net: domain of alice@pass.example"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("connection from 192.0.2.10 closed after 1 transaction\n"), std::string::npos) << all;
}

}  // namespace
