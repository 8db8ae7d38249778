// milter/options.hpp: the command line, spf-milter(8).
//   spf-milter [-c FILE] [-p SOCKET] [-f] [--dns-server HOST[:PORT]]... [-n|--check-config]
//              [--help] [--version]
//   spf-milter --simulate --ip IP --helo NAME --from ADDR [--rcpt ADDR] [--json]
//              [-c FILE] [--dns-server HOST[:PORT]]...
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
};

struct Options {
    enum class Mode : std::uint8_t { run, check_config, simulate, help, version };
    Mode mode = Mode::run;
    ConfigSource config_source;  // -c, -p, --dns-server
    bool log_to_stderr = false;  // -f: the log goes to stderr instead of syslog
    SimulateOptions simulate;
};

// Arguments without the program name. Error text for a usage error (exit 2).
std::variant<Options, std::string> parse_options(std::span<const std::string_view> arguments);

std::string usage_text();
std::string version_text();

}  // namespace milter
