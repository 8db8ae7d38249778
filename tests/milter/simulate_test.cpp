// tests/milter/simulate_test.cpp: milter/simulate.cpp, spf-milter --simulate over a
// ZoneResolver: what it prints (text and JSON) is the daemon's own decide().
#include "milter/simulate.hpp"
#include "spf/zone.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

namespace {

using milter::SimulateOptions;
using milter::Simulation;
using milter::test::config_from;
using milter::test::ManualClock;

const char* const world = R"(
    example.com        TXT "v=spf1 ip4:192.0.2.0/24 -all"
    mail.example.com   TXT "v=spf1 a -all"
    mail.example.com   A   192.0.2.25
)";

Simulation run(const milter::Config& config, SimulateOptions request) {
    static spf::ZoneResolver resolver = spf::ZoneResolver::from_text(world);
    ManualClock clock;
    auto result = milter::simulate(config, request, resolver, clock, "mx.example.net");
    if (auto* error = std::get_if<std::string>(&result)) ADD_FAILURE() << *error;
    return std::get<Simulation>(result);
}

SimulateOptions request(const char* ip, const char* helo, const char* from) {
    SimulateOptions options;
    options.ip = ip;
    options.helo = helo;
    options.from = from;
    return options;
}

TEST(Simulate, PrintsTheResultsTheReplyAndItsStage) {
    const auto config = config_from("");
    const Simulation s = run(config, request("198.51.100.7", "mail.example.com", "alice@example.com"));
    EXPECT_EQ(milter::format_text(config, s),
              "configuration: test.conf\n"
              "client: 198.51.100.7\n"
              "helo: mail.example.com\n"
              "envelope-from: <alice@example.com>\n"
              "skip: no\n"
              "helo identity: fail (" +
                  s.decision.checks.helo->reason +
                  ")\n"
                  "    sender postmaster@mail.example.com, domain mail.example.com\n"
                  "    mechanism -all, lookups 1, void lookups 0, DNS queries " +
                  std::to_string(s.decision.checks.helo->counters.dns_queries) +
                  ", from the cache 0\n"
                  "    explanation: SPF fail: 198.51.100.7 is not allowed to send mail for mail.example.com\n"
                  "mailfrom identity: fail (" +
                  s.decision.checks.mailfrom->reason +
                  ")\n"
                  "    sender alice@example.com, domain example.com\n"
                  "    mechanism -all, lookups 0, void lookups 0, DNS queries " +
                  std::to_string(s.decision.checks.mailfrom->counters.dns_queries) +
                  ", from the cache 0\n"
                  "    explanation: SPF fail: 198.51.100.7 is not allowed to send mail for example.com\n"
                  "action: reject at MAIL FROM\n"
                  "reply at MAIL FROM: 550 5.7.23 SPF fail: 198.51.100.7 is not allowed to send mail for example.com\n"
                  "headers: none\n");
}

