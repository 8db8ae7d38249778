// tests/milter/policy_test.cpp: milter/policy.cpp. verdict_for() as a table of every
// result x every action; then decide() over small zones: the HELO identity first,
// the null sender, the skips, dry_run, reject_at = rcpt with exempt recipients,
// and one deadline shared by both checks.
#include "milter/policy.hpp"
#include "spf/zone.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <set>
#include <thread>

#include <mutex>

namespace {

using milter::Action;
using milter::Checks;
using milter::Config;
using milter::Decision;
using milter::SkipReason;
using milter::Verdict;
using milter::test::config_from;
using milter::test::ManualClock;
using milter::test::session;
using milter::test::transaction;
using spf::Result;

spf::Evaluation evaluation(Result result, const std::string& domain = "example.com",
                           const std::string& explanation = "", const std::string& reason = "") {
    spf::Evaluation e;
    e.result = result;
    e.domain = domain;
    e.explanation = explanation;
    e.reason = reason;
    return e;
}

Checks mailfrom_only(const spf::Evaluation& mailfrom) {
    Checks checks;
    checks.mailfrom = mailfrom;
    return checks;
}

Verdict verdict(const Config& config, const Checks& checks, const std::string& from = "<alice@example.com>") {
    return milter::verdict_for(config, session("192.0.2.10", "mail.example.com"), transaction(from), checks);
}

// The world of most decide() tests.
const char* const world = R"(
    pass.example            TXT "v=spf1 ip4:192.0.2.0/24 -all"
    fail.example            TXT "v=spf1 ip4:198.51.100.0/24 -all"
    explained.example       TXT "v=spf1 -all exp=why.explained.example"
    why.explained.example   TXT "%{i} is not a mail server of %{d}"
    softfail.example        TXT "v=spf1 ~all"
    mail.pass.example       TXT "v=spf1 a -all"
    mail.pass.example       A   192.0.2.10
    mail.fail.example       TXT "v=spf1 -all"
    slow.example            TIMEOUT
    forwarder.example       TXT "v=spf1 ip4:203.0.113.0/24 -all"
    broken-forwarder.example TXT "v=spf1 include:slow.example -all"
)";

Decision decide(const Config& config, const std::string& helo, const std::string& from,
                const char* client = "192.0.2.10", const std::string& auth = "") {
    static spf::ZoneResolver resolver = spf::ZoneResolver::from_text(world);
    ManualClock clock;
    return milter::decide(config, session(client, helo), transaction(from, auth), resolver, clock);
}

TEST(Verdict, MapsEveryResultAndActionToTheRfcReply) {
    struct Row {
        Result result;
        Action action;
        const char* reply;  // empty: accepted, no reply
    };
    const Row rows[] = {
        {Result::pass, Action::reject, ""},  // pass is always accepted
        {Result::fail, Action::accept, ""},
        {Result::fail, Action::reject, "550 5.7.23 the explanation"},
        {Result::fail, Action::tempfail, "451 4.7.23 the explanation"},
        {Result::softfail, Action::accept, ""},
        {Result::softfail, Action::reject,
         "550 5.7.1 SPF softfail: example.com does not designate 192.0.2.10 as a permitted sender"},
        {Result::softfail, Action::tempfail,
         "451 4.7.1 SPF softfail: example.com does not designate 192.0.2.10 as a permitted sender"},
        {Result::neutral, Action::accept, ""},
        {Result::neutral, Action::reject, "550 5.7.1 SPF neutral: example.com neither permits nor denies 192.0.2.10"},
        {Result::neutral, Action::tempfail, "451 4.7.1 SPF neutral: example.com neither permits nor denies 192.0.2.10"},
        {Result::none, Action::accept, ""},
        {Result::none, Action::reject, "550 5.7.1 SPF none: the reason"},
        {Result::none, Action::tempfail, "451 4.7.1 SPF none: the reason"},
        {Result::temperror, Action::accept, ""},
        {Result::temperror, Action::reject,
         "550 5.7.24 SPF temperror: temporary DNS failure checking example.com, try again later"},
        {Result::temperror, Action::tempfail,
         "451 4.7.24 SPF temperror: temporary DNS failure checking example.com, try again later"},
        {Result::permerror, Action::accept, ""},
        {Result::permerror, Action::reject, "550 5.7.24 SPF permerror for example.com: the reason"},
        {Result::permerror, Action::tempfail, "451 4.7.24 SPF permerror for example.com: the reason"},
    };
    for (const Row& row : rows) {
        const std::string action(milter::to_string(row.action));
        SCOPED_TRACE(std::string(spf::to_string(row.result)) + " with " + action);
        const std::string name = row.result == Result::pass ? "fail" : std::string(spf::to_string(row.result));
        const Config config = config_from(name + "_action = " + action);
        const Verdict v =
            verdict(config, mailfrom_only(evaluation(row.result, "example.com", "the explanation", "the reason")));
        if (std::string(row.reply).empty()) {
            EXPECT_EQ(v.action, Action::accept);
            EXPECT_FALSE(v.reply);
        } else {
            EXPECT_EQ(v.action, row.action);
            ASSERT_TRUE(v.reply);
            EXPECT_EQ(v.reply->to_string(), row.reply);
        }
        EXPECT_EQ(v.decided_by, spf::Identity::mailfrom);
        ASSERT_EQ(v.headers.size(), 2U);  // headers whatever the action: dry runs and exempt recipients need them
        EXPECT_EQ(v.headers[0].name, "Authentication-Results");
        EXPECT_EQ(v.headers[1].name, "Received-SPF");
    }
}

