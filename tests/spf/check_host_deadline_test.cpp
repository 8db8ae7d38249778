// tests/spf/check_host_deadline_test.cpp: the check's own time budget
// (CheckOptions::deadline). A budget that runs out is never a verdict: whichever
// lookup it runs out at, the result is temperror, even where RFC 7208 says a DNS
// error of that lookup is ignored (§5.5: a ptr name whose address lookup fails is
// skipped). Only exp= is different: there the explanation is dropped (§6.2) and
// the fail stands.
#include "deadline_support.hpp"

#include "spf/check_host.hpp"
#include "spf/zone.hpp"

#include <gtest/gtest.h>

namespace {

using spf::Result;
using spf::RrType;
using spf_test::at_query;
using Mode = spf_test::BudgetSpendingResolver::Mode;

// 192.0.2.1 is a legitimate sender for example.com in every way a record below
// can ask: its PTR name h2 validates, it is example.com's second MX and h2's A.
const char* const world = R"(
    1.2.0.192.in-addr.arpa PTR h1.example.com
    1.2.0.192.in-addr.arpa PTR h2.example.com
    h1.example.com         A   198.51.100.1
    h2.example.com         A   192.0.2.1
    example.com            MX  10 mx1.example.com
    example.com            MX  20 mx2.example.com
    mx1.example.com        A   198.51.100.2
    mx2.example.com        A   192.0.2.1
    why.example.com        TXT "%{i} may not send for %{d}"
    ptr.example.net        TXT "v=spf1 ptr:example.com -all"
    slow.example.net       TXT "v=spf1 a:h2.example.com -all"
)";

struct Checked {
    spf::Evaluation evaluation;
    bool spent = false;  // the budget did run out where the row said
};

Checked run(const std::string& record, const spf_test::BudgetSpendingResolver::Picker& picker, Mode mode,
            const std::string& default_explanation = {}) {
    auto zone = spf::ZoneResolver::from_text(std::string(world) + "example.com TXT \"" + record + "\"\n");
    spf_test::ManualClock clock;
    spf_test::BudgetSpendingResolver resolver(zone, clock, picker, mode);
    spf::CheckOptions options;
    options.clock = &clock;
    options.deadline = clock.now() + std::chrono::seconds(10);
    options.default_explanation = default_explanation;
    spf::Request request;
    request.client = *spf::IpAddress::parse("192.0.2.1");
    request.mail_from = "user@example.com";
    request.helo = "mail.example.com";
    Checked result{spf::check_identity(request, resolver, options), resolver.spent()};
    return result;
}

TEST(CheckHostDeadline, EndsWithTemperrorWhereverTheBudgetRunsOut) {
    struct Row {
        const char* record;
        const char* name;  // the budget runs out at the query for this name and type
        RrType type;
        Mode mode;
    };
    const Row rows[] = {
        // The record itself.
        {"v=spf1 ip4:192.0.2.1 -all", "example.com", RrType::txt, Mode::times_out},
        // ptr (§5.5): the PTR lookup, and the address lookup of a name.
        {"v=spf1 ptr -all", "1.2.0.192.in-addr.arpa", RrType::ptr, Mode::times_out},
        {"v=spf1 ptr -all", "1.2.0.192.in-addr.arpa", RrType::ptr, Mode::answers_late},
        {"v=spf1 ptr -all", "h1.example.com", RrType::a, Mode::times_out},
        {"v=spf1 ptr -all", "h1.example.com", RrType::a, Mode::answers_late},
        {"v=spf1 ptr ~all", "h1.example.com", RrType::a, Mode::times_out},
        {"v=spf1 ptr ?all", "h1.example.com", RrType::a, Mode::times_out},
        {"v=spf1 ptr", "h1.example.com", RrType::a, Mode::times_out},
        {"v=spf1 -ptr +all", "h1.example.com", RrType::a, Mode::times_out},
        // %{p} (§7.3) validates names the same way; "unknown" is no answer.
        {"v=spf1 a:%{p} -all", "h1.example.com", RrType::a, Mode::times_out},
        {"v=spf1 ptr:%{p} -all", "1.2.0.192.in-addr.arpa", RrType::ptr, Mode::times_out},
        {"v=spf1 exists:%{p}.allowed.example.com -all", "h1.example.com", RrType::a, Mode::times_out},
        {"v=spf1 redirect=%{p}", "1.2.0.192.in-addr.arpa", RrType::ptr, Mode::times_out},
        // a, mx (and the MX hosts' addresses), exists.
        {"v=spf1 a:h2.example.com -all", "h2.example.com", RrType::a, Mode::times_out},
        {"v=spf1 mx -all", "example.com", RrType::mx, Mode::times_out},
        {"v=spf1 mx -all", "example.com", RrType::mx, Mode::answers_late},
        {"v=spf1 mx -all", "mx1.example.com", RrType::a, Mode::times_out},
        {"v=spf1 mx -all", "mx1.example.com", RrType::a, Mode::answers_late},
        {"v=spf1 exists:h2.example.com -all", "h2.example.com", RrType::a, Mode::times_out},
        // include and redirect, at the target's record and inside its evaluation.
        {"v=spf1 include:slow.example.net -all", "slow.example.net", RrType::txt, Mode::times_out},
        {"v=spf1 include:slow.example.net -all", "slow.example.net", RrType::txt, Mode::answers_late},
        {"v=spf1 include:ptr.example.net -all", "h1.example.com", RrType::a, Mode::times_out},
        {"v=spf1 redirect=slow.example.net", "slow.example.net", RrType::txt, Mode::times_out},
        {"v=spf1 redirect=ptr.example.net", "h1.example.com", RrType::a, Mode::times_out},
        {"v=spf1 redirect=ptr.example.net", "h1.example.com", RrType::a, Mode::answers_late},
        // A failure that arrives with the deadline: §5.5 skips a failed name, but
        // here the time ran out, so the last PTR name cannot be skipped into a verdict.
        {"v=spf1 ptr -all", "h2.example.com", RrType::a, Mode::fails_at_deadline},
        {"v=spf1 -ptr +all", "h2.example.com", RrType::a, Mode::fails_at_deadline},
        {"v=spf1 a:%{p} -all", "h2.example.com", RrType::a, Mode::fails_at_deadline},
        {"v=spf1 mx -all", "mx2.example.com", RrType::a, Mode::fails_at_deadline},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(std::string(row.record) + ", budget runs out at " + std::string(spf::to_string(row.type)) + " " +
                     row.name +
                     (row.mode == Mode::times_out      ? " (times out)"
                      : row.mode == Mode::answers_late ? " (answers late)"
                                                       : " (fails at the deadline)"));
        const Checked result = run(row.record, at_query(row.name, row.type), row.mode);
        ASSERT_TRUE(result.spent) << "the row's query was never asked";
        EXPECT_EQ(result.evaluation.result, Result::temperror) << result.evaluation.reason;
        EXPECT_NE(result.evaluation.reason.find("time budget of the check exhausted"), std::string::npos)
            << result.evaluation.reason;
    }
}

