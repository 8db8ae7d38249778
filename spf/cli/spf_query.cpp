// spf/cli/spf_query.cpp: spf-query, SPF evaluation from the command line.
//   spf-query --ip 192.0.2.1 --sender user@example.com --helo mail.example.com
//             [--identity mailfrom|helo] [--dns-server HOST[:PORT]... | --zone FILE]
//             [--timeout SECONDS] [--query-timeout SECONDS] [--receiver NAME]
//             [--no-cache] [--no-prefetch] [--trace] [--json]
//   spf-query -h|--help, -V|--version
// Arguments follow spf/cli/arguments.hpp, as spf-milter's do. The first word on
// stdout is the result; the exit status says it too (see usage).
#include "spf/check_host.hpp"
#include "spf/cli/arguments.hpp"
#include "spf/cli/trace_format.hpp"
#include "spf/cli/zone_file.hpp"
#include "spf/dns_cache.hpp"
#include "spf/ldns_resolver.hpp"
#include "spf/zone.hpp"

#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace spf;

constexpr int exit_usage = 64;   // EX_USAGE: bad arguments, or a zone file that cannot be used
constexpr int exit_no_dns = 69;  // EX_UNAVAILABLE: no DNS server could be configured

constexpr const char* usage_line =
    "usage: spf-query --ip ADDRESS --sender ADDRESS --helo NAME [--identity mailfrom|helo]\n"
    "                 [--dns-server HOST[:PORT]... | --zone FILE] [--timeout SECONDS]\n"
    "                 [--query-timeout SECONDS] [--receiver NAME] [--no-cache]\n"
    "                 [--no-prefetch] [--trace] [--json]\n"
    "       spf-query -h|--help | -V|--version\n";

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
    "  --zone FILE           answer from this zone file instead of DNS (see spf-query(1),\n"
    "                        ZONE FILES); a name not in it does not exist\n"
    "  --timeout SECONDS     time allowed for all DNS lookups of the check, more than 0\n"
    "                        and at most 3600 (default 20)\n"
    "  --query-timeout SECONDS\n"
    "                        time to wait for one server before asking the next, from\n"
    "                        0.001 to 60 (default: options timeout:N of /etc/resolv.conf\n"
    "                        when its servers are used, else 5)\n"
    "  --receiver NAME       this host's name, for %{r} in explanations (default unknown)\n"
    "  --no-cache            ask every question, even one asked before in this check\n"
    "  --no-prefetch         ask each lookup only when its term is reached\n"
    "  --trace               show every term, DNS query and answer, and the counters\n"
    "  --json                print the evaluation as one JSON object\n"
    "  -h, --help            print this text\n"
    "  -V, --version         print the version\n"
    "\n"
    "A value follows its option as the next argument or after '=' (--ip=192.0.2.1).\n"
    "\n"
    "Exit status: 0 pass, 1 fail, 2 softfail, 3 neutral, 4 none, 5 temperror,\n"
    "6 permerror, 64 bad arguments or zone file, 69 no DNS server could be configured.\n";

constexpr cli::OptionSpec option_specs[] = {
    {.long_name = "--ip", .short_name = "", .takes_value = true},
    {.long_name = "--sender", .short_name = "", .takes_value = true},
    {.long_name = "--helo", .short_name = "", .takes_value = true},
    {.long_name = "--identity", .short_name = "", .takes_value = true},
    {.long_name = "--dns-server", .short_name = "", .takes_value = true},
    {.long_name = "--zone", .short_name = "", .takes_value = true},
    {.long_name = "--timeout", .short_name = "", .takes_value = true},
    {.long_name = "--query-timeout", .short_name = "", .takes_value = true},
    {.long_name = "--receiver", .short_name = "", .takes_value = true},
    {.long_name = "--no-cache", .short_name = "", .takes_value = false},
    {.long_name = "--no-prefetch", .short_name = "", .takes_value = false},
    {.long_name = "--trace", .short_name = "", .takes_value = false},
    {.long_name = "--json", .short_name = "", .takes_value = false},
    {.long_name = "--help", .short_name = "-h", .takes_value = false},
    {.long_name = "--version", .short_name = "-V", .takes_value = false},
};