TEST(Verdict, FallsBackToAFixedTextForAFailWithoutExplanation) {
    const Verdict v = verdict(config_from(""), mailfrom_only(evaluation(Result::fail)));
    ASSERT_TRUE(v.reply);
    EXPECT_EQ(v.reply->to_string(), "550 5.7.23 SPF fail: 192.0.2.10 is not allowed to send mail for example.com");
}

TEST(Verdict, SanitisesTheDomainsExplanationForTheReply) {
    const Verdict v =
        verdict(config_from(""), mailfrom_only(evaluation(Result::fail, "example.com", "go away\r\n250 OK 100% sure")));
    ASSERT_TRUE(v.reply);
    EXPECT_EQ(v.reply->text.wire(), "go away??250 OK 100% sure");
    EXPECT_EQ(v.reply->text.for_setreply(), "go away??250 OK 100%% sure");
}

TEST(Verdict, RejectsAHeloFailOnlyWhenAskedTo) {
    Checks checks;
    checks.helo = evaluation(Result::fail, "mail.example.com", "helo explanation");
    checks.mailfrom = evaluation(Result::pass);
    EXPECT_EQ(verdict(config_from(""), checks).action, Action::accept);
    const Verdict v = verdict(config_from("helo_fail_action = reject"), checks);
    EXPECT_EQ(v.action, Action::reject);
    EXPECT_EQ(v.decided_by, spf::Identity::helo);
    EXPECT_EQ(v.reply->to_string(), "550 5.7.23 helo explanation");
}

TEST(Verdict, NeverActsOnAHeloResultOtherThanFail) {
    // A HELO none (or error) is never terminal: Stalwart users saw mail rejected for it.
    for (Result helo : {Result::none, Result::temperror, Result::permerror, Result::softfail, Result::neutral}) {
        SCOPED_TRACE(spf::to_string(helo));
        Checks checks;
        checks.helo = evaluation(helo, "mail.example.com");
        checks.mailfrom = evaluation(Result::pass);
        const Verdict v = verdict(config_from("helo_fail_action = reject"), checks);
        EXPECT_EQ(v.action, Action::accept);
    }
}

TEST(Verdict, LetsTheStricterIdentityWinAndTheHeloOneOnATie) {
    Checks checks;
    checks.helo = evaluation(Result::fail, "mail.example.com", "helo says no");
    checks.mailfrom = evaluation(Result::temperror);
    const Verdict reject_by_helo = verdict(config_from("helo_fail_action = reject"), checks);
    EXPECT_EQ(reject_by_helo.action, Action::reject);
    EXPECT_EQ(reject_by_helo.decided_by, spf::Identity::helo);
    const Verdict tie = verdict(config_from("helo_fail_action = tempfail"), checks);
    EXPECT_EQ(tie.action, Action::tempfail);
    EXPECT_EQ(tie.decided_by, spf::Identity::helo);
    checks.mailfrom = evaluation(Result::fail, "example.com", "mail from says no");
    const Verdict stricter_mailfrom = verdict(config_from("helo_fail_action = tempfail"), checks);
    EXPECT_EQ(stricter_mailfrom.action, Action::reject);
    EXPECT_EQ(stricter_mailfrom.decided_by, spf::Identity::mailfrom);
}

TEST(Verdict, OnlyLogsAndAddsHeadersInADryRun) {
    const Verdict v =
        verdict(config_from("dry_run = yes"), mailfrom_only(evaluation(Result::fail, "example.com", "no")));
    EXPECT_EQ(v.action, Action::accept);
    EXPECT_EQ(v.policy_action, Action::reject);
    ASSERT_TRUE(v.reply);  // for the log line: what would have been said
    EXPECT_EQ(v.reply->to_string(), "550 5.7.23 no");
    EXPECT_EQ(v.headers.size(), 2U);
}