TEST(Simulate, PrintsTheHeadersOfAnAcceptedMessage) {
    const auto config = config_from("authserv_id = mx.example.net");
    const Simulation s = run(config, request("192.0.2.25", "mail.example.com", "alice@example.com"));
    const std::string text = milter::format_text(config, s);
    EXPECT_NE(text.find("action: accept\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("reply"), std::string::npos) << text;
    const std::string headers = text.substr(text.find("headers:\n") + 9);
    EXPECT_EQ(headers, "Authentication-Results: " + s.decision.verdict.headers[0].value + "\n" +
                           "Received-SPF: " + s.decision.verdict.headers[1].value + "\n" +
                           "Received-SPF: " + s.decision.verdict.headers[2].value + "\n");
    EXPECT_TRUE(headers.starts_with("Authentication-Results: mx.example.net; spf=pass"));
}

TEST(Simulate, ShowsASenderWithoutALocalPartAsPostmasterAtItsDomain) {
    const auto config = config_from("");
    const Simulation s = run(config, request("192.0.2.25", "mail.example.com", "<@relay.example:@example.com>"));
    const std::string text = milter::format_text(config, s);
    EXPECT_NE(text.find("mailfrom identity: pass (matched ip4:192.0.2.0/24 in example.com)\n"
                        "    sender postmaster@example.com, domain example.com\n"),
              std::string::npos)
        << text;
    const std::string json = milter::format_json(config, s);
    EXPECT_NE(json.find("\"mailfrom_check\":{\"sender\":\"postmaster@example.com\""), std::string::npos) << json;
}

TEST(Simulate, ReadsAnEmptyFromAsTheNullSender) {
    const auto config = config_from("");
    const Simulation s = run(config, request("192.0.2.25", "mail.example.com", ""));
    EXPECT_TRUE(s.transaction.reverse_path.null_sender);
    EXPECT_TRUE(s.decision.checks.mailfrom_is_helo);
    const std::string text = milter::format_text(config, s);
    EXPECT_NE(text.find("envelope-from: <> (null sender)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("mailfrom identity: the helo check (null sender, RFC 7208 section 2.4)\n"), std::string::npos);
}

TEST(Simulate, SaysWhyATrustedClientIsNotChecked) {
    const auto config = config_from("");
    const Simulation s = run(config, request("127.0.0.1", "localhost", "alice@example.com"));
    const std::string text = milter::format_text(config, s);
    EXPECT_NE(text.find("skip: trusted-network (not checked, no headers)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("headers: none\n"), std::string::npos);
}

TEST(Simulate, ShowsWhatAnExemptRecipientGetsWithRejectAtRcpt) {
    const auto config = config_from("reject_at = rcpt");
    SimulateOptions options = request("198.51.100.7", "mail.example.com", "alice@example.com");
    options.rcpt = "<postmaster@example.net>";
    const Simulation exempt = run(config, options);
    EXPECT_EQ(exempt.recipient_action, milter::Action::accept);
    const std::string text = milter::format_text(config, exempt);
    EXPECT_NE(text.find("action: reject at RCPT TO, except exempt recipients; RCPT TO:<postmaster@example.net> gets "
                        "accept\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("reply that would be given at RCPT TO: 550 5.7.23"), std::string::npos) << text;
    EXPECT_NE(text.find("headers:\nAuthentication-Results:"), std::string::npos) << text;

    options.rcpt = "<bob@example.net>";
    const Simulation refused = run(config, options);
    EXPECT_EQ(refused.recipient_action, milter::Action::reject);
    const std::string refused_text = milter::format_text(config, refused);
    EXPECT_NE(refused_text.find("reply at RCPT TO: 550 5.7.23"), std::string::npos) << refused_text;
    EXPECT_NE(refused_text.find("headers: none\n"), std::string::npos) << refused_text;
}

TEST(Simulate, SaysWhatADryRunWouldHaveDone) {
    const auto config = config_from("dry_run = yes");
    const Simulation s = run(config, request("198.51.100.7", "mail.example.com", "alice@example.com"));
    const std::string text = milter::format_text(config, s);
    EXPECT_NE(text.find("action: accept (dry run: would reject)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("reply that would be given at MAIL FROM: 550 5.7.23"), std::string::npos) << text;
    EXPECT_NE(text.find("headers:\n"), std::string::npos) << text;
}

TEST(Simulate, GivesTheSameAsOneJsonObject) {
    const auto config = config_from("");
    const Simulation s = run(config, request("198.51.100.7", "mail.example.com", "alice@example.com"));
    const std::string json = milter::format_json(config, s);
    EXPECT_TRUE(
        json.starts_with("{\"configuration\":\"test.conf\",\"client_ip\":\"198.51.100.7\","
                         "\"helo\":\"mail.example.com\",\"envelope_from\":\"alice@example.com\","
                         "\"null_sender\":false,\"skip\":null,\"helo_check\":{\"sender\":"
                         "\"postmaster@mail.example.com\",\"result\":\"fail\""))
        << json;
    EXPECT_NE(json.find("\"mailfrom_check\":{\"sender\":\"alice@example.com\",\"result\":\"fail\",\"domain\":"
                        "\"example.com\""),
              std::string::npos)
        << json;
    EXPECT_NE(json.find("\"action\":\"reject\",\"policy_action\":\"reject\",\"dry_run\":false,\"stage\":\"mail\","
                        "\"reply\":{\"code\":\"550\",\"enhanced_code\":\"5.7.23\",\"text\":\"SPF fail: 198.51.100.7 "
                        "is not allowed to send mail for example.com\",\"line\":\"550 5.7.23 SPF fail: 198.51.100.7 "
                        "is not allowed to send mail for example.com\"},\"rcpt\":null,\"headers\":[]}\n"),
              std::string::npos)
        << json;
    EXPECT_TRUE(json.ends_with("}\n"));
    EXPECT_EQ(json.find('\n'), json.size() - 1);  // one line
}

TEST(Simulate, EscapesFoldedHeadersInJson) {
    const auto config = config_from("");
    const Simulation s = run(config, request("192.0.2.25", "mail.example.com", "alice@example.com"));
    const std::string json = milter::format_json(config, s);
    EXPECT_NE(json.find("{\"name\":\"Authentication-Results\",\"value\":\"mx.example.net; spf=pass"), std::string::npos)
        << json;
    EXPECT_NE(json.find("\\n "), std::string::npos);  // a fold, escaped
    EXPECT_EQ(json.find('\n'), json.size() - 1);
}

TEST(Simulate, RefusesAnIpThatIsNotOne) {
    static spf::ZoneResolver resolver = spf::ZoneResolver::from_text(world);
    ManualClock clock;
    auto result = milter::simulate(config_from(""), request("mail.example.com", "x", "a@example.com"), resolver, clock,
                                   "mx.example.net");
    ASSERT_TRUE(std::holds_alternative<std::string>(result));
    EXPECT_EQ(std::get<std::string>(result), "--ip 'mail.example.com' is not an IP address");
}

}  // namespace