struct Arguments {
    std::optional<std::string> ip, sender, helo;
    Identity identity = Identity::mailfrom;
    std::vector<DnsServer> servers;
    std::optional<std::string> zone_file;
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
    return exit_usage;
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
    const std::vector<std::string_view> words(argv + 1, argv + argc);
    auto parsed = cli::parse_arguments(words, option_specs);
    if (auto* error = std::get_if<std::string>(&parsed)) return usage_error(*error);
    const auto& list = std::get<std::vector<cli::Argument>>(parsed);
    for (const cli::Argument& argument : list) {
        if (argument.option == "--help") {
            std::cout << usage_line << "\n" << help_text;
            return 0;
        }
        if (argument.option == "--version") {
            std::cout << "spf-query " SPF_MILTER_VERSION "\n";
            return 0;
        }
    }
    for (const cli::Argument& argument : list) {
        const std::string_view option = argument.option;
        const std::string value(argument.value.value_or(""));
        if (option.empty()) return usage_error("unexpected argument '" + std::string(argument.written) + "'");
        if (option == "--trace") {
            arguments.trace = true;
        } else if (option == "--json") {
            arguments.json = true;
        } else if (option == "--no-cache") {
            arguments.cache = false;
        } else if (option == "--no-prefetch") {
            arguments.prefetch = false;
        } else if (option == "--ip") {
            arguments.ip = value;
        } else if (option == "--sender") {
            arguments.sender = value;
        } else if (option == "--helo") {
            arguments.helo = value;
        } else if (option == "--identity") {
            if (value != "mailfrom" && value != "helo")
                return usage_error("--identity is mailfrom or helo, not '" + value + "'");
            arguments.identity = value == "helo" ? Identity::helo : Identity::mailfrom;
        } else if (option == "--receiver") {
            arguments.receiver = value;
        } else if (option == "--dns-server") {
            auto server = parse_dns_server(value);
            if (auto* error = std::get_if<std::string>(&server)) return usage_error("--dns-server: " + *error);
            arguments.servers.push_back(std::get<DnsServer>(server));
        } else if (option == "--zone") {
            if (value.empty()) return usage_error("--zone needs a file name");
            arguments.zone_file = value;
        } else if (option == "--timeout") {
            const auto seconds = cli::parse_number(value);
            if (!seconds || *seconds <= 0 || *seconds > 3600)
                return usage_error("--timeout takes a number of seconds more than 0 and at most 3600, not '" + value +
                                   "'");
            arguments.timeout_seconds = *seconds;
        } else if (option == "--query-timeout") {
            const auto seconds = cli::parse_number(value);
            if (!seconds || *seconds < 0.001 || *seconds > 60)
                return usage_error("--query-timeout takes a number of seconds from 0.001 to 60, not '" + value + "'");
            arguments.query_timeout_seconds = *seconds;
        }
    }
    if (arguments.zone_file && !arguments.servers.empty())
        return usage_error("--zone cannot be combined with --dns-server: the zone file answers instead of DNS");
    if (arguments.zone_file && arguments.query_timeout_seconds)
        return usage_error("--zone cannot be combined with --query-timeout: no DNS server is asked");
    if (!arguments.ip) return usage_error("--ip is required");
    if (!arguments.sender && arguments.identity == Identity::mailfrom)
        return usage_error("--sender is required (use --sender '' for the null sender)");
    if (!arguments.helo) return usage_error("--helo is required");
    if (!IpAddress::parse(*arguments.ip)) return usage_error("--ip: '" + *arguments.ip + "' is not an IP address");
    return std::nullopt;
}

// What answers the check's questions: the zone file, or DNS. Error text and
// exit status when there is none.
std::variant<std::shared_ptr<Resolver>, std::pair<int, std::string>> make_upstream(const Arguments& arguments) {
    if (arguments.zone_file) {
        auto zone = cli::read_zone_file(*arguments.zone_file);
        if (auto* error = std::get_if<std::string>(&zone)) return std::pair(exit_usage, *error);
        return std::make_shared<ZoneResolver>(std::get<Zone>(std::move(zone)));
    }
    LdnsOptions ldns_options;
    ldns_options.servers = arguments.servers;
    // Each attempt also ends at the check's deadline: only the per-server wait is set here.
    if (arguments.query_timeout_seconds)
        ldns_options.query_timeout =
            std::chrono::milliseconds(static_cast<std::int64_t>(*arguments.query_timeout_seconds * 1000));
    auto created = LdnsResolver::create(ldns_options);
    if (auto* error = std::get_if<std::string>(&created)) return std::pair(exit_no_dns, *error);
    return std::shared_ptr<Resolver>(std::move(std::get<std::unique_ptr<LdnsResolver>>(created)));
}

}  // namespace

int main(int argc, char** argv) {
    Arguments arguments;
    if (auto status = parse(argc, argv, arguments)) return *status;

    const auto budget = std::chrono::milliseconds(static_cast<std::int64_t>(arguments.timeout_seconds * 1000));
    auto made = make_upstream(arguments);
    if (auto* error = std::get_if<std::pair<int, std::string>>(&made)) {
        // A zone file's error names the file and line: the usage line would add nothing.
        std::cerr << "spf-query: " << error->second << "\n";
        return error->first;
    }
    // The daemon's stack, a zone file's answers too: a cache in front, for
    // single-flight and prefetch within the check (the same name asked twice is
    // asked once).
    std::shared_ptr<Resolver> upstream = std::get<std::shared_ptr<Resolver>>(std::move(made));
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
