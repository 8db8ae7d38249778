// tests/fuzz/check_host.cpp: check_identity() (§4.3 + check_host(), §4) over a
// ZoneResolver whose zone the fuzzer writes.
// Input: the first line is "IP SENDER HELO [helo]" (blank-separated; a missing or
// unparsable IP is 192.0.2.1; a fourth word "helo" checks the HELO identity instead of
// MAIL FROM); the rest is zone text (spf/zone.hpp). Properties:
//   - the zone text either parses or its error names a line;
//   - the result is one of the seven of §2.6; temperror and permerror carry a reason;
//     only a fail has an explanation;
//   - the §4.6.4 counters never pass a limit by more than the one term or void lookup
//     that stops the check, and only a permerror passes one at all;
//   - the evaluation terminates with a bounded number of queries, and every query
//     the resolver saw is counted in Counters::dns_queries;
//   - through a DnsCache with prefetch, the Evaluation is the same (result, reason,
//     term, explanation, §4.6.4 counters, trace lines).
#include "spf/check_host.hpp"
#include "fuzz_check.hpp"
#include "spf/dns_cache.hpp"
#include "spf/zone.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace {

// A clock that never moves: the deadline is never reached, so every path runs to
// its end, and the fuzzer's runs are reproducible.
class FixedClock final : public spf::Clock {
public:
    std::chrono::steady_clock::time_point now() const override { return std::chrono::steady_clock::time_point{}; }
    std::int64_t unix_time() const override { return 1732500000; }
};

class CountingResolver final : public spf::Resolver {
public:
    explicit CountingResolver(spf::Zone zone) : zone_(std::move(zone)) {}
    spf::Answer resolve(const spf::Question& question, spf::Deadline deadline) override {
        ++queries;
        return zone_.resolve(question, deadline);
    }
    unsigned queries = 0;

private:
    spf::ZoneResolver zone_;
};

std::vector<std::string_view> words_of(std::string_view line) {
    std::vector<std::string_view> words;
    while (!line.empty()) {
        const std::size_t start = line.find_first_not_of(" \t\r");
        if (start == std::string_view::npos) break;
        line.remove_prefix(start);
        const std::size_t end = std::min(line.find_first_of(" \t\r"), line.size());
        words.push_back(line.substr(0, end));
        line.remove_prefix(end);
    }
    return words;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t newline = std::min(input.find('\n'), input.size());
    const std::vector<std::string_view> words = words_of(input.substr(0, newline));
    const std::string_view zone_text = input.substr(std::min(newline + 1, input.size()));

    auto zone = spf::Zone::from_text(zone_text);
    if (const auto* error = std::get_if<std::string>(&zone)) {
        fuzz::require(error->starts_with("line "), "a zone error names its line", *error);
        return 0;
    }

    spf::Request request;
    const auto client = words.empty() ? std::nullopt : spf::IpAddress::parse(words[0]);
    request.client = client ? client->unmapped() : *spf::IpAddress::parse("192.0.2.1");
    if (words.size() > 1 && words[1] != "<>") request.mail_from = std::string(words[1]);
    if (words.size() > 2) request.helo = std::string(words[2]);
    if (words.size() > 3 && words[3] == "helo") request.identity = spf::Identity::helo;

    const FixedClock clock;
    spf::CheckOptions options;
    options.clock = &clock;
    options.trace = true;
    options.default_explanation = "%{i} is not allowed to send for %{d} (%{s}, %{h}, %{r}, %{t})";
    options.receiver = "mx.example.net";
    const spf::Zone& world = std::get<spf::Zone>(zone);
    CountingResolver resolver(world);
    options.prefetch = false;
    const spf::Evaluation evaluation = spf::check_identity(request, resolver, options);
    {
        spf::DnsCache cache(std::make_shared<spf::ZoneResolver>(world), clock);
        options.prefetch = true;
        const spf::Evaluation prefetched = spf::check_identity(request, cache, options);
        const auto same_trace = [&] {
            if (prefetched.trace.size() != evaluation.trace.size()) return false;
            for (std::size_t i = 0; i < evaluation.trace.size(); ++i)
                if (prefetched.trace[i].text != evaluation.trace[i].text ||
                    prefetched.trace[i].depth != evaluation.trace[i].depth)
                    return false;
            return true;
        };
        fuzz::require(prefetched.result == evaluation.result && prefetched.reason == evaluation.reason &&
                          prefetched.matched_term == evaluation.matched_term &&
                          prefetched.explanation == evaluation.explanation &&
                          prefetched.counters.dns_terms == evaluation.counters.dns_terms &&
                          prefetched.counters.void_lookups == evaluation.counters.void_lookups && same_trace(),
                      "a cache with prefetch changes nothing but when answers arrive", evaluation.reason,
                      prefetched.reason);
    }

    const spf::Limits& limits = options.limits;
    const spf::Counters& counters = evaluation.counters;
    fuzz::require(static_cast<unsigned>(evaluation.result) <= static_cast<unsigned>(spf::Result::permerror),
                  "the result is one of the seven of §2.6");
    fuzz::require(counters.dns_terms <= limits.max_dns_terms + 1, "at most one DNS term past the limit",
                  evaluation.reason);
    fuzz::require(counters.void_lookups <= limits.max_void_lookups + 1, "at most one void lookup past the limit",
                  evaluation.reason);
    if (evaluation.result != spf::Result::permerror) {
        fuzz::require(counters.dns_terms <= limits.max_dns_terms, "past the term limit only with permerror",
                      evaluation.reason);
        fuzz::require(counters.void_lookups <= limits.max_void_lookups, "past the void limit only with permerror",
                      evaluation.reason);
    }
    if (evaluation.result == spf::Result::temperror || evaluation.result == spf::Result::permerror)
        fuzz::require(!evaluation.reason.empty(), "an error result has a reason");
    if (evaluation.result != spf::Result::fail)
        fuzz::require(evaluation.explanation.empty(), "only a fail is explained", evaluation.explanation);
    fuzz::require(resolver.queries == counters.dns_queries, "every query is counted in dns_queries",
                  std::to_string(resolver.queries), std::to_string(counters.dns_queries));
    // The record lookup, the queried terms (each at most one query plus one per MX
    // name), the PTR work done once per check (one PTR plus one per name) and exp=.
    const unsigned names = limits.max_names_per_lookup;
    const unsigned max_queries = 1 + limits.max_dns_terms * (1 + names) + (1 + names) + 1;
    fuzz::require(resolver.queries <= max_queries, "a bounded number of queries", std::to_string(resolver.queries));
    return 0;
}