TEST(Verdict, AddsOnlyTheChosenHeaders) {
    const Checks checks = mailfrom_only(evaluation(Result::pass));
    const Verdict received = verdict(config_from("headers = received-spf"), checks);
    ASSERT_EQ(received.headers.size(), 1U);
    EXPECT_EQ(received.headers[0].name, "Received-SPF");
    const Verdict results = verdict(config_from("headers = authentication-results"), checks);
    ASSERT_EQ(results.headers.size(), 1U);
    EXPECT_EQ(results.headers[0].name, "Authentication-Results");
    EXPECT_TRUE(verdict(config_from("headers = none"), checks).headers.empty());
}

TEST(Verdict, UsesTheMtaHostNameUnlessAnAuthservIdIsSet) {
    const Checks checks = mailfrom_only(evaluation(Result::pass));
    EXPECT_EQ(verdict(config_from(""), checks).authserv_id, "mx.example.net");
    const Verdict v = verdict(config_from("authserv_id = auth.example.net\nreceiver = rx.example.net"), checks);
    EXPECT_EQ(v.authserv_id, "auth.example.net");
    EXPECT_TRUE(milter::unfold(v.headers[0].value).starts_with("auth.example.net; spf=pass"));
    EXPECT_NE(milter::unfold(v.headers[1].value).find("receiver=rx.example.net;"), std::string::npos);
}

TEST(Verdict, RemovesForgedResultsUnlessTheClientIsTrusted) {
    EXPECT_TRUE(verdict(config_from(""), mailfrom_only(evaluation(Result::pass))).remove_forged_results);
    Checks skipped;
    skipped.skip = SkipReason::trusted_network;
    EXPECT_FALSE(verdict(config_from(""), skipped).remove_forged_results);
    skipped.skip = SkipReason::authenticated;
    EXPECT_FALSE(verdict(config_from(""), skipped).remove_forged_results);
    skipped.skip = SkipReason::sender_domain;  // the sender is not checked, the client is still a stranger
    EXPECT_TRUE(verdict(config_from(""), skipped).remove_forged_results);
    EXPECT_TRUE(verdict(config_from(""), skipped).headers.empty());
}

TEST(Decide, ChecksTheHeloIdentityFirstAndThenMailFrom) {
    const Decision d = decide(config_from(""), "mail.pass.example", "<alice@fail.example>");
    ASSERT_TRUE(d.checks.helo);
    ASSERT_TRUE(d.checks.mailfrom);
    EXPECT_EQ(d.checks.helo->result, Result::pass);
    EXPECT_EQ(d.checks.mailfrom->result, Result::fail);
    EXPECT_EQ(d.verdict.action, Action::reject);
    EXPECT_EQ(d.verdict.reply->to_string(),
              "550 5.7.23 SPF fail: 192.0.2.10 is not allowed to send mail for fail.example");
}

TEST(Decide, WritesAnIpv6ClientReadablyInTheDefaultReplyText) {
    // reject_text uses %{c}: %{i} would give 32 dotted nibbles (RFC 7208 §7.3).
    const Decision d = decide(config_from(""), "mail.pass.example", "<alice@fail.example>", "2001:db8::99");
    EXPECT_EQ(d.verdict.reply->to_string(),
              "550 5.7.23 SPF fail: 2001:db8::99 is not allowed to send mail for fail.example");
}

TEST(Decide, UsesTheDomainsExplanationForAFail) {
    const Decision d = decide(config_from(""), "mail.pass.example", "<bob@explained.example>");
    EXPECT_EQ(d.verdict.reply->to_string(), "550 5.7.23 192.0.2.10 is not a mail server of explained.example");
}

TEST(Decide, DoesNotCheckTheHeloWhenToldNotTo) {
    const Decision d = decide(config_from("check_helo = no"), "mail.pass.example", "<alice@pass.example>");
    EXPECT_FALSE(d.checks.helo);
    ASSERT_TRUE(d.checks.mailfrom);
    EXPECT_EQ(d.checks.mailfrom->result, Result::pass);
    EXPECT_EQ(d.verdict.headers.size(), 2U);  // one A-R, one Received-SPF
}

