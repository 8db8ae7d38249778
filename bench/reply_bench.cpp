// bench/reply_bench.cpp: what turning a hostile DNS reply into an Answer costs.
// The reply is the one of the hardening issue: one TXT record of N one-octet
// character-strings whose joined text is a valid record. Three rows per N, in
// the same run:
//   floor   one pass over the octets (the least any decoder must do)
//   ours    answer_from_reply(), the project's decoder
//   ldns    ldns_wire2pkt(), the parser 0.1.0 used (the peer; quadratic in N)
// Peak memory is reported by the peak_rss_kb counter (ru_maxrss of the process,
// so run one N and one row at a time with --benchmark_filter to read it alone).
//   build/bench/reply_bench --benchmark_filter='ours/20000'
#include "spf/dns_name.hpp"
#include "spf/dns_reply.hpp"

#include <ldns/ldns.h>

#include <benchmark/benchmark.h>

#include <sys/resource.h>

#include <numeric>
#include <string>
#include <vector>

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes many_strings_reply(std::size_t strings) {
    Bytes reply{0x12, 0x34, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0};
    const Bytes name = std::get<Bytes>(spf::encode_name("example.com"));
    reply.insert(reply.end(), name.begin(), name.end());
    reply.insert(reply.end(), {0, 16, 0, 1});
    const std::string text = "v=spf1" + std::string(strings - 24, ' ') + "ip4:192.0.2.1 -all";
    const std::size_t rdata = 2 * text.size();
    reply.insert(reply.end(), {0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 1, 44, static_cast<std::uint8_t>(rdata >> 8),
                               static_cast<std::uint8_t>(rdata & 0xff)});
    for (char c : text) reply.insert(reply.end(), {1, static_cast<std::uint8_t>(c)});
    return reply;
}

void report_rss(benchmark::State& state) {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    state.counters["peak_rss_kb"] = static_cast<double>(usage.ru_maxrss);
    state.counters["reply_octets"] =
        static_cast<double>(many_strings_reply(static_cast<std::size_t>(state.range(0))).size());
}

void floor(benchmark::State& state) {
    const Bytes reply = many_strings_reply(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) benchmark::DoNotOptimize(std::accumulate(reply.begin(), reply.end(), 0U));
    report_rss(state);
}

void ours(benchmark::State& state) {
    const Bytes reply = many_strings_reply(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        spf::Answer answer = spf::answer_from_reply(reply, {"example.com", spf::RrType::txt}, "bench");
        if (answer.status != spf::DnsStatus::ok) state.SkipWithError("not decoded");
        benchmark::DoNotOptimize(answer);
    }
    report_rss(state);
}

void ldns(benchmark::State& state) {
    const Bytes reply = many_strings_reply(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        ldns_pkt* packet = nullptr;
        if (ldns_wire2pkt(&packet, reply.data(), reply.size()) != LDNS_STATUS_OK) state.SkipWithError("not parsed");
        ldns_pkt_free(packet);
    }
    report_rss(state);
}

BENCHMARK(floor)->Arg(1000)->Arg(5000)->Arg(20000)->Unit(benchmark::kMicrosecond);
BENCHMARK(ours)->Arg(1000)->Arg(5000)->Arg(20000)->Unit(benchmark::kMicrosecond);
BENCHMARK(ldns)->Arg(1000)->Arg(5000)->Arg(20000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
