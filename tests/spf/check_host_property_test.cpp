// tests/spf/check_host_property_test.cpp: check_host() over many generated worlds.
// Records are drawn (with a fixed seed) from every kind of term, macros included,
// pointing at each other, at missing names, at TIMEOUT and SERVFAIL names, so that
// includes loop, limits are hit and lookups fail in every order. Whatever the
// records, the §4.6.4 invariants must hold: no evaluation charges more than one term
// past the limit, a result other than permerror never exceeds a limit, and every
// temperror or permerror carries a reason. And a time budget that runs out at
// any query is never a verdict: the result is temperror (or, exp= only, the fail).
#include "deadline_support.hpp"

#include "spf/check_host.hpp"
#include "spf/zone.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>

namespace {

using Mode = spf_test::BudgetSpendingResolver::Mode;

const char* const names[] = {"a.example",       "b.example",    "c.example",     "d.example",
                             "missing.example", "slow.example", "broken.example"};

std::string random_term(std::mt19937& random) {
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
    const std::string target = names[pick(std::size(names))];
    const char* qualifiers[] = {"", "+", "-", "~", "?"};
    const std::string q = qualifiers[pick(5)];
    switch (pick(14)) {
        case 0: return q + "all";
        case 1: return q + "include:" + target;
        case 2: return q + "a:" + target + (pick(2) ? "/24" : "");
        case 3: return q + "mx:" + target + (pick(2) ? "//64" : "");
        case 4: return q + "ptr:" + target;
        case 5: return q + "ip4:192.0.2." + std::to_string(pick(256)) + "/" + std::to_string(pick(33));
        case 6: return q + "ip6:2001:db8::" + std::to_string(pick(9999)) + "/" + std::to_string(pick(129));
        case 7: return q + "exists:%{ir}.%{l1r-}." + target;
        case 8: return "redirect=" + target;
        case 9: return "exp=" + target;
        case 10: return q + "a";
        case 11: return q + "mx";
        case 12: return q + "exists:%{p}." + target;
        default: return "x-unknown=%{d}";
    }
}

std::string random_record(std::mt19937& random) {
    std::string record = "v=spf1";
    const unsigned terms = 1 + random() % 8;
    for (unsigned i = 0; i < terms; ++i) record += " " + random_term(random);
    return record;
}

spf::Zone random_zone(std::mt19937& random) {
    spf::Zone zone;
    for (const char* name : {"a.example", "b.example", "c.example", "d.example"}) {
        spf::ZoneRecord txt;
        txt.kind = spf::ZoneRecord::Kind::txt;
        txt.strings = {random_record(random)};
        zone.add(name, txt);
        spf::ZoneRecord a;
        a.kind = spf::ZoneRecord::Kind::a;
        a.address = *spf::IpAddress::parse(random() % 2 ? "192.0.2.1" : "198.51.100.1");
        zone.add(name, a);
        spf::ZoneRecord mx;
        mx.kind = spf::ZoneRecord::Kind::mx;
        mx.target = names[random() % std::size(names)];
        zone.add(name, mx);
    }
    spf::ZoneRecord timeout;
    timeout.kind = spf::ZoneRecord::Kind::timeout_all;
    zone.add("slow.example", timeout);
    spf::ZoneRecord servfail;
    servfail.kind = spf::ZoneRecord::Kind::servfail_all;
    zone.add("broken.example", servfail);
    spf::ZoneRecord ptr;
    ptr.kind = spf::ZoneRecord::Kind::ptr;
    ptr.target = "a.example";
    zone.add("1.2.0.192.in-addr.arpa", ptr);
    return zone;
}

TEST(CheckHostProperties, HoldTheLimitsForTwoThousandGeneratedWorlds) {
    std::mt19937 random(20261125);  // fixed: a failure is reproducible
    const spf::Limits limits;
    std::map<spf::Result, int> seen;
    for (int world = 0; world < 2000; ++world) {
        spf::ZoneResolver resolver(random_zone(random));
        spf::Request request;
        request.client = *spf::IpAddress::parse(random() % 2 ? "192.0.2.1" : "2001:db8::1");
        request.mail_from = "user@a.example";
        request.helo = "mail.a.example";
        spf::CheckOptions options;
        options.default_explanation = "%{i} refused for %{d}";
        const spf::Evaluation evaluation = spf::check_identity(request, resolver, options);
        ++seen[evaluation.result];
        SCOPED_TRACE("world " + std::to_string(world) + ": " + evaluation.reason);
        EXPECT_LE(evaluation.counters.dns_terms, limits.max_dns_terms + 1);
        EXPECT_LE(evaluation.counters.void_lookups, limits.max_void_lookups + 1);
        if (evaluation.result != spf::Result::permerror) {
            EXPECT_LE(evaluation.counters.dns_terms, limits.max_dns_terms);
            EXPECT_LE(evaluation.counters.void_lookups, limits.max_void_lookups);
        }
        if (evaluation.result == spf::Result::temperror || evaluation.result == spf::Result::permerror) {
            EXPECT_FALSE(evaluation.reason.empty());
        }
        // Only a fail is explained, and with a default explanation it always is.
        EXPECT_EQ(evaluation.explanation.empty(), evaluation.result != spf::Result::fail);
    }
    // The generator is only worth its time if the worlds reach every outcome.
    for (const spf::Result result : {spf::Result::pass, spf::Result::fail, spf::Result::softfail, spf::Result::neutral,
                                     spf::Result::temperror, spf::Result::permerror}) {
        EXPECT_GT(seen[result], 20) << spf::to_string(result);
    }
}

// Every world, with the budget running out at each query it asks in turn: the
// result is temperror, except when the query was one of exp='s, after a fail
// (§6.2: the explanation is dropped, the fail stands). The trace tells which: no
// term is evaluated after exp='s queries (a term's line goes above its lookups).
TEST(CheckHostProperties, NeverTurnASpentTimeBudgetIntoAVerdict) {
    std::mt19937 random(20260301);
    unsigned spent_runs = 0;
    unsigned spent_in_exp = 0;
    for (int world = 0; world < 500; ++world) {
        spf::ZoneResolver zone(random_zone(random));
        spf::Request request;
        request.client = *spf::IpAddress::parse(random() % 2 ? "192.0.2.1" : "2001:db8::1");
        request.mail_from = "user@a.example";
        request.helo = "mail.a.example";
        spf_test::ManualClock clock;
        spf::CheckOptions options;
        options.clock = &clock;
        options.deadline = clock.now() + std::chrono::seconds(10);
        options.trace = true;
        const spf::Evaluation unlimited = spf::check_identity(request, zone, options);
        for (unsigned k = 1; k <= unlimited.counters.dns_queries; ++k) {
            spf_test::ManualClock late_clock;
            options.clock = &late_clock;
            options.deadline = late_clock.now() + std::chrono::seconds(10);
            std::optional<spf::Question> spent_at;
            const auto picker = [&, pick = spf_test::at_query_number(k)](const spf::Question& question) mutable {
                if (!pick(question)) return false;
                spent_at = question;
                return true;
            };
            spf_test::BudgetSpendingResolver resolver(zone, late_clock, picker, Mode::times_out);
            const spf::Evaluation evaluation = spf::check_identity(request, resolver, options);
            ASSERT_TRUE(spent_at.has_value());  // the same world asks the same queries
            ++spent_runs;
            SCOPED_TRACE("world " + std::to_string(world) + ", budget spent at query " + std::to_string(k) + " (" +
                         std::string(spf::to_string(spent_at->type)) + " " + spent_at->name +
                         "): " + std::string(spf::to_string(evaluation.result)) + ", " + evaluation.reason);
            if (evaluation.result == spf::Result::temperror) continue;
            EXPECT_EQ(evaluation.result, spf::Result::fail);
            EXPECT_EQ(evaluation.matched_term, unlimited.matched_term);
            const auto spent_event =
                std::find_if(evaluation.trace.begin(), evaluation.trace.end(), [](const auto& event) {
                    return event.kind == spf::TraceEvent::Kind::query &&
                           event.text.find("no answer by the deadline") != std::string::npos;
                });
            ASSERT_NE(spent_event, evaluation.trace.end());
            EXPECT_TRUE(std::none_of(spent_event, evaluation.trace.end(), [](const auto& event) {
                return event.kind == spf::TraceEvent::Kind::term;
            })) << "a term was evaluated after the budget was spent";
            ++spent_in_exp;
        }
    }
    // The worlds asked enough queries to spend the budget at, some of them exp='s.
    EXPECT_GT(spent_runs, 1000U);
    EXPECT_GT(spent_in_exp, 10U);
}

}  // namespace
