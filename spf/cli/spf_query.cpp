// spf/cli/spf_query.cpp: spf-query, SPF evaluation from the command line.
//   spf-query --ip 192.0.2.1 --sender user@example.com --helo mail.example.com
//             [--identity mailfrom|helo] [--dns-server HOST[:PORT]]... [--timeout SECONDS]
//             [--query-timeout SECONDS] [--receiver NAME] [--no-cache] [--no-prefetch]
//             [--trace] [--json]
// The first word on stdout is the result; the exit status says it too (see usage).
#include "spf/check_host.hpp"
#include "spf/cli/trace_format.hpp"
#include "spf/dns_cache.hpp"
#include "spf/ldns_resolver.hpp"

#include <charconv>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace spf;

constexpr const char* usage_line =
    "usage: spf-query --ip ADDRESS --sender ADDRESS --helo NAME [--identity mailfrom|helo]\n"
    "                 [--dns-server HOST[:PORT]]... [--timeout SECONDS]\n"
    "                 [--query-timeout SECONDS] [--receiver NAME] [--no-cache]\n"
    "                 [--no-prefetch] [--trace] [--json]\n";

constexpr const char* help_text =
    "Evaluates the SPF policy (RFC 7208) of a sender for a client address.\n"
    "\n"
    "  --ip ADDRESS          the SMTP client's IPv4 or IPv6 address\n"
    "  --sender ADDRESS      the MAIL FROM address; '' is the null sender, for which\n"
    "                        postmaster@HELO is checked (RFC 7208 section 2.4)\n"
    "  --helo NAME           the HELO/EHLO name given by the client\n"
    "  --identity ID         mailfrom (default) or helo (RFC 7208 section 2.3)\n"
    "  --dns-server S        ask this server (HOST, HOST:PORT, [IPV6]:PORT) instead of the\n"
    "                        servers of /etc/resolv.conf; may be repeated\n"
    "  --timeout SECONDS     time allowed for all DNS lookups of the check (default 20)\n"
    "  --query-timeout SECONDS\n"
    "                        time to wait for one server before asking the next (default:\n"
    "                        options timeout:N of /etc/resolv.conf when its servers are\n"
    "                        used, else 5)\n"
    "  --receiver NAME       this host's name, for %{r} in explanations (default unknown)\n"
    "  --no-cache            ask every question, even one asked before in this check\n"
    "  --no-prefetch         ask each lookup only when its term is reached\n"
    "  --trace               show every term, DNS query and answer, and the counters\n"
    "  --json                print the evaluation as one JSON object\n"
    "\n"
    "Exit status: 0 pass, 1 fail, 2 softfail, 3 neutral, 4 none, 5 temperror,\n"
    "6 permerror, 64 bad arguments, 69 no DNS server could be configured.\n";

struct Arguments {
    std::optional<std::string> ip, sender, helo;
    Identity identity = Identity::mailfrom;
    std::vector<DnsServer> servers;
    double timeout_seconds = 20;
    std::optional<double> query_timeout_seconds;
    std::string receiver = "unknown";
    bool trace = false;
    bool json = false;
    bool cache = true;
    bool prefetch = true;
};

int usage_error(const std::string& message) {
    std::cerr << "spf-query: " << message << "\n" << usage_line;
    return 64;
}

int exit_status(Result result) {
    switch (result) {
        case Result::pass: return 0;
        case Result::fail: return 1;
        case Result::softfail: return 2;
        case Result::neutral: return 3;
        case Result::none: return 4;
        case Result::temperror: return 5;
        case Result::permerror: return 6;
    }
    return 6;
}

