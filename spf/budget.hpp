// spf/budget.hpp: the processing limits of RFC 7208 §4.6.4, and the check's own
// time budget, in one place.
// charge_term() is called before each DNS-querying term (include, a, mx, ptr,
// exists, redirect) and note_void() when an answer arrives empty, nowhere else.
// Reading of §4.6.4: the void limit is checked when the void answer arrives, so a
// third void lookup is a permerror even if a later term would have matched; the
// term limit is checked before the term's query, so the 11th term never queries.
//
// The time budget (CheckOptions::deadline) is ours, not the RFC's. A lookup that
// meets it is noted by Evaluator::lookup(); from then on the check cannot learn
// what it would need, so it ends with temperror wherever it is, even in the
// places where the RFC ignores a DNS error (§5.5: a ptr name whose address
// lookup fails is skipped). A DNS server that times out while time is left is
// a DNS error like any other. Only exp= ignores the budget too (§6.2).
#pragma once

#include "spf/check_host.hpp"
#include "spf/result.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace spf::detail {

// A result that ends check_host() at once (temperror or permerror), with its reason.
struct Stop {
    Result result;
    std::string reason;
};

class Budget {
public:
    explicit Budget(const Limits& limits) : limits_(limits) {}

    // The reasons name no term: the caller, who knows it, appends " at TERM".
    std::optional<Stop> charge_term() {
        if (++counters_.dns_terms > limits_.max_dns_terms)
            return Stop{Result::permerror, "DNS lookup limit exceeded (more than " +
                                               std::to_string(limits_.max_dns_terms) + " DNS-querying terms)"};
        return std::nullopt;
    }

    std::optional<Stop> note_void() {
        if (++counters_.void_lookups > limits_.max_void_lookups)
            return Stop{Result::permerror, "void lookup limit exceeded (more than " +
                                               std::to_string(limits_.max_void_lookups) + " lookups found nothing)"};
        return std::nullopt;
    }

    void note_query() { ++counters_.dns_queries; }
    void note_cache_hit() { ++counters_.cache_hits; }
    void note_prefetch_unused(unsigned count) { counters_.prefetch_unused += count; }
    const Counters& counters() const { return counters_; }
    const Limits& limits() const { return limits_; }

    static constexpr std::string_view time_exhausted_reason = "time budget of the check exhausted";
    void note_time_exhausted() { time_exhausted_ = true; }
    bool time_exhausted() const { return time_exhausted_; }
    std::optional<Stop> time_stop() const {
        if (!time_exhausted_) return std::nullopt;
        return Stop{Result::temperror, std::string(time_exhausted_reason)};
    }
    // exp= only: a budget spent on the explanation leaves the fail standing (§6.2).
    void forgive_time_exhausted() { time_exhausted_ = false; }

private:
    Limits limits_;
    Counters counters_;
    bool time_exhausted_ = false;
};

}  // namespace spf::detail
