// bench/spf_bench.cpp: Google Benchmark figures for the grammar and for
// check_host() over a warm in-memory zone (bench/provider.zone: include chains
// like those of large mail providers). Run through bench/compare.sh to get the
// same work timed for pyspf, the reference implementation, in the same run.
#include "spf/check_host.hpp"
#include "spf/grammar.hpp"
#include "spf/zone.hpp"

#include <benchmark/benchmark.h>

#include <fstream>
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

// One whole check_host() per iteration; the zone is in memory (a warm cache).
void check_host_for(benchmark::State& state, const char* client, spf::Result expected) {
    spf::ZoneResolver resolver(provider_zone());
    spf::Request request;
    request.client = *spf::IpAddress::parse(client);
    request.mail_from = "newsletter@example.com";
    request.helo = "mail.example.org";
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

}  // namespace

BENCHMARK_MAIN();
