// milter/options.cpp: see options.hpp.
// Long options take their value as the next argument or after '=' (--ip=192.0.2.1);
// short ones as the next argument or attached (-c/etc/x.conf).
#include "milter/options.hpp"

#include <vector>

namespace milter {

namespace {

struct Parser {
    std::span<const std::string_view> arguments;
    std::size_t index = 0;
    std::string error;

    // The value of the option at arguments[index]: attached or the next argument.
    std::optional<std::string> value_of(std::string_view name, std::string_view attached) {
        if (!attached.empty()) return std::string(attached);
        if (index + 1 >= arguments.size()) {
            error = "option " + std::string(name) + " needs a value";
            return std::nullopt;
        }
        return std::string(arguments[++index]);
    }
};

}  // namespace

std::variant<Options, std::string> parse_options(std::span<const std::string_view> arguments) {
    Options options;
    Parser parser{arguments, 0, {}};
    bool daemon_only = false;                     // -p, -f, -n
    std::vector<std::string_view> simulate_only;  // --ip, --helo, --from, --rcpt, --json
    bool ip = false, helo = false, from = false;
    for (; parser.index < arguments.size(); ++parser.index) {
        const std::string_view argument = arguments[parser.index];
        std::string_view name = argument;
        std::string_view attached;
        if (argument.starts_with("--")) {
            if (const std::size_t equals = argument.find('='); equals != std::string_view::npos) {
                name = argument.substr(0, equals);
                attached = argument.substr(equals + 1);  // "--from=" is empty_attached below
            }
        } else if (argument.size() > 2 && argument[0] == '-') {
            name = argument.substr(0, 2);
            attached = argument.substr(2);
        }
        const bool empty_attached =
            argument.starts_with("--") && argument.ends_with("=") && argument.find('=') == argument.size() - 1;
        auto value = [&]() -> std::optional<std::string> {
            if (empty_attached) return std::string();
            return parser.value_of(name, attached);
        };
        auto flag = [&]() {
            if (!attached.empty() || empty_attached) parser.error = "option " + std::string(name) + " takes no value";
            return parser.error.empty();
        };

        if (name == "-c" || name == "--config") {
            auto path = value();
            if (!path) break;
            options.config_source.path = *path;
            options.config_source.path_given = true;
        } else if (name == "-p" || name == "--socket") {
            auto socket = value();
            if (!socket) break;
            options.config_source.overrides.socket = *socket;
            daemon_only = true;
        } else if (name == "--dns-server") {
            auto server = value();
            if (!server) break;
            options.config_source.overrides.dns_servers.push_back(*server);
        } else if (name == "-f" || name == "--foreground") {
            if (!flag()) break;
            options.log_to_stderr = true;
            daemon_only = true;
        } else if (name == "-n" || name == "--check-config") {
            if (!flag()) break;
            options.mode = Options::Mode::check_config;
            daemon_only = true;
        } else if (name == "-h" || name == "--help") {
            if (!flag()) break;
            options.mode = Options::Mode::help;
            return options;
        } else if (name == "-V" || name == "--version") {
            if (!flag()) break;
            options.mode = Options::Mode::version;
            return options;
        } else if (name == "--simulate") {
            if (!flag()) break;
            options.mode = Options::Mode::simulate;
        } else if (name == "--ip" || name == "--helo" || name == "--from" || name == "--rcpt") {
            auto text = value();
            if (!text) break;
            simulate_only.push_back(name);
            if (name == "--ip") options.simulate.ip = *text, ip = true;
            if (name == "--helo") options.simulate.helo = *text, helo = true;
            if (name == "--from") options.simulate.from = *text, from = true;
            if (name == "--rcpt") options.simulate.rcpt = *text;
        } else if (name == "--json") {
            if (!flag()) break;
            simulate_only.push_back(name);
            options.simulate.json = true;
        } else if (!argument.starts_with("-")) {
            parser.error = "unexpected argument '" + std::string(argument) + "'";
            break;
        } else {
            parser.error = "unknown option " + std::string(argument);
            break;
        }
    }
    if (!parser.error.empty()) return parser.error;
    if (options.mode == Options::Mode::simulate) {
        if (daemon_only) return std::string("--simulate cannot be combined with -p, -f or -n");
        if (!ip || !helo || !from) return std::string("--simulate needs --ip, --helo and --from");
    } else if (!simulate_only.empty()) {
        return "option " + std::string(simulate_only.front()) + " needs --simulate";
    }
    return options;
}

std::string usage_text() {
    return "usage: spf-milter [-c FILE] [-p SOCKET] [-f] [--dns-server HOST[:PORT]]... [-n|--check-config]\n"
           "                  [--help] [--version]\n"
           "       spf-milter --simulate --ip IP --helo NAME --from ADDR [--rcpt ADDR] [--json]\n"
           "                  [-c FILE] [--dns-server HOST[:PORT]]...\n"
           "\n"
           "  -c FILE              configuration file (default /etc/spf-milter.conf)\n"
           "  -p SOCKET            listen here instead of the file's socket (unix:/path, inet:PORT@HOST)\n"
           "  -f                   log to stderr instead of syslog (the daemon never forks)\n"
           "  --dns-server H[:P]   ask this DNS server (repeatable) instead of dns_servers\n"
           "  -n, --check-config   check the configuration, print the effective values, exit\n"
           "  --simulate           evaluate one transaction as the daemon would and print\n"
           "                       the SPF results, the SMTP reply and the headers; --from ''\n"
           "                       is the null sender; --json prints one JSON object\n"
           "  --help, --version\n"
           "\n"
           "exit status: 0 ok, 1 runtime failure, 2 usage error, 78 bad configuration\n";
}

std::string version_text() { return "spf-milter " SPF_MILTER_VERSION "\n"; }

}  // namespace milter
