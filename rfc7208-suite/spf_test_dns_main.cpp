// rfc7208-suite/spf_test_dns_main.cpp: spf-test-dns, a zone file served as DNS.
//   spf-test-dns --zone FILE [--address 127.0.0.1] [--port 0] [--port-file FILE]
//                [--behaviour NAME=MODE]... [--delay MS]
// Loads FILE (the text form of spf/zone.hpp) and serves it over UDP and TCP with
// ZoneDnsServer until SIGTERM or SIGINT. SIGHUP reloads FILE; a bad file is
// reported and the old zone kept. Once listening it prints "listening on
// ADDRESS:PORT" (flushed) and, with --port-file, writes the port number to that
// file (by rename, so a reader never sees it half-written). Each --behaviour
// makes the server misbehave for one name as dns_behaviour.hpp describes
// (--behaviour spf.example.com=tcp-stall); the zone file keeps the records.
// --delay MS holds every reply (UDP and TCP) back MS milliseconds, as a distant
// server would, for cold-latency benchmarks; concurrent queries are not
// serialised by it. For
// the end-to-end and --simulate tests, and for trying spf-query by hand:
//   spf-test-dns --zone my.zone --port 5353 &
//   spf-query --dns-server 127.0.0.1:5353 --ip 192.0.2.1 --sender user@example.com ...
//   spf-milter --simulate --dns-server 127.0.0.1:5353 --ip 192.0.2.1 --helo ... --from ...
// Exit status: 0 after a signal to stop (or --help), 1 if the zone cannot be
// loaded or the port bound, 2 for bad arguments.
#include "rfc7208-suite/zone_dns_server.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <pthread.h>

namespace {

constexpr const char* usage =
    "usage: spf-test-dns --zone FILE [--address ADDRESS] [--port PORT] [--port-file FILE]\n"
    "                    [--behaviour NAME=MODE]... [--delay MS]\n"
    "  --zone FILE       zone in the text form of spf/zone.hpp (required)\n"
    "  --address ADDRESS IPv4 or IPv6 address to listen on (default 127.0.0.1)\n"
    "  --port PORT       UDP and TCP port, 0 for any free one (default 0)\n"
    "  --port-file FILE  write the port number there once listening\n"
    "  --behaviour NAME=MODE  misbehave for queries of NAME (repeatable): silence,\n"
    "                    delay:MS, wrong-id, no-question, other-question, garbage,\n"
    "                    truncated, tcp-garbage, tcp-stall, tcp-max-size,\n"
    "                    many-strings[:OCTETS], many-records:COUNT, compression-loop,\n"
    "                    compression-forward, nxdomain-with-answers, servfail, refused\n"
    "  --delay MS        send every reply (UDP and TCP) MS milliseconds late, without\n"
    "                    holding up other queries (default 0)\n"
    "Serves until SIGTERM or SIGINT; SIGHUP reloads the zone file.\n";

struct Arguments {
    std::string zone_file;
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;
    std::chrono::milliseconds delay{0};
    std::string port_file;
    std::vector<std::pair<std::string, spf::testdns::Behaviour>> behaviours;
};

constexpr unsigned long max_delay_ms = 3'600'000;  // an hour: more is a typo

// A decimal number of at most `maximum`, all of text; nothing otherwise.
std::optional<unsigned long> number_of(const std::string& text, unsigned long maximum) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    try {
        const unsigned long number = std::stoul(text);
        if (number <= maximum) return number;
    } catch (const std::exception&) {  // out of range
    }
    return std::nullopt;
}

