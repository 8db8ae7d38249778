// tests/spf/deadline_support.hpp: time that passes only when a test says so.
// ManualClock stands still until told to jump; BudgetSpendingResolver answers from
// another resolver and, at the one query a test picks, moves the clock to the
// check's deadline, as a slow DNS server would. No test waits for real time.
#pragma once

#include "spf/check_host.hpp"
#include "spf/resolver.hpp"

#include <functional>
#include <string>
#include <utility>

namespace spf_test {

class ManualClock final : public spf::Clock {
public:
    std::chrono::steady_clock::time_point now() const override { return now_; }
    std::int64_t unix_time() const override { return 1700000000; }
    void jump_to(std::chrono::steady_clock::time_point when) { now_ = when; }

private:
    std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
};

class BudgetSpendingResolver final : public spf::Resolver {
public:
    enum class Mode {
        times_out,     // no answer by the deadline: what a resolver does when it waits that long
        answers_late,  // the answer arrives just as the deadline passes
        // The deadline cut the lookup short after one server had failed: what
        // LdnsResolver said before it learnt to call that a timeout.
        fails_at_deadline,
    };
    using Picker = std::function<bool(const spf::Question&)>;

    BudgetSpendingResolver(spf::Resolver& inner, ManualClock& clock, Picker spends_budget, Mode mode)
        : inner_(inner), clock_(clock), spends_budget_(std::move(spends_budget)), mode_(mode) {}

    spf::Answer resolve(const spf::Question& question, spf::Deadline deadline) override {
        ++queries_;
        if (spent_ || !spends_budget_(question)) return inner_.resolve(question, deadline);
        spent_ = true;
        clock_.jump_to(deadline);
        if (mode_ == Mode::answers_late) return inner_.resolve(question, deadline);
        spf::Answer answer;
        answer.status = mode_ == Mode::fails_at_deadline ? spf::DnsStatus::server_failure : spf::DnsStatus::timeout;
        answer.detail = mode_ == Mode::fails_at_deadline ? "REFUSED, then the deadline" : "no answer by the deadline";
        return answer;
    }

    bool spent() const { return spent_; }  // the picked query was asked
    unsigned queries() const { return queries_; }

private:
    spf::Resolver& inner_;
    ManualClock& clock_;
    Picker spends_budget_;
    Mode mode_;
    bool spent_ = false;
    unsigned queries_ = 0;
};

// Picks the first query for this name and type.
inline BudgetSpendingResolver::Picker at_query(std::string name, spf::RrType type) {
    return [name = std::move(name), type](const spf::Question& question) {
        return question.name == name && question.type == type;
    };
}

// Picks the n-th query (1-based) of the check.
inline BudgetSpendingResolver::Picker at_query_number(unsigned n) {
    return [n, seen = 0U](const spf::Question&) mutable { return ++seen == n; };
}

}  // namespace spf_test
