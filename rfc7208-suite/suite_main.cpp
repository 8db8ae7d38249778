// rfc7208-suite/suite_main.cpp: runs the openspf RFC 7208 test suite (or any file
// in its YAML format) against check_identity(), in two resolver modes:
//   zone  answers from memory (spf::ZoneResolver)
//   ldns  real DNS packets: spf::LdnsResolver asks a ZoneDnsServer on 127.0.0.1
// Driver semantics follow the reference driver (testspf.py): the mail-from
// identity is checked (the null sender as postmaster@HELO), the default
// explanation is "DEFAULT", a case lists acceptable results (the first preferred),
// and an explanation, when given, must match exactly.
//
//   rfc7208-suite [--mode zone|ldns|both] [--cache] [--only NAME] [--verbose] FILE...
// --cache puts a DnsCache with prefetch in front of the mode's resolver, a new
// empty one for each case, as the daemon evaluates.
// Ends with the line "N passed, M failed"; exit status 0 only when nothing failed
// and at least one case ran.
#include "rfc7208-suite/suite_loader.hpp"
#include "rfc7208-suite/zone_dns_server.hpp"
#include "spf/check_host.hpp"
#include "spf/dns_cache.hpp"
#include "spf/ldns_resolver.hpp"

#include <algorithm>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>

namespace {

using namespace spf;

struct Options {
    bool zone_mode = true;
    bool ldns_mode = true;
    bool cache = false;
    std::string only;
    bool verbose = false;
    std::vector<std::string> files;
};

constexpr const char* usage =
    "usage: rfc7208-suite [--mode zone|ldns|both] [--cache] [--only NAME] [--verbose] FILE...\n";

std::optional<Options> parse_arguments(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        if (argument == "--mode" && i + 1 < argc) {
            const std::string mode = argv[++i];
            if (mode != "zone" && mode != "ldns" && mode != "both") return std::nullopt;
            options.zone_mode = mode != "ldns";
            options.ldns_mode = mode != "zone";
        } else if (argument == "--only" && i + 1 < argc) {
            options.only = argv[++i];
        } else if (argument == "--cache") {
            options.cache = true;
        } else if (argument == "--verbose" || argument == "-v") {
            options.verbose = true;
        } else if (!argument.empty() && argument[0] == '-') {
            return std::nullopt;
        } else {
            options.files.push_back(argument);
        }
    }
    if (options.files.empty()) return std::nullopt;
    return options;
}

struct Tally {
    unsigned passed = 0;
    unsigned failed = 0;
};

// Plays one case; prints it when it fails (or always with --verbose).
bool play(const suite::TestCase& test, Resolver& resolver, const char* mode, bool verbose, bool prefetch) {
    CheckOptions options;
    options.prefetch = prefetch;
    options.default_explanation = "DEFAULT";
    options.trace = verbose;
    options.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    Request request;
    request.identity = Identity::mailfrom;
    request.helo = test.helo;
    request.mail_from = test.mail_from;
    const auto client = IpAddress::parse(test.host);
    if (!client) {
        std::cout << "FAIL " << test.name << " [" << mode << "]: bad host " << test.host << "\n";
        return false;
    }
    request.client = *client;
    const Evaluation evaluation = check_identity(request, resolver, options);
    const std::string got(to_string(evaluation.result));
    bool ok = std::find(test.results.begin(), test.results.end(), got) != test.results.end();
    if (ok && test.explanation && *test.explanation != evaluation.explanation) ok = false;
    if (!ok || verbose) {
        std::cout << (ok ? "ok   " : "FAIL ") << test.name << " [" << mode << "] (spec " << test.spec << ")\n";
        std::cout << "     expected: ";
        for (std::size_t i = 0; i < test.results.size(); ++i) std::cout << (i ? " or " : "") << test.results[i];
        if (test.explanation) std::cout << ", explanation \"" << *test.explanation << "\"";
        std::cout << "\n     got:      " << got;
        if (!evaluation.explanation.empty()) std::cout << ", explanation \"" << evaluation.explanation << "\"";
        std::cout << " (" << evaluation.reason << ")\n";
        for (const auto& event : evaluation.trace)
            std::cout << "       " << std::string(event.depth * 2, ' ') << event.text << "\n";
    }
    return ok;
}

bool run_case(const suite::TestCase& test, Resolver& resolver, const char* mode, const Options& options) {
    if (!options.cache) return play(test, resolver, mode, options.verbose, false);
    // Not owned: the cache lives for this case only.
    DnsCache cache(std::shared_ptr<Resolver>(&resolver, [](Resolver*) {}), system_clock());
    const std::string label = std::string(mode) + "+cache";
    return play(test, cache, label.c_str(), options.verbose, true);
}

void run_file(const std::vector<suite::Scenario>& scenarios, const Options& options, Tally& tally,
              testdns::ZoneDnsServer* server, Resolver* ldns) {
    for (const auto& scenario : scenarios) {
        ZoneResolver zone_resolver(scenario.zone);
        if (server != nullptr) server->set_zone(scenario.zone);
        for (const auto& test : scenario.cases) {
            if (!options.only.empty() && test.name != options.only) continue;
            if (options.zone_mode) {
                (run_case(test, zone_resolver, "zone", options) ? tally.passed : tally.failed)++;
            }
            if (ldns != nullptr) {
                (run_case(test, *ldns, "ldns", options) ? tally.passed : tally.failed)++;
            }
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    const auto options = parse_arguments(argc, argv);
    if (!options) {
        std::cerr << usage;
        return 2;
    }
    std::unique_ptr<testdns::ZoneDnsServer> server;
    std::unique_ptr<LdnsResolver> ldns;
    if (options->ldns_mode) {
        server = std::make_unique<testdns::ZoneDnsServer>(Zone{}, "127.0.0.1", 0);
        LdnsOptions ldns_options;
        ldns_options.servers.push_back(DnsServer{"127.0.0.1", server->port()});
        // TIMEOUT cases wait this long for nothing; real answers come in microseconds.
        ldns_options.query_timeout = std::chrono::milliseconds(300);
        ldns_options.retries = 0;
        auto created = LdnsResolver::create(ldns_options);
        if (auto* error = std::get_if<std::string>(&created)) {
            std::cerr << "rfc7208-suite: " << *error << "\n";
            return 1;
        }
        ldns = std::move(std::get<std::unique_ptr<LdnsResolver>>(created));
    }
    Tally tally;
    for (const std::string& file : options->files) {
        auto loaded = suite::load_suite(file);
        if (auto* error = std::get_if<std::string>(&loaded)) {
            std::cerr << "rfc7208-suite: " << *error << "\n";
            return 1;
        }
        run_file(std::get<std::vector<suite::Scenario>>(loaded), *options, tally, server.get(), ldns.get());
    }
    // A run that played no case (an empty file, an --only that matches nothing)
    // proves nothing: it fails, so that a test registered wrongly cannot pass.
    if (tally.passed + tally.failed == 0) std::cout << "FAIL no case ran\n";
    std::cout << tally.passed << " passed, " << tally.failed << " failed\n";
    return tally.failed == 0 && tally.passed > 0 ? 0 : 1;
}
