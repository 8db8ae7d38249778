// spf/evaluator.hpp: the state of one SPF check, shared by check_host.cpp (§4: record
// lookup and selection, the term loop, redirect, exp) and mechanisms.cpp (§5: one
// function per mechanism). Internal to spf/: not installed, not used by callers.
#pragma once

#include "spf/budget.hpp"
#include "spf/check_host.hpp"
#include "spf/macro.hpp"
#include "spf/parsed_record.hpp"
#include "spf/record.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace spf::detail {

// true: the mechanism matched; false: go on with the next term.
using MatchOutcome = std::variant<bool, Stop>;

// What one level of check_host() returns.
struct Outcome {
    Result result = Result::none;
    std::string reason;
    std::string matched_term;
    std::string explanation;
};

// An SPF record fetched and parsed; `owner` keeps `record` alive (it may be
// the cache's copy, shared with other checks).
struct FetchedRecord {
    std::shared_ptr<const ParsedRecord> owner;
    const ast::Record* record = nullptr;
    bool fresh = false;  // its TXT answer was sent for, not found in a cache
};

// The prefetch side of one check (prefetch.cpp): which lookups a record will
// make, which answers lead to more, and which questions were sent ahead. Called
// from the check's thread and the resolver's, hence the locks; shared with the
// resolver, so it lives as long as either needs it.
class Prefetcher final : public PrefetchListener {
public:
    Prefetcher(const IpAddress& ip, MacroValues values, const Limits& limits);

    // The lookups of the record's DNS terms, in term order, for <domain>; the
    // record's own share of §4.6.4 starts at terms_charged.
    std::vector<Question> upcoming(const ast::Record& record, const std::string& domain, unsigned terms_charged,
                                   bool ptr_known);
    // The address lookups of an MX answer's exchanges (none past the limit of
    // names: the term is a permerror), and of a PTR answer's first 10 names.
    std::vector<Question> addresses_of(const std::vector<std::string>& names) const;
    std::vector<Question> addresses_of_ptr_names(const std::vector<std::string>& names) const;

    std::vector<Question> arrived(const Question& question, const Answer& answer) override;
    void sent(const Question& question) override;
    // True, once, for a question that a prefetch of this check sent.
    bool take_sent(const Question& question);

    struct Tally {
        unsigned sent = 0;    // questions sent ahead
        unsigned unused = 0;  // of those, never taken
    };
    // The check is over: answers arriving from now on lead to nothing.
    Tally close();

private:
    bool take_term();  // one DNS term of the check's §4.6.4 budget for prefetching

    const IpAddress ip_;
    MacroValues values_;  // sender, helo...: what expansions of a prefetch need
    const Limits limits_;
    std::atomic<int> terms_left_;
    std::atomic<bool> closed_{false};
    std::mutex mutex_;
    std::vector<Question> sent_;  // sent and not yet taken
    unsigned sent_count_ = 0;
};

class Evaluator {
public:
    Evaluator(const IpAddress& ip, const std::string& sender, const std::string& helo, Resolver& resolver,
              const CheckOptions& options);

    // §4: check_host() for <domain>. in_include: we are inside an include, where
    // exp= must not be used (§6.2).
    Outcome check_host(const std::string& domain, unsigned depth, bool in_include);

    // §5: does the mechanism match for <domain>? (mechanisms.cpp) Never a match or
    // a no-match once the time budget is spent: then a temperror.
    MatchOutcome match(const ast::Mechanism& mechanism, const std::string& domain, unsigned depth);

    const Counters& counters() const { return budget_.counters(); }
    std::vector<TraceEvent> take_trace() { return std::move(trace_); }
    // Counters with the prefetches counted; ends the check's prefetching.
    Counters final_counters();

    // Shared by the mechanisms: ----------------------------------------------
    Budget& budget() { return budget_; }
    const IpAddress& ip() const { return ip_; }
    // One DNS question, with the deadline check, the query counter and the trace.
    // A lookup that meets the deadline marks the budget's time exhausted (budget.hpp).
    Answer lookup(const std::string& name, RrType type, unsigned depth);
    // Expands a domain-spec for <domain> and truncates it to 253 octets (§4.8).
    // The Stop's reason names no term: the caller appends it. A temperror if
    // %{p}'s lookups spent the time budget.
    std::variant<std::string, Stop> target_name(const ast::MacroString& domain_spec, const std::string& domain,
                                                unsigned depth);
    // §5.5 steps 1-3: the names of <ip> whose A/AAAA lead back to <ip>.
    std::vector<std::string> validated_names(unsigned depth);
    bool void_ptr() const { return void_ptr_; }  // the PTR lookup found nothing
    // %{p} (§7.3): a validated name, preferring <domain> itself, then its subdomains.
    std::string validated_name_for(const std::string& domain, unsigned depth);
    void trace(TraceEvent::Kind kind, unsigned depth, std::string text);
    // Inserts a term's line at position `at`, above the events its evaluation added.
    void trace_term(std::size_t at, unsigned depth, std::string text);
    // "  [DNS terms 3/10, void lookups 1/2]" when a term charged the budget (trace only).
    std::string counters_note(const Counters& before) const;
    bool tracing() const { return options_.trace; }
    // The answer was sent for now: this check's to follow up. One sent ahead
    // (prefetched) was followed up by the prefetcher as it arrived.
    static bool fresh(const Answer& answer) { return answer.source == AnswerSource::sent; }
    Prefetcher* prefetcher();  // null without prefetch
    // Resolver::prefetch() of these questions, when options ask for it; the
    // ones the resolver sent are remembered for the accounting of lookup().
    void prefetch(std::vector<Question> questions);

private:
    std::variant<FetchedRecord, Outcome> fetch_record(const std::string& domain, unsigned depth);
    // Counts a lookup's answer as a query or a hit (budget.hpp); names its source for the trace.
    void account(const Question& question, const Answer& answer, std::string& source);
    Outcome evaluate_record(const ast::Record& record, const std::string& domain, unsigned depth, bool in_include);
    Outcome follow_redirect(const ast::Redirect& redirect, const std::string& domain, unsigned depth, bool in_include);
    std::string explain(const ast::Record& record, const std::string& domain, unsigned depth);
    std::string explanation_of(const ast::Record& record, const std::string& domain, unsigned depth);
    const MacroValues& macro_values(const std::string& domain, unsigned depth);
    // The lookups the record's DNS terms will make (Prefetcher::upcoming()).
    std::vector<Question> upcoming_questions(const ast::Record& record, const std::string& domain);

    IpAddress ip_;
    std::string sender_;
    std::string local_part_;
    std::string sender_domain_;
    std::string helo_;
    Resolver& resolver_;
    const CheckOptions& options_;
    Budget budget_;
    std::optional<std::vector<std::string>> validated_names_;  // PTR work done once per check
    bool void_ptr_ = false;
    std::vector<TraceEvent> trace_;
    std::shared_ptr<Prefetcher> prefetcher_;   // with options().prefetch, made on first use
    std::optional<MacroValues> macro_values_;  // macro_values(): built on first use
    unsigned macro_depth_ = 0;
};

// "Result for a qualifier": + pass, - fail, ~ softfail, ? neutral (§4.6.2).
Result result_of(ast::Qualifier qualifier);
bool is_void(const Answer& answer);
bool same_domain(std::string_view a, std::string_view b);              // case-insensitive, trailing dots ignored
bool is_subdomain_of(std::string_view name, std::string_view domain);  // equal or below

}  // namespace spf::detail
