// tests/milter/decision_log_test.cpp: milter/decision_log.cpp, the one info line
// per decision: queue id, client, HELO, envelope-from, identity, result, term,
// lookups, time and action, with network text quoted.
#include "milter/decision_log.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

namespace {

using milter::Decision;
using milter::test::config_from;
using milter::test::session;
using milter::test::transaction;

Decision decision_with(spf::Result result, const milter::Config& config, const milter::Session& s,
                       const milter::Transaction& t) {
    spf::Evaluation mailfrom;
    mailfrom.result = result;
    mailfrom.domain = "example.com";
    mailfrom.matched_term = result == spf::Result::fail ? "-all" : "";
    mailfrom.reason = "the reason";
    mailfrom.counters.dns_terms = 3;
    mailfrom.counters.void_lookups = 1;
    mailfrom.explanation = "not you";
    spf::Evaluation helo;
    helo.result = spf::Result::none;
    Decision d;
    d.checks.helo = helo;
    d.checks.mailfrom = mailfrom;
    d.checks.elapsed_ms = 12;
    d.verdict = milter::verdict_for(config, s, t, d.checks);
    return d;
}

TEST(DecisionLog, TellsTheWholeDecisionOnOneLine) {
    const auto s = session("192.0.2.10", "mail.example.com");
    auto t = transaction("<alice@example.com>");
    t.queue_id = "4BqR5x1Z2Pz";
    const auto line = milter::format_decision(s, t, decision_with(spf::Result::fail, config_from(""), s, t));
    EXPECT_EQ(line,
              "4BqR5x1Z2Pz: client=192.0.2.10 helo=mail.example.com envelope-from=<alice@example.com> "
              "identity=mailfrom result=fail mechanism=-all lookups=3 void=1 ms=12 queries=0 cached=0 helo-result=none "
              "action=reject "
              "at=mail reply=\"550 5.7.23 not you\"");
}

TEST(DecisionLog, SaysNoqueueBeforeTheMtaHasAQueueId) {
    const auto s = session("192.0.2.10", "mail.example.com");
    const auto t = transaction("<alice@example.com>");
    const auto line = milter::format_decision(s, t, decision_with(spf::Result::pass, config_from(""), s, t));
    EXPECT_TRUE(line.starts_with("NOQUEUE: client=192.0.2.10 ")) << line;
    EXPECT_TRUE(line.ends_with(" action=accept")) << line;
}

TEST(DecisionLog, NamesTheProblemOfAnError) {
    const auto s = session("192.0.2.10", "mail.example.com");
    const auto t = transaction("<alice@example.com>");
    const auto line = milter::format_decision(s, t, decision_with(spf::Result::temperror, config_from(""), s, t));
    EXPECT_NE(line.find(" result=temperror lookups=3 void=1 problem=\"the reason\" "), std::string::npos) << line;
    EXPECT_NE(line.find(" action=tempfail at=mail reply=\"451 4.7.24 "), std::string::npos) << line;
}

TEST(DecisionLog, ShowsWhatADryRunWouldHaveDone) {
    const auto s = session("192.0.2.10", "mail.example.com");
    const auto t = transaction("<alice@example.com>");
    const auto line =
        milter::format_decision(s, t, decision_with(spf::Result::fail, config_from("dry_run = yes"), s, t));
    EXPECT_NE(line.find(" action=accept dry-run=yes would=reject at=mail reply="), std::string::npos) << line;
}

TEST(DecisionLog, QuotesHostileHeloAndSender) {
    const auto s = session("192.0.2.10", "evil\r\nX: y");
    const auto t = transaction("<\"a b\"@example.com>");
    const auto line = milter::format_decision(s, t, decision_with(spf::Result::pass, config_from(""), s, t));
    EXPECT_NE(line.find(R"(helo="evil\x0d\x0aX: y")"), std::string::npos) << line;
    EXPECT_NE(line.find(R"(envelope-from="<\"a b\"@example.com>")"), std::string::npos) << line;
    EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(DecisionLog, SaysWhyATransactionWasSkipped) {
    const auto s = session("127.0.0.1", "localhost");
    const auto t = transaction("<alice@example.com>");
    milter::Decision d;
    d.checks.skip = milter::SkipReason::trusted_network;
    d.verdict = milter::verdict_for(config_from(""), s, t, d.checks);
    EXPECT_EQ(milter::format_decision(s, t, d),
              "NOQUEUE: client=127.0.0.1 helo=localhost envelope-from=<alice@example.com> skip=trusted-network "
              "action=accept");
}

TEST(DecisionLog, NamesTheForwarderWhoseSpfPassedTheClient) {
    const auto s = session("203.0.113.5", "relay.forwarder.example");
    const auto t = transaction("<alice@example.com>");
    milter::Decision d;
    d.checks.skip = milter::SkipReason::trusted_forwarder;
    d.checks.forwarder = "forwarder.example";
    d.verdict = milter::verdict_for(config_from(""), s, t, d.checks);
    EXPECT_EQ(milter::format_decision(s, t, d),
              "NOQUEUE: client=203.0.113.5 helo=relay.forwarder.example envelope-from=<alice@example.com> "
              "skip=trusted-forwarder forwarder=forwarder.example action=accept");
}

TEST(DecisionLog, SaysWhenAStrictDomainWasRefused) {
    const auto s = session("192.0.2.10", "mail.example.com");
    const auto t = transaction("<alice@example.com>");
    const auto line = milter::format_decision(
        s, t, decision_with(spf::Result::softfail, config_from("strict_domains = example.com"), s, t));
    EXPECT_NE(line.find(" result=softfail "), std::string::npos) << line;
    EXPECT_NE(line.find(" action=reject strict-domain=yes at=mail reply=\"550 5.7.1 example.com accepts only SPF "
                        "pass here: SPF softfail: "),
              std::string::npos)
        << line;
}

}  // namespace
