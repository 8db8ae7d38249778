// milter/metrics.hpp: the daemon's counters, gauges and histograms, and their
// Prometheus text exposition (format 0.0.4). Every series is written from the
// start, at 0, so that rate() and alerts work before the first event of a kind.
// Counting is lock-free (relaxed atomics): the callbacks and the resolver's
// threads count as they go; render() reads a consistent-enough snapshot.
// The names follow Prometheus' conventions: spf_milter_ prefix, _total for
// counters, base units (_seconds) in the name.
#pragma once

#include "milter/config.hpp"
#include "milter/policy.hpp"
#include "spf/dns_cache.hpp"
#include "spf/ldns_resolver.hpp"
#include "spf/resolver.hpp"
#include "spf/result.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace milter {

// Cumulative buckets of durations, Prometheus style ("le" upper bounds).
class Histogram {
public:
    explicit Histogram(std::span<const double> upper_bounds_seconds);
    void observe(std::chrono::microseconds duration);
    // The exposition lines for metric name (with _bucket, _sum, _count).
    std::string render(std::string_view name) const;

private:
    std::span<const double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // non-cumulative, one more than bounds_ (+Inf)
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> sum_microseconds_{0};
};

// What is read from elsewhere at render time.
struct MetricsGauges {
    std::uint64_t sessions_open = 0;
    std::uint64_t generation = 0;
    spf::CacheStats cache_stats;
};

class Metrics final : public spf::QueryObserver {
public:
    Metrics();

    void checked(spf::Identity identity, spf::Result result);
    void check_took(std::chrono::microseconds duration);  // both identities of one transaction
    void acted(RejectStage stage, Action action);
    void skipped(SkipReason reason);
    void forged_result_removed();
    void reloaded(bool ok);
    void internal_error();
    void answered(spf::RrType type, spf::DnsStatus status, std::chrono::microseconds elapsed, bool tcp) override;

    std::string render(const MetricsGauges& gauges) const;

private:
    static constexpr std::size_t identities = 2, results = 7, stages = 2, actions = 3, skip_reasons = 7, types = 5,
                                 statuses = 5;
    std::array<std::atomic<std::uint64_t>, identities * results> checks_{};
    std::array<std::atomic<std::uint64_t>, stages * actions> actions_{};
    std::array<std::atomic<std::uint64_t>, skip_reasons> skips_{};
    std::array<std::atomic<std::uint64_t>, types * statuses> queries_{};
    std::array<std::atomic<std::uint64_t>, types> tcp_fallbacks_{};
    std::atomic<std::uint64_t> forged_removed_{0};
    std::array<std::atomic<std::uint64_t>, 2> reloads_{};  // failed, ok
    std::atomic<std::uint64_t> internal_errors_{0};
    Histogram check_duration_;
    Histogram query_duration_;
};

// The process's metrics: counted by the callbacks, the policy and the resolver
// whether or not anyone reads them (a few atomic adds a message).
Metrics& metrics();

// A shared_ptr that does not own the process's metrics, for LdnsOptions::observer.
std::shared_ptr<spf::QueryObserver> metrics_observer();

}  // namespace milter