// The same records with time to spare: the rows above test the budget, not the world.
TEST(CheckHostDeadline, PassesTheSameRecordsWhenTimeIsLeft) {
    const char* records[] = {"v=spf1 ptr -all", "v=spf1 a:%{p} -all", "v=spf1 mx -all",
                             "v=spf1 include:ptr.example.net -all", "v=spf1 redirect=ptr.example.net"};
    for (const char* record : records) {
        SCOPED_TRACE(record);
        const Checked result = run(
            record, [](const spf::Question&) { return false; }, Mode::times_out);
        EXPECT_EQ(result.evaluation.result, Result::pass) << result.evaluation.reason;
    }
}

// §6.2: a problem with exp= only drops the explanation, our deadline included.
TEST(CheckHostDeadline, KeepsTheFailAndDropsTheExplanationWhenTheBudgetRunsOutInExp) {
    struct Row {
        const char* record;
        const char* name;
        RrType type;
        const char* default_explanation;
        const char* expected_explanation;
    };
    const Row rows[] = {
        {"v=spf1 -all exp=why.example.com", "why.example.com", RrType::txt, "", ""},
        {"v=spf1 -all exp=why.example.com", "why.example.com", RrType::txt, "DEFAULT", "DEFAULT"},
        {"v=spf1 -all exp=%{p}.example.com", "1.2.0.192.in-addr.arpa", RrType::ptr, "", ""},
        {"v=spf1 -all exp=%{p}.example.com", "h1.example.com", RrType::a, "DEFAULT", "DEFAULT"},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(std::string(row.record) + ", budget runs out at " + row.name);
        const Checked result = run(row.record, at_query(row.name, row.type), Mode::times_out, row.default_explanation);
        ASSERT_TRUE(result.spent);
        EXPECT_EQ(result.evaluation.result, Result::fail) << result.evaluation.reason;
        EXPECT_EQ(result.evaluation.explanation, row.expected_explanation);
    }
}

// A DNS server that times out is not our budget: §5.5 still skips that name.
TEST(CheckHostDeadline, StillSkipsAPtrNameWhoseServerTimedOutWhileTimeIsLeft) {
    auto zone = spf::ZoneResolver::from_text(R"(
        example.com            TXT "v=spf1 ptr -all"
        1.2.0.192.in-addr.arpa PTR h1.example.com
        1.2.0.192.in-addr.arpa PTR h2.example.com
        h1.example.com         TIMEOUT
        h2.example.com         A   192.0.2.1
    )");
    spf_test::ManualClock clock;
    spf::CheckOptions options;
    options.clock = &clock;
    options.deadline = clock.now() + std::chrono::seconds(10);
    const auto evaluation = spf::check_host(*spf::IpAddress::parse("192.0.2.1"), "example.com", "u@example.com",
                                            "mail.example.com", zone, options);
    EXPECT_EQ(evaluation.result, Result::pass) << evaluation.reason;
}

}  // namespace