TEST(Decide, SkipsMailFromAfterAHeloFailThatIsRejected) {
    // RFC 7208 §2.3: a conclusive HELO result saves the MAIL FROM lookups.
    const Decision d = decide(config_from("helo_fail_action = reject"), "mail.fail.example", "<alice@pass.example>");
    ASSERT_TRUE(d.checks.helo);
    EXPECT_EQ(d.checks.helo->result, Result::fail);
    EXPECT_FALSE(d.checks.mailfrom);
    EXPECT_EQ(d.verdict.action, Action::reject);
    EXPECT_EQ(d.verdict.decided_by, spf::Identity::helo);
}

TEST(Decide, StillChecksMailFromAfterAHeloFailWhenTheMessageMayBeDelivered) {
    for (const char* text : {"helo_fail_action = reject\ndry_run = yes", "helo_fail_action = reject\nreject_at = rcpt",
                             "helo_fail_action = accept"}) {
        SCOPED_TRACE(text);
        const Decision d = decide(config_from(text), "mail.fail.example", "<alice@pass.example>");
        ASSERT_TRUE(d.checks.mailfrom);
        EXPECT_EQ(d.checks.mailfrom->result, Result::pass);
    }
}

TEST(Decide, ChecksTheNullSenderAsPostmasterAtTheHeloOnce) {
    // RFC 7208 §2.4: the MAIL FROM identity of <> is postmaster@<helo>: the HELO check.
    const Decision d = decide(config_from(""), "mail.fail.example", "<>");
    ASSERT_TRUE(d.checks.helo);
    ASSERT_TRUE(d.checks.mailfrom);
    EXPECT_TRUE(d.checks.mailfrom_is_helo);
    EXPECT_EQ(d.checks.mailfrom->result, Result::fail);
    EXPECT_EQ(d.checks.helo->counters.dns_queries, d.checks.mailfrom->counters.dns_queries);
    EXPECT_EQ(d.verdict.action, Action::reject);  // fail_action: it is the MAIL FROM identity
    const std::string results = milter::unfold(d.verdict.headers[0].value);
    EXPECT_NE(results.find("smtp.mailfrom=postmaster@mail.fail.example"), std::string::npos) << results;
    EXPECT_NE(results.find("spf=fail smtp.helo=mail.fail.example"), std::string::npos) << results;
}

TEST(Decide, ReportsASenderWithoutALocalPartAsPostmasterAtItsDomain) {
    // RFC 7208 §4.3: the <sender> checked is postmaster@pass.example, and the
    // headers must name the one that was checked.
    const Decision d = decide(config_from(""), "mail.pass.example", "<@relay.example:@pass.example>");
    ASSERT_TRUE(d.checks.mailfrom);
    EXPECT_EQ(d.checks.mailfrom->result, Result::pass);
    EXPECT_EQ(d.checks.mailfrom->domain, "pass.example");
    ASSERT_EQ(d.verdict.headers.size(), 3U);
    const std::string results = milter::unfold(d.verdict.headers[0].value);
    EXPECT_NE(results.find("domain of postmaster@pass.example designates"), std::string::npos) << results;
    EXPECT_NE(results.find("smtp.mailfrom=postmaster@pass.example;"), std::string::npos) << results;
    const std::string received = milter::unfold(d.verdict.headers[1].value);
    EXPECT_NE(received.find("domain of postmaster@pass.example designates"), std::string::npos) << received;
    EXPECT_NE(received.find("identity=mailfrom"), std::string::npos) << received;
}

TEST(Decide, ChecksTheNullSenderWithoutTheHeloCheckToo) {
    const Decision d = decide(config_from("check_helo = no"), "mail.pass.example", "<>");
    EXPECT_FALSE(d.checks.helo);
    ASSERT_TRUE(d.checks.mailfrom);
    EXPECT_EQ(d.checks.mailfrom->result, Result::pass);
    EXPECT_EQ(d.checks.mailfrom->domain, "mail.pass.example");
}

TEST(Decide, ReportsOnlyMailFromForAClientThatNeverSaidHelo) {
    const Decision d = decide(config_from(""), "", "<alice@pass.example>");
    EXPECT_FALSE(d.checks.helo);
    ASSERT_TRUE(d.checks.mailfrom);
    EXPECT_EQ(d.checks.mailfrom->result, Result::pass);
    ASSERT_EQ(d.verdict.headers.size(), 2U);  // one A-R, one Received-SPF: no smtp.helo, no identity=helo
    for (const auto& header : d.verdict.headers) {
        EXPECT_EQ(header.value.find("helo=\"\""), std::string::npos) << header.value;
        EXPECT_EQ(header.value.find("identity=helo"), std::string::npos) << header.value;
        EXPECT_EQ(header.value.find("smtp.helo"), std::string::npos) << header.value;
    }
}