// The arguments, or the complaint to print before the usage.
std::variant<Arguments, std::string> parse_arguments(int argc, char** argv) {
    Arguments arguments;
    for (int i = 1; i < argc; ++i) {
        std::string option = argv[i];
        std::optional<std::string> value;
        if (const std::size_t equals = option.find('='); option.starts_with("--") && equals != std::string::npos) {
            value = option.substr(equals + 1);
            option.resize(equals);
        }
        if (option != "--zone" && option != "--address" && option != "--port" && option != "--port-file" &&
            option != "--behaviour" && option != "--delay")
            return "unknown argument " + option;
        if (!value) {
            if (i + 1 == argc) return option + " needs a value";
            value = argv[++i];
        }
        if (option == "--zone") arguments.zone_file = *value;
        if (option == "--address") arguments.address = *value;
        if (option == "--port-file") arguments.port_file = *value;
        if (option == "--behaviour") {
            const std::size_t equals = value->find('=');
            if (equals == std::string::npos || equals == 0) return "--behaviour needs NAME=MODE, not " + *value;
            auto behaviour = spf::testdns::parse_behaviour(std::string_view(*value).substr(equals + 1));
            if (auto* error = std::get_if<std::string>(&behaviour)) return "--behaviour " + *value + ": " + *error;
            arguments.behaviours.emplace_back(value->substr(0, equals), std::get<spf::testdns::Behaviour>(behaviour));
        }
        if (option == "--port") {
            const std::optional<unsigned long> port = number_of(*value, 65535);
            if (!port) return "bad port " + *value;
            arguments.port = static_cast<std::uint16_t>(*port);
        }
        if (option == "--delay") {
            const std::optional<unsigned long> delay = number_of(*value, max_delay_ms);
            if (!delay) return "bad delay " + *value + " (milliseconds, 0 to " + std::to_string(max_delay_ms) + ")";
            arguments.delay = std::chrono::milliseconds(*delay);
        }
    }
    if (arguments.zone_file.empty()) return std::string("--zone is required");
    return arguments;
}

// The zone in the file, or why not.
std::variant<spf::Zone, std::string> load_zone(const std::string& path) {
    std::ifstream in(path);
    if (!in) return "cannot read " + path + ": " + std::strerror(errno);
    std::ostringstream text;
    text << in.rdbuf();
    auto zone = spf::Zone::from_text(text.str());
    if (auto* error = std::get_if<std::string>(&zone)) return path + ": " + *error;
    return std::get<spf::Zone>(std::move(zone));
}

bool write_port_file(const std::string& path, std::uint16_t port) {
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << port << '\n';
        if (!out.flush()) return false;
    }
    return std::rename(temporary.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
        std::fputs(usage, stdout);
        return 0;
    }
    auto parsed = parse_arguments(argc, argv);
    if (auto* complaint = std::get_if<std::string>(&parsed)) {
        std::fprintf(stderr, "spf-test-dns: %s\n%s", complaint->c_str(), usage);
        return 2;
    }
    const Arguments& arguments = std::get<Arguments>(parsed);

    auto zone = load_zone(arguments.zone_file);
    if (auto* error = std::get_if<std::string>(&zone)) {
        std::fprintf(stderr, "spf-test-dns: %s\n", error->c_str());
        return 1;
    }

    // Signals are taken by sigwait() below; blocked before the server thread
    // starts, so that it inherits the mask and never sees them.
    sigset_t signals;
    sigemptyset(&signals);
    for (int signal : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, signal);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    std::optional<spf::testdns::ZoneDnsServer> server;
    try {
        server.emplace(std::get<spf::Zone>(std::move(zone)), arguments.address, arguments.port);
    } catch (const std::runtime_error& error) {
        std::fprintf(stderr, "spf-test-dns: %s\n", error.what());
        return 1;
    }
    for (const auto& [name, behaviour] : arguments.behaviours) server->set_behaviour(name, behaviour);
    server->set_delay(arguments.delay);
    const bool v6 = arguments.address.find(':') != std::string::npos;
    std::printf("listening on %s:%u\n", (v6 ? "[" + arguments.address + "]" : arguments.address).c_str(),
                unsigned{server->port()});
    std::fflush(stdout);
    if (!arguments.port_file.empty() && !write_port_file(arguments.port_file, server->port())) {
        std::fprintf(stderr, "spf-test-dns: cannot write %s: %s\n", arguments.port_file.c_str(), std::strerror(errno));
        return 1;
    }

    for (;;) {
        int signal = 0;
        if (sigwait(&signals, &signal) != 0) continue;
        if (signal != SIGHUP) return 0;
        auto reloaded = load_zone(arguments.zone_file);
        if (auto* error = std::get_if<std::string>(&reloaded)) {
            std::fprintf(stderr, "spf-test-dns: %s; keeping the zone loaded before\n", error->c_str());
            continue;
        }
        server->set_zone(std::get<spf::Zone>(std::move(reloaded)));
        std::printf("reloaded %s\n", arguments.zone_file.c_str());
        std::fflush(stdout);
    }
}
