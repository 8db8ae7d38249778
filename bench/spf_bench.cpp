// bench/spf_bench.cpp: Google Benchmark figures for the grammar and for
// check_host() over a warm in-memory zone (bench/provider.zone: include chains
// like those of large mail providers): straight from the zone, and through a
// warm spf::DnsCache in front of it, alone and from many threads sharing one
// cache. Run through bench/compare.sh to get the same work timed for pyspf
// (the reference implementation) and libspf2 in the same run.
#include "spf/check_host.hpp"
#include "spf/dns_cache.hpp"
#include "spf/grammar.hpp"
#include "spf/zone.hpp"

#include <benchmark/benchmark.h>

#include <array>
#include <fstream>
#include <memory>
#include <sstream>

namespace {

spf::Zone load_zone() {
    std::ifstream file(SPF_BENCH_ZONE);
    std::stringstream text;
    text << file.rdbuf();
    auto zone = spf::Zone::from_text(text.str());
    if (auto* error = std::get_if<std::string>(&zone)) {
        std::fprintf(stderr, "%s: %s\n", SPF_BENCH_ZONE, error->c_str());
        std::abort();
    }
    return std::get<spf::Zone>(std::move(zone));
}

const spf::Zone& provider_zone() {
    static const spf::Zone zone = load_zone();
    return zone;
}

void parse_each_record(benchmark::State& state) {
    std::vector<std::string> records;
    for (const auto& [name, entries] : provider_zone().names())
        for (const auto& record : entries)
            if (record.kind == spf::ZoneRecord::Kind::txt) {
                std::string text;
                for (const auto& piece : record.strings) text += piece;
                records.push_back(text);
            }
    std::size_t bytes = 0;
    for (auto _ : state) {
        for (const std::string& record : records) {
            auto parsed = spf::parse_record(record);
            benchmark::DoNotOptimize(parsed);
            bytes += record.size();
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * records.size()));
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(parse_each_record);

spf::Request request_from(const char* client) {
    spf::Request request;
    request.client = *spf::IpAddress::parse(client);
    request.mail_from = "newsletter@example.com";
    request.helo = "mail.example.org";
    return request;
}

// One whole check_host() per iteration; the zone is in memory (a warm cache).
void check_host_for(benchmark::State& state, const char* client, spf::Result expected) {
    spf::ZoneResolver resolver(provider_zone());
    const spf::Request request = request_from(client);
    for (auto _ : state) {
        const spf::Evaluation evaluation = spf::check_identity(request, resolver, {});
        if (evaluation.result != expected) {
            state.SkipWithError("unexpected SPF result");
            break;
        }
        benchmark::DoNotOptimize(evaluation);
    }
}

// Matches in the first netblock list: 1 MX + 2 include levels.
void check_host_pass_early(benchmark::State& state) { check_host_for(state, "74.125.1.1", spf::Result::pass); }
// Matches in the last include: most of the tree is walked.
void check_host_pass_late(benchmark::State& state) { check_host_for(state, "198.51.100.7", spf::Result::pass); }
// Matches nothing: the whole tree is walked, then -all.
void check_host_fail(benchmark::State& state) { check_host_for(state, "192.0.2.99", spf::Result::fail); }
void check_host_fail_ipv6(benchmark::State& state) { check_host_for(state, "2001:db8::99", spf::Result::fail); }
BENCHMARK(check_host_pass_early);
BENCHMARK(check_host_pass_late);
BENCHMARK(check_host_fail);
BENCHMARK(check_host_fail_ipv6);

// The same checks through a DnsCache in front of the zone, as the milter runs
// them (default CheckOptions: prefetch on). The cache is warmed by one check
// before the clock starts; the "upstream/check" counter is the cache's misses
// per timed check, the queries that would have gone to a DNS server: 0 means
// the check was answered from the cache alone.
void cached_check_for(benchmark::State& state, const char* client, spf::Result expected) {
    spf::DnsCache cache(std::make_shared<spf::ZoneResolver>(provider_zone()), spf::system_clock());
    const spf::Request request = request_from(client);
    if (spf::check_identity(request, cache, {}).result != expected) {
        state.SkipWithError("unexpected SPF result while warming the cache");
        return;
    }
    const std::uint64_t misses_warm = cache.stats().misses;
    for (auto _ : state) {
        const spf::Evaluation evaluation = spf::check_identity(request, cache, {});
        if (evaluation.result != expected) {
            state.SkipWithError("unexpected SPF result");
            break;
        }
        benchmark::DoNotOptimize(evaluation);
    }
    state.counters["upstream/check"] =
        benchmark::Counter(static_cast<double>(cache.stats().misses - misses_warm), benchmark::Counter::kAvgIterations);
}

void cached_check_pass_early(benchmark::State& state) { cached_check_for(state, "74.125.1.1", spf::Result::pass); }
void cached_check_pass_late(benchmark::State& state) { cached_check_for(state, "198.51.100.7", spf::Result::pass); }
void cached_check_fail(benchmark::State& state) { cached_check_for(state, "192.0.2.99", spf::Result::fail); }
void cached_check_fail_ipv6(benchmark::State& state) { cached_check_for(state, "2001:db8::99", spf::Result::fail); }
BENCHMARK(cached_check_pass_early);
BENCHMARK(cached_check_pass_late);
BENCHMARK(cached_check_fail);
BENCHMARK(cached_check_fail_ipv6);

// Many threads, one warm cache: each thread cycles through the four checks
// above. items_per_second is checks per second of all threads together (real
// time), so 1 vs 2 threads shows how the cache scales on two cores, and 50
// threads (a milter's sessions) what contention on its shards costs.
struct MixCase {
    const char* client;
    spf::Result expected;
};
constexpr std::array<MixCase, 4> mix = {{{"74.125.1.1", spf::Result::pass},
                                         {"198.51.100.7", spf::Result::pass},
                                         {"192.0.2.99", spf::Result::fail},
                                         {"2001:db8::99", spf::Result::fail}}};

spf::DnsCache& shared_warm_cache() {
    static spf::DnsCache cache(std::make_shared<spf::ZoneResolver>(provider_zone()), spf::system_clock());
    return cache;
}

void cached_check_mix_threads(benchmark::State& state) {
    spf::DnsCache& cache = shared_warm_cache();
    std::array<spf::Request, mix.size()> requests;
    for (std::size_t i = 0; i < mix.size(); ++i) {
        requests[i] = request_from(mix[i].client);
        // Warm (each thread, cheaply: after the first, every answer is kept).
        if (spf::check_identity(requests[i], cache, {}).result != mix[i].expected) {
            state.SkipWithError("unexpected SPF result while warming the cache");
            return;
        }
    }
    const std::uint64_t misses_warm = cache.stats().misses;
    std::size_t next = static_cast<std::size_t>(state.thread_index());
    for (auto _ : state) {
        const std::size_t i = next++ % mix.size();
        const spf::Evaluation evaluation = spf::check_identity(requests[i], cache, {});
        if (evaluation.result != mix[i].expected) {
            state.SkipWithError("unexpected SPF result");
            break;
        }
        benchmark::DoNotOptimize(evaluation);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    // Thread 0 reports the misses of all threads, per check of all threads.
    if (state.thread_index() == 0)
        state.counters["upstream/check"] = benchmark::Counter(static_cast<double>(cache.stats().misses - misses_warm),
                                                              benchmark::Counter::kAvgIterations);
}
BENCHMARK(cached_check_mix_threads)->Threads(1)->Threads(2)->Threads(50)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