TEST(Decide, SkipsClientsWithoutAnAddress) {
    static spf::ZoneResolver resolver = spf::ZoneResolver::from_text(world);
    ManualClock clock;
    milter::Session local{std::nullopt, "localhost", "mx.example.net"};
    const Decision d = milter::decide(config_from(""), local, transaction("<alice@fail.example>"), resolver, clock);
    EXPECT_EQ(d.checks.skip, SkipReason::local);
    EXPECT_EQ(d.verdict.action, Action::accept);
    EXPECT_TRUE(d.verdict.headers.empty());
}

TEST(Decide, SkipsTrustedAndSkippedNetworksIncludingMappedAddresses) {
    const Config config = config_from("trusted_networks = 127.0.0.0/8, ::1\nskip_networks = 198.51.100.0/24");
    EXPECT_EQ(decide(config, "x.example", "<a@fail.example>", "127.0.0.1").checks.skip, SkipReason::trusted_network);
    EXPECT_EQ(decide(config, "x.example", "<a@fail.example>", "::1").checks.skip, SkipReason::trusted_network);
    EXPECT_EQ(decide(config, "x.example", "<a@fail.example>", "::ffff:127.0.0.1").checks.skip,
              SkipReason::trusted_network);
    EXPECT_EQ(decide(config, "x.example", "<a@fail.example>", "198.51.100.7").checks.skip, SkipReason::skip_network);
    EXPECT_EQ(decide(config, "x.example", "<a@fail.example>", "203.0.113.5").checks.skip, SkipReason::none);
}

TEST(Decide, ChecksLoopbackOnceTrustedNetworksIsEmpty) {
    EXPECT_EQ(decide(config_from("trusted_networks ="), "x.example", "<a@fail.example>", "127.0.0.1").checks.skip,
              SkipReason::none);
}

TEST(Decide, SkipsAuthenticatedClientsUnlessToldNotTo) {
    const Decision skipped = decide(config_from(""), "x.example", "<a@fail.example>", "192.0.2.10", "alice");
    EXPECT_EQ(skipped.checks.skip, SkipReason::authenticated);
    EXPECT_EQ(skipped.verdict.action, Action::accept);
    const Decision checked =
        decide(config_from("skip_authenticated = no"), "x.example", "<a@fail.example>", "192.0.2.10", "alice");
    EXPECT_EQ(checked.checks.skip, SkipReason::none);
    EXPECT_EQ(checked.verdict.action, Action::reject);
}

TEST(Decide, SkipsSenderDomainsExactlyOrBySubdomain) {
    const Config config = config_from("skip_sender_domains = fail.example, .lists.example");
    EXPECT_EQ(decide(config, "x.example", "<a@FAIL.example>").checks.skip, SkipReason::sender_domain);
    EXPECT_EQ(decide(config, "x.example", "<a@sub.fail.example>").checks.skip, SkipReason::none);
    EXPECT_EQ(decide(config, "x.example", "<a@news.lists.example>").checks.skip, SkipReason::sender_domain);
    EXPECT_EQ(decide(config, "x.example", "<a@lists.example>").checks.skip, SkipReason::none);
    EXPECT_EQ(decide(config, "x.example", "<>").checks.skip, SkipReason::none);
}

TEST(Decide, SkipsAClientThatATrustedForwardersSpfPasses) {
    const Config config = config_from("trusted_forwarders = broken-forwarder.example, forwarder.example");
    // 203.0.113.5 is one of forwarder.example's servers; the temperror of the
    // first forwarder changes nothing.
    const Decision forwarded = decide(config, "relay.forwarder.example", "<a@fail.example>", "203.0.113.5");
    EXPECT_EQ(forwarded.checks.skip, SkipReason::trusted_forwarder);
    EXPECT_EQ(forwarded.checks.forwarder, "forwarder.example");
    EXPECT_EQ(forwarded.verdict.action, Action::accept);
    EXPECT_FALSE(forwarded.checks.mailfrom);
    EXPECT_TRUE(forwarded.verdict.headers.empty());
    EXPECT_TRUE(forwarded.verdict.remove_forged_results) << "a forwarder is not one of our clients";

    // Any other client is checked as usual.
    const Decision stranger = decide(config, "x.example", "<a@fail.example>", "192.0.2.10");
    EXPECT_EQ(stranger.checks.skip, SkipReason::none);
    EXPECT_EQ(stranger.verdict.action, Action::reject);
}

