// milter/options.hpp: the command line, spf-milter(8), read with the convention of
// spf/cli/arguments.hpp (spf-query's too).
//   spf-milter [-c FILE] [-p SOCKET] [-f] [--dns-server HOST[:PORT]]... [-n|--check-config]
//   spf-milter --simulate --ip IP --helo NAME --from ADDR [--rcpt ADDR] [--json]
//              [-c FILE] [--dns-server HOST[:PORT]... | --zone FILE]
//   spf-milter --reload [--pid PID] [-c FILE]
//   spf-milter --convert-config FILE
//   spf-milter -h|--help | -V|--version
// Exit codes: 0 ok, 1 runtime failure, 2 usage error, 78 (EX_CONFIG) bad configuration.
#pragma once

#include "milter/config.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace milter {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_config = 78;  // EX_CONFIG, sysexits.h

struct SimulateOptions {
    std::string ip;
    std::string helo;
    std::string from;  // "" is the null sender
    std::optional<std::string> rcpt;
    bool json = false;
    std::optional<std::string> zone_file;  // --zone: answers from this file instead of DNS
};

struct Options {
    enum class Mode : std::uint8_t { run, check_config, simulate, reload, convert_config, help, version };
    Mode mode = Mode::run;
    ConfigSource config_source;  // -c, -p, --dns-server
    bool log_to_stderr = false;  // -f: the log goes to stderr instead of syslog
    SimulateOptions simulate;
    // --reload --pid: the running daemon to ask; without it, the pid in pid_file.
    // A positive number in the range of pid_t.
    std::optional<long> reload_pid;
    // --convert-config FILE: a pyspf-milter or policyd-spf configuration to convert.
    std::string convert_path;
};

// Arguments without the program name. Error text for a usage error (exit 2).
std::variant<Options, std::string> parse_options(std::span<const std::string_view> arguments);

std::string usage_text();
std::string version_text();

}  // namespace milter
