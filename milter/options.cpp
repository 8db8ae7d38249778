// milter/options.cpp: see options.hpp. The words are split by spf::cli::parse_arguments
// (long options take "--name VALUE" or "--name=VALUE", short ones "-c VALUE" or
// "-cVALUE"); here is what they mean and which of them go together.
#include "milter/options.hpp"

#include "spf/cli/arguments.hpp"

#include <climits>
#include <vector>

namespace milter {

namespace {

using spf::cli::OptionSpec;

constexpr OptionSpec option_specs[] = {
    {.long_name = "--config", .short_name = "-c", .takes_value = true},
    {.long_name = "--socket", .short_name = "-p", .takes_value = true},
    {.long_name = "--foreground", .short_name = "-f", .takes_value = false},
    {.long_name = "--dns-server", .short_name = "", .takes_value = true},
    {.long_name = "--check-config", .short_name = "-n", .takes_value = false},
    {.long_name = "--simulate", .short_name = "", .takes_value = false},
    {.long_name = "--ip", .short_name = "", .takes_value = true},
    {.long_name = "--helo", .short_name = "", .takes_value = true},
    {.long_name = "--from", .short_name = "", .takes_value = true},
    {.long_name = "--rcpt", .short_name = "", .takes_value = true},
    {.long_name = "--json", .short_name = "", .takes_value = false},
    {.long_name = "--zone", .short_name = "", .takes_value = true},
    {.long_name = "--reload", .short_name = "", .takes_value = false},
    {.long_name = "--pid", .short_name = "", .takes_value = true},
    {.long_name = "--convert-config", .short_name = "", .takes_value = true},
    {.long_name = "--help", .short_name = "-h", .takes_value = false},
    {.long_name = "--version", .short_name = "-V", .takes_value = false},
};

// What was given, in the words the user wrote, for the messages about what goes together.
struct Given {
    std::vector<std::string_view> daemon_only;    // -p, -f, -n
    std::vector<std::string_view> simulate_only;  // --ip, --helo, --from, --rcpt, --json, --zone
    std::vector<std::string_view> dns_servers;    // --dns-server
    std::vector<std::string_view> pid;            // --pid
    bool ip = false, helo = false, from = false;
};

std::variant<Options, std::string> check_combination(Options options, const Given& given) {
    const auto first = [](const std::vector<std::string_view>& list) { return std::string(list.front()); };
    if (options.mode == Options::Mode::reload) {
        if (!given.daemon_only.empty())
            return "--reload cannot be combined with " + first(given.daemon_only) + " (only with -c and --pid)";
        if (!given.simulate_only.empty())
            return "--reload cannot be combined with " + first(given.simulate_only) + " (only with -c and --pid)";
        if (!given.dns_servers.empty())
            return "--reload cannot be combined with --dns-server (only with -c and --pid): the daemon keeps "
                   "the DNS servers it was started with";
        return options;
    }
    if (!given.pid.empty()) return std::string("option --pid needs --reload");
    if (options.mode == Options::Mode::simulate) {
        if (!given.daemon_only.empty()) return std::string("--simulate cannot be combined with -p, -f or -n");
        if (!given.ip || !given.helo || !given.from) return std::string("--simulate needs --ip, --helo and --from");
        if (options.simulate.zone_file && !given.dns_servers.empty())
            return std::string("--zone cannot be combined with --dns-server: the zone file answers instead of DNS");
        return options;
    }
    if (!given.simulate_only.empty()) return "option " + first(given.simulate_only) + " needs --simulate";
    return options;
}

}  // namespace

std::variant<Options, std::string> parse_options(std::span<const std::string_view> arguments) {
    auto parsed = spf::cli::parse_arguments(arguments, option_specs);
    if (auto* error = std::get_if<std::string>(&parsed)) return std::move(*error);
    const auto& list = std::get<std::vector<spf::cli::Argument>>(parsed);
    // -h or -V anywhere on a line that parses is all that is done (as in spf-query).
    for (const spf::cli::Argument& argument : list) {
        if (argument.option != "--help" && argument.option != "--version") continue;
        Options asked;
        asked.mode = argument.option == "--help" ? Options::Mode::help : Options::Mode::version;
        return asked;
    }
    // --convert-config FILE stands alone: it reads no configuration of ours.
    for (const spf::cli::Argument& argument : list) {
        if (argument.option != "--convert-config") continue;
        if (list.size() > 1)
            return "--convert-config cannot be combined with " +
                   std::string(list[&argument == &list.front() ? 1 : 0].written);
        Options converting;
        converting.mode = Options::Mode::convert_config;
        converting.convert_path = std::string(argument.value.value_or(""));
        if (converting.convert_path.empty()) return std::string("--convert-config needs a file name");
        return converting;
    }
    Options options;
    Given given;
    bool simulate = false, reload = false;
    for (const spf::cli::Argument& argument : list) {
        const std::string_view name = argument.option;
        const std::string value(argument.value.value_or(""));
        if (name.empty()) return "unexpected argument '" + std::string(argument.written) + "'";
        if (name == "--config") {
            options.config_source.path = value;
            options.config_source.path_given = true;
        } else if (name == "--socket") {
            options.config_source.overrides.socket = value;
            given.daemon_only.push_back(argument.written);
        } else if (name == "--dns-server") {
            options.config_source.overrides.dns_servers.push_back(value);
            given.dns_servers.push_back(argument.written);
        } else if (name == "--foreground") {
            options.log_to_stderr = true;
            given.daemon_only.push_back(argument.written);
        } else if (name == "--check-config") {
            options.mode = Options::Mode::check_config;
            given.daemon_only.push_back(argument.written);
        } else if (name == "--simulate") {
            simulate = true;
        } else if (name == "--reload") {
            reload = true;
        } else if (name == "--pid") {
            const auto pid = spf::cli::parse_integer(value);
            if (!pid || *pid <= 0 || *pid > INT_MAX)
                return "--pid takes a process id, a positive decimal integer, not '" + value + "'";
            options.reload_pid = *pid;
            given.pid.push_back(argument.written);
        } else {
            given.simulate_only.push_back(argument.written);
            if (name == "--ip") options.simulate.ip = value, given.ip = true;
            if (name == "--helo") options.simulate.helo = value, given.helo = true;
            if (name == "--from") options.simulate.from = value, given.from = true;
            if (name == "--rcpt") options.simulate.rcpt = value;
            if (name == "--json") options.simulate.json = true;
            if (name == "--zone") {
                if (value.empty()) return std::string("--zone needs a file name");
                options.simulate.zone_file = value;
            }
        }
    }
    if (simulate && reload) return std::string("--reload cannot be combined with --simulate");
    if (simulate) options.mode = Options::Mode::simulate;
    if (reload) options.mode = Options::Mode::reload;
    return check_combination(std::move(options), given);
}

std::string usage_text() {
    return "usage: spf-milter [-c FILE] [-p SOCKET] [-f] [--dns-server HOST[:PORT]]... [-n|--check-config]\n"
           "       spf-milter --simulate --ip IP --helo NAME --from ADDR [--rcpt ADDR] [--json]\n"
           "                  [-c FILE] [--dns-server HOST[:PORT]... | --zone FILE]\n"
           "       spf-milter --reload [--pid PID] [-c FILE]\n"
           "       spf-milter --convert-config FILE\n"
           "       spf-milter -h|--help | -V|--version\n"
           "\n"
           "  -c, --config FILE    configuration file (default " +
           default_config_path() +
           ")\n"
           "  -p, --socket SOCKET  listen here instead of the file's socket\n"
           "                       (unix:/path or local:/path, inet:PORT@HOST, inet6:PORT@HOST)\n"
           "  -f, --foreground     log to stderr instead of syslog; the daemon never forks,\n"
           "                       with or without -f\n"
           "  --dns-server H[:P]   ask this DNS server (repeatable) instead of dns_servers\n"
           "  -n, --check-config   check the configuration, print the effective values, exit\n"
           "  --simulate           evaluate one transaction as the daemon would and print\n"
           "                       the SPF results, the SMTP reply and the headers; --from ''\n"
           "                       is the null sender; --json prints one JSON object\n"
           "  --zone FILE          with --simulate: answer from this zone file instead of DNS\n"
           "                       (spf-milter(8), ZONE FILES)\n"
           "  --reload [--pid PID] validate the configuration file as -n does; if it is bad,\n"
           "                       print the error and exit 78 without touching the running\n"
           "                       daemon; otherwise ask the running daemon (PID, or the pid\n"
           "                       in pid_file) to reload, and wait for its answer: exit 0\n"
           "                       when it runs the new configuration, 1 when it kept the\n"
           "                       previous one (the reason is in its log) or did not answer\n"
           "                       within 30 seconds (systemctl reload runs it)\n"
           "  --convert-config FILE\n"
           "                       print the spf-milter.conf equivalent to a pyspf-milter or\n"
           "                       policyd-spf configuration, with a comment on every key\n"
           "                       that has no equivalent or differs in meaning\n"
           "  -h, --help           print this text\n"
           "  -V, --version        print the version\n"
           "\n"
           "A value follows its option as the next argument or after '=' (--ip=192.0.2.1);\n"
           "a short option's may be attached (-c/etc/x.conf).\n"
           "\n"
           "exit status: 0 ok, 1 runtime failure, 2 usage error, 78 bad configuration\n";
}

std::string version_text() { return "spf-milter " SPF_MILTER_VERSION "\n"; }

}  // namespace milter