// Returns an exit status when the program should stop now.
std::optional<int> parse(int argc, char** argv, Arguments& arguments) {
    for (int i = 1; i < argc; ++i) {
        const std::string option = argv[i];
        if (option == "--help" || option == "-h") {
            std::cout << usage_line << "\n" << help_text;
            return 0;
        }
        if (option == "--trace") {
            arguments.trace = true;
            continue;
        }
        if (option == "--json") {
            arguments.json = true;
            continue;
        }
        if (option == "--no-cache") {
            arguments.cache = false;
            continue;
        }
        if (option == "--no-prefetch") {
            arguments.prefetch = false;
            continue;
        }
        if (i + 1 >= argc) return usage_error("option " + option + " needs a value");
        const std::string value = argv[++i];
        if (option == "--ip") {
            arguments.ip = value;
        } else if (option == "--sender") {
            arguments.sender = value;
        } else if (option == "--helo") {
            arguments.helo = value;
        } else if (option == "--identity") {
            if (value != "mailfrom" && value != "helo") return usage_error("--identity is mailfrom or helo");
            arguments.identity = value == "helo" ? Identity::helo : Identity::mailfrom;
        } else if (option == "--receiver") {
            arguments.receiver = value;
        } else if (option == "--dns-server") {
            auto server = parse_dns_server(value);
            if (auto* error = std::get_if<std::string>(&server)) return usage_error("--dns-server: " + *error);
            arguments.servers.push_back(std::get<DnsServer>(server));
        } else if (option == "--timeout") {
            const auto [end, error] =
                std::from_chars(value.data(), value.data() + value.size(), arguments.timeout_seconds);
            if (error != std::errc{} || end != value.data() + value.size() || arguments.timeout_seconds <= 0 ||
                arguments.timeout_seconds > 3600)
                return usage_error("--timeout takes a number of seconds between 0 and 3600, not '" + value + "'");
        } else if (option == "--query-timeout") {
            double seconds = 0;
            const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
            if (error != std::errc{} || end != value.data() + value.size() || seconds < 0.001 || seconds > 60)
                return usage_error("--query-timeout takes a number of seconds from 0.001 to 60, not '" + value + "'");
            arguments.query_timeout_seconds = seconds;
        } else {
            return usage_error("unknown option " + option);
        }
    }
    if (!arguments.ip) return usage_error("--ip is required");
    if (!arguments.sender && arguments.identity == Identity::mailfrom)
        return usage_error("--sender is required (use --sender '' for the null sender)");
    if (!arguments.helo) return usage_error("--helo is required");
    if (!IpAddress::parse(*arguments.ip)) return usage_error("--ip: '" + *arguments.ip + "' is not an IP address");
    return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
    Arguments arguments;
    if (auto status = parse(argc, argv, arguments)) return *status;

    const auto budget = std::chrono::milliseconds(static_cast<std::int64_t>(arguments.timeout_seconds * 1000));
    LdnsOptions ldns_options;
    ldns_options.servers = arguments.servers;
    // Each attempt also ends at the check's deadline: only the per-server wait is set here.
    if (arguments.query_timeout_seconds)
        ldns_options.query_timeout =
            std::chrono::milliseconds(static_cast<std::int64_t>(*arguments.query_timeout_seconds * 1000));
    auto created = LdnsResolver::create(ldns_options);
    if (auto* error = std::get_if<std::string>(&created)) {
        std::cerr << "spf-query: " << *error << "\n";
        return 69;
    }
    // The daemon's stack: a cache in front, for single-flight and prefetch
    // within the check (the same name asked twice is asked once).
    std::shared_ptr<Resolver> upstream = std::move(std::get<std::unique_ptr<LdnsResolver>>(created));
    CacheOptions cache_options;
    cache_options.prefetch_threads = arguments.prefetch ? cache_options.prefetch_threads : 0;
    std::optional<DnsCache> cache;
    if (arguments.cache) cache.emplace(upstream, system_clock(), cache_options);
    Resolver& resolver = cache ? static_cast<Resolver&>(*cache) : *upstream;

    CheckOptions options;
    options.trace = arguments.trace;
    options.prefetch = arguments.prefetch;
    options.receiver = arguments.receiver;
    options.deadline = std::chrono::steady_clock::now() + budget;
    Request request;
    request.identity = arguments.identity;
    request.client = *IpAddress::parse(*arguments.ip);
    request.mail_from = arguments.sender.value_or("");
    request.helo = *arguments.helo;
    const Evaluation evaluation = check_identity(request, resolver, options);

    if (arguments.json) {
        std::cout << cli::format_json(evaluation);
    } else {
        std::cout << cli::format_summary(evaluation, options.limits);
        if (arguments.trace) std::cout << "trace:\n" << cli::format_trace(evaluation);
    }
    return exit_status(evaluation.result);
}
