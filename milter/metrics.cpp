// milter/metrics.cpp: see metrics.hpp.
#include "milter/metrics.hpp"

#include <cstdio>

namespace milter {

namespace {

// Check latency: from a few microseconds (all answers cached) to the
// check_timeout range (a server that does not answer).
constexpr std::array<double, 18> check_bounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                 0.1,    0.25,    0.5,    1,     2.5,    5,     10,   20,    30};
// One DNS query: loopback resolvers answer in tens of microseconds, the
// Internet in tens of milliseconds, a lost packet at the query timeout.
constexpr std::array<double, 14> query_bounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                 0.025,  0.05,    0.1,    0.25,  0.5,    1,     5};

constexpr std::array<spf::Identity, 2> all_identities = {spf::Identity::helo, spf::Identity::mailfrom};
constexpr std::array<spf::Result, 7> all_results = {spf::Result::pass,     spf::Result::fail, spf::Result::softfail,
                                                    spf::Result::neutral,  spf::Result::none, spf::Result::temperror,
                                                    spf::Result::permerror};
constexpr std::array<RejectStage, 2> all_stages = {RejectStage::mail, RejectStage::rcpt};
constexpr std::array<Action, 3> all_actions = {Action::accept, Action::reject, Action::tempfail};
constexpr std::array<SkipReason, 6> all_skips = {SkipReason::local,         SkipReason::trusted_network,
                                                 SkipReason::skip_network,  SkipReason::authenticated,
                                                 SkipReason::sender_domain, SkipReason::trusted_forwarder};
constexpr std::array<spf::RrType, 5> all_types = {spf::RrType::txt, spf::RrType::a, spf::RrType::aaaa, spf::RrType::mx,
                                                  spf::RrType::ptr};
constexpr std::array<spf::DnsStatus, 5> all_statuses = {spf::DnsStatus::ok, spf::DnsStatus::nxdomain,
                                                        spf::DnsStatus::no_data, spf::DnsStatus::server_failure,
                                                        spf::DnsStatus::timeout};

template <typename T, std::size_t N>
std::size_t index_of(const std::array<T, N>& all, T value) {
    for (std::size_t i = 0; i < N; ++i)
        if (all[i] == value) return i;
    return 0;
}

std::string_view label_of(spf::DnsStatus status) {
    switch (status) {
        case spf::DnsStatus::ok: return "ok";
        case spf::DnsStatus::nxdomain: return "nxdomain";
        case spf::DnsStatus::no_data: return "no_data";
        case spf::DnsStatus::server_failure: return "servfail";
        case spf::DnsStatus::timeout: return "timeout";
    }
    return "servfail";
}

std::string type_label(spf::RrType type) {
    std::string text(spf::to_string(type));
    for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return text;
}

void add(std::atomic<std::uint64_t>& counter, std::uint64_t amount = 1) {
    counter.fetch_add(amount, std::memory_order_relaxed);
}

std::uint64_t read(const std::atomic<std::uint64_t>& counter) { return counter.load(std::memory_order_relaxed); }

std::string seconds_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void sample(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value) {
    out += name;
    if (!labels.empty()) {
        out += '{';
        out += labels;
        out += '}';
    }
    out += ' ';
    out += std::to_string(value);
    out += '\n';
}

}  // namespace

Histogram::Histogram(std::span<const double> upper_bounds_seconds)
    : bounds_(upper_bounds_seconds),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(upper_bounds_seconds.size() + 1)) {}

void Histogram::observe(std::chrono::microseconds duration) {
    const double seconds = static_cast<double>(duration.count()) / 1e6;
    std::size_t bucket = 0;
    while (bucket < bounds_.size() && seconds > bounds_[bucket]) ++bucket;
    add(buckets_[bucket]);
    add(count_);
    add(sum_microseconds_, static_cast<std::uint64_t>(duration.count() < 0 ? 0 : duration.count()));
}

std::string Histogram::render(std::string_view name) const {
    std::string out;
    std::uint64_t cumulative = 0;
    const std::string bucket = std::string(name) + "_bucket";
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        cumulative += read(buckets_[i]);
        sample(out, bucket, "le=\"" + seconds_text(bounds_[i]) + "\"", cumulative);
    }
    cumulative += read(buckets_[bounds_.size()]);
    // The +Inf bucket and _count are one snapshot: equal even while others count.
    sample(out, bucket, "le=\"+Inf\"", cumulative);
    out += std::string(name) + "_sum " + seconds_text(static_cast<double>(read(sum_microseconds_)) / 1e6) + "\n";
    sample(out, std::string(name) + "_count", "", cumulative);
    return out;
}

Metrics::Metrics() : check_duration_(check_bounds), query_duration_(query_bounds) {}

void Metrics::checked(spf::Identity identity, spf::Result result) {
    add(checks_[index_of(all_identities, identity) * results + index_of(all_results, result)]);
}

void Metrics::check_took(std::chrono::microseconds duration) { check_duration_.observe(duration); }

void Metrics::acted(RejectStage stage, Action action) {
    add(actions_[index_of(all_stages, stage) * actions + index_of(all_actions, action)]);
}

void Metrics::skipped(SkipReason reason) {
    if (reason != SkipReason::none) add(skips_[index_of(all_skips, reason)]);
}

void Metrics::forged_result_removed() { add(forged_removed_); }

void Metrics::reloaded(bool ok) { add(reloads_[ok ? 1 : 0]); }

void Metrics::internal_error() { add(internal_errors_); }

void Metrics::answered(spf::RrType type, spf::DnsStatus status, std::chrono::microseconds elapsed, bool tcp) {
    const std::size_t t = index_of(all_types, type);
    add(queries_[t * statuses + index_of(all_statuses, status)]);
    if (tcp) add(tcp_fallbacks_[t]);
    query_duration_.observe(elapsed);
}

