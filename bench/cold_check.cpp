// bench/cold_check.cpp: the latency of one cold SPF check, HELO and MAIL FROM
// together as the milter does them (the two identities at the same time), over
// real DNS (LdnsResolver) from a given server. Run by bench/cold_latency.sh
// against spf-test-dns with a delay on every reply.
//   cold_check --server 127.0.0.1:PORT --ip IP --helo NAME --from ADDR [--runs N]
// For each way of resolving (a DnsCache with prefetch, a DnsCache without
// prefetch, no cache at all) it times N checks, each with a new, empty cache,
// and prints one JSON object: per way the median and the fastest run in ms, the
// DNS queries the two evaluations counted, and the two results.
#include "spf/check_host.hpp"
#include "spf/dns_cache.hpp"
#include "spf/ldns_resolver.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace {

struct Arguments {
    std::string server;
    std::string ip;
    std::string helo;
    std::string mail_from;
    unsigned runs = 20;
};

std::optional<Arguments> parse_arguments(int argc, char** argv) {
    Arguments arguments;
    bool from_given = false;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view option = argv[i];
        const std::string value = argv[i + 1];
        if (option == "--server")
            arguments.server = value;
        else if (option == "--ip")
            arguments.ip = value;
        else if (option == "--helo")
            arguments.helo = value;
        else if (option == "--from") {
            arguments.mail_from = value;
            from_given = true;
        } else if (option == "--runs") {
            arguments.runs = static_cast<unsigned>(std::stoul(value));
        } else {
            return std::nullopt;
        }
    }
    if (argc % 2 == 0 || arguments.server.empty() || arguments.ip.empty() || arguments.helo.empty() || !from_given ||
        arguments.runs == 0)
        return std::nullopt;
    return arguments;
}

// The resolver behind the cache, counting every question that goes out: what
// prefetch costs in queries, beside what the evaluations counted as used.
class CountingResolver final : public spf::Resolver {
public:
    explicit CountingResolver(std::shared_ptr<spf::Resolver> inner) : inner_(std::move(inner)) {}
    spf::Answer resolve(const spf::Question& question, spf::Deadline deadline) override {
        sent_.fetch_add(1);
        return inner_->resolve(question, deadline);
    }
    void resolve_each(std::span<const spf::Question> questions, spf::Deadline deadline,
                      const AnswerSink& sink) override {
        sent_.fetch_add(static_cast<unsigned>(questions.size()));
        inner_->resolve_each(questions, deadline, sink);
    }
    unsigned take() { return sent_.exchange(0); }

private:
    std::shared_ptr<spf::Resolver> inner_;
    std::atomic<unsigned> sent_{0};
};

struct Way {
    const char* name;
    bool cache;
    bool prefetch;
};
constexpr Way ways[] = {
    {"cache_prefetch", true, true},
    {"cache_no_prefetch", true, false},
    {"no_cache", false, false},
};

struct Run {
    double ms = 0;
    unsigned queries = 0;  // counted by the evaluations as used
    unsigned sent = 0;     // reached the DNS server, prefetches nobody needed included
    spf::Result helo = spf::Result::none;
    spf::Result mailfrom = spf::Result::none;
};

// One check of both identities. The cache is made before the clock starts and
// dropped after it stops (its destructor waits for prefetches nobody needed).
Run run_once(const Way& way, const std::shared_ptr<CountingResolver>& upstream, const spf::Request& helo,
             const spf::Request& mailfrom) {
    std::unique_ptr<spf::DnsCache> cache;
    if (way.cache) cache = std::make_unique<spf::DnsCache>(upstream, spf::system_clock());
    spf::Resolver& resolver = cache ? static_cast<spf::Resolver&>(*cache) : *upstream;
    spf::CheckOptions options;
    options.prefetch = way.prefetch;

    const auto started = std::chrono::steady_clock::now();
    options.deadline = started + std::chrono::seconds(20);
    auto helo_check = std::async(std::launch::async, [&] { return spf::check_identity(helo, resolver, options); });
    const spf::Evaluation mail_evaluation = spf::check_identity(mailfrom, resolver, options);
    const spf::Evaluation helo_evaluation = helo_check.get();
    const auto finished = std::chrono::steady_clock::now();

    cache.reset();  // its prefetches finish: all they sent is counted
    Run run;
    run.sent = upstream->take();
    run.ms = std::chrono::duration<double, std::milli>(finished - started).count();
    run.queries = helo_evaluation.counters.dns_queries + mail_evaluation.counters.dns_queries;
    run.helo = helo_evaluation.result;
    run.mailfrom = mail_evaluation.result;
    return run;
}

}  // namespace

int main(int argc, char** argv) {
    const auto arguments = parse_arguments(argc, argv);
    if (!arguments) {
        std::fputs("usage: cold_check --server HOST:PORT --ip IP --helo NAME --from ADDR [--runs N]\n", stderr);
        return 2;
    }
    const auto server = spf::parse_dns_server(arguments->server);
    const auto client = spf::IpAddress::parse(arguments->ip);
    if (std::holds_alternative<std::string>(server) || !client) {
        std::fputs("cold_check: bad --server or --ip\n", stderr);
        return 2;
    }
    spf::LdnsOptions ldns;
    ldns.servers = {std::get<spf::DnsServer>(server)};
    auto created = spf::LdnsResolver::create(ldns);
    if (auto* error = std::get_if<std::string>(&created)) {
        std::fprintf(stderr, "cold_check: %s\n", error->c_str());
        return 1;
    }
    const auto upstream = std::make_shared<CountingResolver>(
        std::shared_ptr<spf::Resolver>(std::move(std::get<std::unique_ptr<spf::LdnsResolver>>(created))));

    spf::Request helo{spf::Identity::helo, *client, arguments->mail_from, arguments->helo};
    spf::Request mailfrom{spf::Identity::mailfrom, *client, arguments->mail_from, arguments->helo};

    std::string json = "{";
    for (const Way& way : ways) {
        std::vector<Run> runs;
        for (unsigned i = 0; i < arguments->runs; ++i) runs.push_back(run_once(way, upstream, helo, mailfrom));
        std::vector<double> times;
        bool same_results = true;  // a run that differs (a lost datagram: temperror) shows as "mixed"
        for (const Run& run : runs) {
            times.push_back(run.ms);
            same_results = same_results && run.helo == runs.front().helo && run.mailfrom == runs.front().mailfrom;
        }
        std::sort(times.begin(), times.end());
        const double median = times.size() % 2 == 1 ? times[times.size() / 2]
                                                    : (times[times.size() / 2 - 1] + times[times.size() / 2]) / 2;
        const auto result = [&](spf::Result value) {
            return "\"" + (same_results ? std::string(spf::to_string(value)) : std::string("mixed")) + "\"";
        };
        char figures[128];
        std::snprintf(figures, sizeof figures, "\"median_ms\":%.2f,\"min_ms\":%.2f,\"queries\":%u,\"sent\":%u", median,
                      times.front(), runs.front().queries, runs.front().sent);
        json += std::string(json.size() > 1 ? "," : "") + "\"" + way.name + "\":{" + figures +
                ",\"helo\":" + result(runs.front().helo) + ",\"mailfrom\":" + result(runs.front().mailfrom) + "}";
    }
    std::printf("%s}\n", json.c_str());
    return 0;
}