// The clock moves on by `step` at each question, as DNS that takes its time;
// broken-forwarder.example's server never answers: its question takes until
// the deadline.
class SlowResolver final : public spf::Resolver {
public:
    SlowResolver(ManualClock& clock, std::chrono::milliseconds step) : clock_(clock), step_(step) {}
    spf::Answer resolve(const spf::Question& question, spf::Deadline deadline) override {
        if (question.name == "broken-forwarder.example" && deadline > clock_.now())
            clock_.advance(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_.now()));
        else
            clock_.advance(step_);
        if (question.name == "broken-forwarder.example" || clock_.now() > deadline) {
            spf::Answer answer;
            answer.status = spf::DnsStatus::timeout;
            return answer;
        }
        return inner_.resolve(question, deadline);
    }

private:
    spf::ZoneResolver inner_ = spf::ZoneResolver::from_text(world);
    ManualClock& clock_;
    std::chrono::milliseconds step_;
};

TEST(Decide, LeavesTheChecksMostOfTheirTimeWhenAForwardersDnsHangs) {
    // check_timeout = 8: the forwarder may take 2 s of it, the checks the rest.
    const Config config =
        config_from("check_timeout = 8\ndns_prefetch = no\ntrusted_forwarders = broken-forwarder.example");
    ManualClock clock;
    SlowResolver resolver(clock, std::chrono::milliseconds(2500));
    const Decision decision =
        milter::decide(config, session("192.0.2.10", "x.example"), transaction("<a@fail.example>"), resolver, clock);
    EXPECT_EQ(decision.checks.skip, SkipReason::none);
    ASSERT_TRUE(decision.checks.mailfrom);
    EXPECT_EQ(decision.checks.mailfrom->result, Result::fail) << "not a temperror";
}

TEST(Decide, TrustsAForwarderByTheClientsAddressNotByWhatTheSenderClaims) {
    const Config config = config_from("trusted_forwarders = forwarder.example");
    // skip_sender_domains would be fooled by this sender; the forwarder's SPF is not.
    const Decision spoofed = decide(config, "forwarder.example", "<postmaster@forwarder.example>", "198.51.100.7");
    EXPECT_EQ(spoofed.checks.skip, SkipReason::none);
    EXPECT_EQ(spoofed.verdict.action, Action::reject);
}

TEST(Decide, RefusesAnyResultButPassForStrictDomains) {
    const Config config = config_from("strict_domains = softfail.example, nothing.example, .pass.example");
    const Decision softfail = decide(config, "x.example", "<a@softfail.example>");
    EXPECT_EQ(softfail.verdict.action, Action::reject);
    EXPECT_TRUE(softfail.verdict.strict_domain);
    ASSERT_TRUE(softfail.verdict.reply);
    EXPECT_EQ(softfail.verdict.reply->to_string(),
              "550 5.7.1 softfail.example accepts only SPF pass here: SPF softfail: softfail.example does not "
              "designate 192.0.2.10 as a permitted sender");
    // No SPF record at all: none, refused too.
    const Decision none = decide(config, "x.example", "<a@nothing.example>");
    EXPECT_EQ(none.checks.mailfrom->result, Result::none);
    EXPECT_EQ(none.verdict.action, Action::reject);
    // A pass is a pass.
    const Decision pass = decide(config, "x.example", "<a@pass.example>");
    EXPECT_EQ(pass.verdict.action, Action::accept);
    EXPECT_FALSE(pass.verdict.strict_domain);
    // The same result for a domain that is not listed follows softfail_action.
    const Decision other = decide(config_from(""), "x.example", "<a@softfail.example>");
    EXPECT_EQ(other.verdict.action, Action::accept);
}

TEST(Decide, TempfailsAStrictDomainsTemperrorWhateverTemperrorActionSays) {
    const Config config = config_from("strict_domains = slow.example\ntemperror_action = accept");
    const Decision decision = decide(config, "x.example", "<a@slow.example>");
    EXPECT_EQ(decision.checks.mailfrom->result, Result::temperror);
    EXPECT_EQ(decision.verdict.action, Action::tempfail);
    ASSERT_TRUE(decision.verdict.reply);
    EXPECT_EQ(decision.verdict.reply->code, "451");
    EXPECT_EQ(decision.verdict.reply->enhanced_code, "4.7.24");
}

TEST(Decide, OnlyLogsAStrictDomainsRefusalInDryRun) {
    const Config config = config_from("strict_domains = softfail.example\ndry_run = yes");
    const Decision decision = decide(config, "x.example", "<a@softfail.example>");
    EXPECT_EQ(decision.verdict.action, Action::accept);
    EXPECT_EQ(decision.verdict.policy_action, Action::reject);
}