std::string Metrics::render(const MetricsGauges& gauges) const {
    std::string out;
    out.reserve(8192);
    header(out, "spf_milter_checks_total", "counter", "SPF evaluations, by identity and result.");
    for (std::size_t i = 0; i < identities; ++i)
        for (std::size_t r = 0; r < results; ++r)
            sample(out, "spf_milter_checks_total",
                   std::string("identity=\"") + (all_identities[i] == spf::Identity::helo ? "helo" : "mailfrom") +
                       "\",result=\"" + std::string(spf::to_string(all_results[r])) + "\"",
                   read(checks_[i * results + r]));
    header(out, "spf_milter_actions_total", "counter",
           "What the MTA was told: stage mail, each transaction's answer to MAIL FROM (accept when reject_at = rcpt "
           "leaves the refusal to RCPT TO); stage rcpt, each recipient's answer when reject_at = rcpt refuses.");
    for (std::size_t s = 0; s < stages; ++s)
        for (std::size_t a = 0; a < actions; ++a)
            sample(out, "spf_milter_actions_total",
                   "stage=\"" + std::string(to_string(all_stages[s])) + "\",action=\"" +
                       std::string(to_string(all_actions[a])) + "\"",
                   read(actions_[s * actions + a]));
    header(out, "spf_milter_skips_total", "counter", "Transactions not checked, by reason.");
    for (std::size_t k = 0; k < all_skips.size(); ++k) {
        std::string reason(to_string(all_skips[k]));
        for (char& c : reason) c = c == '-' ? '_' : c;
        sample(out, "spf_milter_skips_total", "reason=\"" + reason + "\"", read(skips_[k]));
    }
    header(out, "spf_milter_forged_results_removed_total", "counter",
           "Incoming Authentication-Results fields that claimed our authserv-id, removed.");
    sample(out, "spf_milter_forged_results_removed_total", "", read(forged_removed_));
    header(out, "spf_milter_dns_queries_total", "counter", "DNS questions sent upstream, by type and outcome.");
    for (std::size_t t = 0; t < types; ++t)
        for (std::size_t s = 0; s < statuses; ++s)
            sample(
                out, "spf_milter_dns_queries_total",
                "type=\"" + type_label(all_types[t]) + "\",outcome=\"" + std::string(label_of(all_statuses[s])) + "\"",
                read(queries_[t * statuses + s]));
    header(out, "spf_milter_dns_tcp_fallbacks_total", "counter",
           "DNS questions whose truncated UDP reply was asked again over TCP, by type.");
    for (std::size_t t = 0; t < types; ++t)
        sample(out, "spf_milter_dns_tcp_fallbacks_total", "type=\"" + type_label(all_types[t]) + "\"",
               read(tcp_fallbacks_[t]));
    header(out, "spf_milter_dns_query_duration_seconds", "histogram",
           "Time from the first query sent to the answer, per DNS question sent upstream.");
    out += query_duration_.render("spf_milter_dns_query_duration_seconds");
    header(out, "spf_milter_check_duration_seconds", "histogram",
           "Time of the SPF checks of one transaction (HELO and MAIL FROM together).");
    out += check_duration_.render("spf_milter_check_duration_seconds");
    const spf::CacheStats& cache = gauges.cache_stats;
    header(out, "spf_milter_dns_cache_hits_total", "counter",
           "Questions answered from the DNS cache (restarts at 0 when a reload replaces the cache).");
    sample(out, "spf_milter_dns_cache_hits_total", "", cache.hits);
    header(out, "spf_milter_dns_cache_misses_total", "counter", "Questions the DNS cache sent upstream.");
    sample(out, "spf_milter_dns_cache_misses_total", "", cache.misses);
    header(out, "spf_milter_dns_cache_coalesced_total", "counter",
           "Questions that waited for the same question already sent by another check.");
    sample(out, "spf_milter_dns_cache_coalesced_total", "", cache.coalesced);
    header(out, "spf_milter_dns_cache_evictions_total", "counter",
           "Answers dropped from the DNS cache for room before their TTL ran out.");
    sample(out, "spf_milter_dns_cache_evictions_total", "", cache.evictions);
    header(out, "spf_milter_dns_cache_entries", "gauge", "Answers held by the DNS cache.");
    sample(out, "spf_milter_dns_cache_entries", "", cache.entries);
    header(out, "spf_milter_reloads_total", "counter", "Configuration reloads, by outcome.");
    sample(out, "spf_milter_reloads_total", "outcome=\"ok\"", read(reloads_[1]));
    sample(out, "spf_milter_reloads_total", "outcome=\"failed\"", read(reloads_[0]));
    header(out, "spf_milter_internal_errors_total", "counter",
           "Callbacks that failed inside the milter (the message was tempfailed); see the log.");
    sample(out, "spf_milter_internal_errors_total", "", read(internal_errors_));
    header(out, "spf_milter_sessions_open", "gauge", "Milter sessions (MTA connections) open now.");
    sample(out, "spf_milter_sessions_open", "", gauges.sessions_open);
    header(out, "spf_milter_config_generation", "gauge",
           "Generation of the configuration running: 1 at start, one more at each reload that succeeded.");
    sample(out, "spf_milter_config_generation", "", gauges.generation);
    return out;
}

// Never destroyed: libmilter's workers and the prefetch threads may still
// count while exit() runs the destructors of statics.
Metrics& metrics() {
    static Metrics& instance = *new Metrics;
    return instance;
}

std::shared_ptr<spf::QueryObserver> metrics_observer() {
    return std::shared_ptr<spf::QueryObserver>(&metrics(), [](spf::QueryObserver*) {});
}

}  // namespace milter
