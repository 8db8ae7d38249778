// spf/budget.hpp: the processing limits of RFC 7208 §4.6.4, in one place.
// charge_term() is called before each DNS-querying term (include, a, mx, ptr,
// exists, redirect) and note_void() when an answer arrives empty, nowhere else.
// Reading of §4.6.4: the void limit is checked when the void answer arrives, so a
// third void lookup is a permerror even if a later term would have matched; the
// term limit is checked before the term's query, so the 11th term never queries.
#pragma once

#include "spf/check_host.hpp"
#include "spf/result.hpp"

#include <optional>
#include <string>

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
    const Counters& counters() const { return counters_; }
    const Limits& limits() const { return limits_; }

private:
    Limits limits_;
    Counters counters_;
};

}  // namespace spf::detail