TEST(Decide, GivesEachTransactionItsOwnResult) {
    const Config config = config_from("");
    milter::Session s = session("192.0.2.10", "mail.pass.example");
    static spf::ZoneResolver resolver = spf::ZoneResolver::from_text(world);
    ManualClock clock;
    const Decision first = milter::decide(config, s, transaction("<a@fail.example>"), resolver, clock);
    const Decision second = milter::decide(config, s, transaction("<b@pass.example>"), resolver, clock);
    EXPECT_EQ(first.verdict.action, Action::reject);
    EXPECT_EQ(second.verdict.action, Action::accept);
}

TEST(RejectAtRcpt, RejectsOrdinaryRecipientsAndLetsExemptOnesThrough) {
    // RFC 5321 §4.5.1: postmaster must stay reachable.
    const Config config = config_from("reject_at = rcpt\nexempt_recipients = postmaster, abuse@example.net");
    const Decision d = decide(config, "mail.pass.example", "<a@fail.example>");
    EXPECT_EQ(d.verdict.stage, milter::RejectStage::rcpt);
    EXPECT_EQ(d.verdict.action, Action::reject);
    const auto rcpt = [&](const char* path) {
        return milter::action_for_recipient(config, d.verdict, milter::parse_forward_path(path));
    };
    EXPECT_EQ(rcpt("<bob@example.net>"), Action::reject);
    EXPECT_EQ(rcpt("<postmaster@example.net>"), Action::accept);
    EXPECT_EQ(rcpt("<PostMaster@other.example>"), Action::accept);
    EXPECT_EQ(rcpt("<Postmaster>"), Action::accept);
    EXPECT_EQ(rcpt("<abuse@EXAMPLE.net>"), Action::accept);
    EXPECT_EQ(rcpt("<abuse@other.example>"), Action::reject);
}

TEST(RejectAtRcpt, TempfailsOrdinaryRecipientsToo) {
    const Config config = config_from("reject_at = rcpt");
    const Decision d = decide(config, "mail.pass.example", "<a@slow.example>");
    EXPECT_EQ(d.checks.mailfrom->result, Result::temperror);
    EXPECT_EQ(milter::action_for_recipient(config, d.verdict, milter::parse_forward_path("<bob@example.net>")),
              Action::tempfail);
    EXPECT_EQ(d.verdict.reply->to_string().substr(0, 10), "451 4.7.24");
}

TEST(RejectAtRcpt, AcceptsEveryRecipientWhenRejectingAtMailFrom) {
    const Config config = config_from("");
    const Decision d = decide(config, "mail.pass.example", "<a@fail.example>");
    EXPECT_EQ(milter::action_for_recipient(config, d.verdict, milter::parse_forward_path("<bob@example.net>")),
              Action::accept);
}

// Records the deadline of every question; while the HELO name is being looked up,
// DNS "takes" 25 seconds of the clock.
class SlowHeloResolver final : public spf::Resolver {
public:
    SlowHeloResolver(spf::ZoneResolver zone, ManualClock& clock) : zone_(std::move(zone)), clock_(clock) {}
    spf::Answer resolve(const spf::Question& question, spf::Deadline deadline) override {
        deadlines.push_back(deadline);
        if (question.name == "mail.pass.example") clock_.advance(std::chrono::seconds(25));
        return zone_.resolve(question, deadline);
    }
    std::vector<spf::Deadline> deadlines;

private:
    spf::ZoneResolver zone_;
    ManualClock& clock_;
};

TEST(Deadline, IsOneForBothChecksOfATransaction) {
    ManualClock clock;
    SlowHeloResolver resolver(spf::ZoneResolver::from_text(world), clock);
    // One after the other, so that the HELO check's time is gone for MAIL FROM.
    const Config config = config_from("check_timeout = 20\ndns_prefetch = no");
    const Decision d = milter::decide(config, session("192.0.2.10", "mail.pass.example"),
                                      transaction("<alice@pass.example>"), resolver, clock);
    ASSERT_FALSE(resolver.deadlines.empty());
    for (const spf::Deadline& deadline : resolver.deadlines)
        EXPECT_EQ(deadline, clock.start() + std::chrono::seconds(20));
    // The HELO check used 25 s of the 20 s budget, so MAIL FROM has none left:
    // with a deadline per check it would have passed.
    EXPECT_EQ(d.checks.mailfrom->result, Result::temperror);
    EXPECT_EQ(d.checks.elapsed_ms, 25000U);
    EXPECT_EQ(d.verdict.action, Action::tempfail);
}

// Holds the HELO name's lookup until the MAIL FROM domain's has arrived: only
// checks that run at the same time get through without waiting out the grace.
class RendezvousResolver final : public spf::Resolver {
public:
    explicit RendezvousResolver(spf::ZoneResolver zone) : zone_(std::move(zone)) {}
    spf::Answer resolve(const spf::Question& question, spf::Deadline deadline) override {
        std::unique_lock lock(mutex_);
        deadlines.push_back(deadline);
        if (question.name == "pass.example") {
            mailfrom_asked_ = true;
            arrived_.notify_all();
        }
        if (question.name == "mail.pass.example")
            met = arrived_.wait_for(lock, std::chrono::seconds(5), [this] { return mailfrom_asked_; });
        lock.unlock();
        return zone_.resolve(question, deadline);
    }
    std::mutex mutex_;
    std::vector<spf::Deadline> deadlines;
    bool met = false;

private:
    spf::ZoneResolver zone_;
    std::condition_variable arrived_;
    bool mailfrom_asked_ = false;
};

TEST(Concurrency, ChecksHeloAndMailFromAtTheSameTimeWithPrefetch) {
    ManualClock clock;
    RendezvousResolver resolver(spf::ZoneResolver::from_text(world));
    const Config config = config_from("check_timeout = 20");
    const Decision d = milter::decide(config, session("192.0.2.10", "mail.pass.example"),
                                      transaction("<alice@pass.example>"), resolver, clock);
    EXPECT_TRUE(resolver.met) << "the HELO lookup waited 5 s for the MAIL FROM lookup: the checks ran one by one";
    ASSERT_TRUE(d.checks.helo && d.checks.mailfrom);
    EXPECT_EQ(d.checks.mailfrom->result, Result::pass);
    EXPECT_EQ(d.checks.helo->result, Result::pass);
    for (const spf::Deadline& deadline : resolver.deadlines)
        EXPECT_EQ(deadline, clock.start() + std::chrono::seconds(20)) << "one deadline for both";
}

TEST(Concurrency, HeloFailThatEndsTheTransactionStillHidesTheMailFromResult) {
    // Checked at the same time, MAIL FROM is not reported when the HELO fail
    // is rejected at MAIL FROM: the same Checks as one after the other.
    const Config parallel = config_from("helo_fail_action = reject");
    const Config serial = config_from("helo_fail_action = reject\ndns_prefetch = no");
    const Decision a = decide(parallel, "mail.fail.example", "<a@pass.example>");
    const Decision b = decide(serial, "mail.fail.example", "<a@pass.example>");
    ASSERT_TRUE(a.checks.helo && b.checks.helo);
    EXPECT_EQ(a.checks.helo->result, Result::fail);
    EXPECT_FALSE(a.checks.mailfrom);
    EXPECT_EQ(a.checks.mailfrom.has_value(), b.checks.mailfrom.has_value());
    EXPECT_EQ(a.verdict.action, b.verdict.action);
}

// Notes the thread of every lookup; says the records are kept, or not.
class ThreadNotingResolver final : public spf::Resolver {
public:
    ThreadNotingResolver(spf::ZoneResolver zone, bool kept) : zone_(std::move(zone)), kept_(kept) {}
    spf::Answer resolve(const spf::Question& question, spf::Deadline deadline) override {
        {
            const std::lock_guard lock(mutex_);
            threads.insert(std::this_thread::get_id());
        }
        return zone_.resolve(question, deadline);
    }
    bool keeps(const spf::Question&) const override { return kept_; }
    std::mutex mutex_;
    std::set<std::thread::id> threads;

private:
    spf::ZoneResolver zone_;
    bool kept_;
};

TEST(Concurrency, RecordsTheCacheKeepsAreCheckedOnTheCallingThread) {
    for (const bool kept : {false, true}) {
        ThreadNotingResolver resolver(spf::ZoneResolver::from_text(world), kept);
        const Decision d = milter::decide(config_from(""), session("192.0.2.10", "mail.pass.example"),
                                          transaction("<alice@pass.example>"), resolver);
        ASSERT_TRUE(d.checks.helo && d.checks.mailfrom);
        EXPECT_EQ(d.checks.helo->result, Result::pass);
        EXPECT_EQ(d.checks.mailfrom->result, Result::pass);
        if (kept)
            EXPECT_EQ(resolver.threads, std::set<std::thread::id>{std::this_thread::get_id()});
        else
            EXPECT_EQ(resolver.threads.size(), 2U) << "HELO on a thread of its own";
    }
}

}  // namespace
