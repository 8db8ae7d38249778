// milter/main.cpp: spf-milter(8). Options -> configuration -> one of: the daemon,
// --check-config, --simulate, --convert-config, --help, --version. Exit codes are
// in options.hpp.
#include "milter/config.hpp"
#include "milter/config_warnings.hpp"
#include "milter/convert_config.hpp"
#include "milter/daemon.hpp"
#include "milter/options.hpp"
#include "milter/process.hpp"
#include "milter/reload_command.hpp"
#include "milter/runtime.hpp"
#include "milter/simulate.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>
#include <vector>

namespace {

using namespace milter;

std::string host_name() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) return "localhost";
    return name;
}

// What the daemon would refuse at start that the parser cannot see: an unknown user.
bool user_known(const Config& config) {
    if (config.user.empty()) return true;
    auto user = lookup_user(config.user);
    if (auto* error = std::get_if<std::string>(&user)) {
        std::cerr << "spf-milter: " << config.source << ": key 'user': " << *error << "\n";
        return false;
    }
    return true;
}

int check_config(const Config& config) {
    if (!user_known(config)) return exit_config;
    // Valid settings that will misbehave: said, but the file is still OK.
    for (const std::string& warning : config_warnings(config))
        std::cerr << "spf-milter: " << config.source << ": warning: " << warning << "\n";
    std::cout << "# " << config.source << ": configuration OK\n" << describe(config);
    return exit_ok;
}

// --reload: the file is checked as -n checks it; only a good one is sent for.
int reload(const Options& options, const Config& config) {
    if (!user_known(config)) {
        std::cerr << "spf-milter: the daemon is not asked to reload\n";
        return exit_config;
    }
    return request_reload(config, options.reload_pid, std::cout, std::cerr);
}

int run_simulation(const Options& options, const Config& config) {
    // The daemon's resolver, cache and prefetch included, so that a simulation
    // asks DNS the way the daemon would; with --zone, the cache in front of the file.
    auto resolvers = simulation_resolvers(options.simulate);
    if (auto* error = std::get_if<std::string>(&resolvers)) {
        std::cerr << "spf-milter: " << *error << "\n";
        return exit_usage;
    }
    auto runtime = build_runtime(config, std::get<ResolverFactory>(resolvers));
    if (auto* error = std::get_if<std::string>(&runtime)) {
        std::cerr << "spf-milter: " << *error << "\n";
        return exit_failure;
    }
    auto simulation = simulate(config, options.simulate, *std::get<std::shared_ptr<const Runtime>>(runtime)->resolver,
                               spf::system_clock(), host_name());
    if (auto* error = std::get_if<std::string>(&simulation)) {
        std::cerr << "spf-milter: " << *error << "\n";
        return exit_usage;
    }
    const auto& result = std::get<Simulation>(simulation);
    std::cout << (options.simulate.json ? format_json(config, result) : format_text(config, result));
    return exit_ok;
}

// --convert-config FILE: a file that cannot be read, or is neither program's,
// is a usage error (exit 2) naming the file.
int convert_config_file(const std::string& path) {
    constexpr std::uintmax_t most = 16U << 20U;  // far above any configuration file
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
        std::cerr << "spf-milter: " << path << ": is a directory\n";
        return exit_usage;
    }
    if (const auto size = std::filesystem::file_size(path, error); !error && size > most) {
        std::cerr << "spf-milter: " << path << ": larger than 16 MiB, not a configuration file\n";
        return exit_usage;
    }
    errno = 0;
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        std::cerr << "spf-milter: " << path << ": cannot open: " << std::strerror(errno) << "\n";
        return exit_usage;
    }
    std::ostringstream text;
    text << file.rdbuf();
    if (file.bad()) {
        std::cerr << "spf-milter: " << path << ": cannot read: " << std::strerror(errno) << "\n";
        return exit_usage;
    }
    auto conversion = convert_config(text.str(), path);
    if (auto* message = std::get_if<std::string>(&conversion)) {
        std::cerr << "spf-milter: " << *message << "\n";
        return exit_usage;
    }
    std::cout << std::get<Conversion>(conversion).text;
    return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string_view> arguments(argv + 1, argv + argc);
    auto parsed = parse_options(arguments);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        std::cerr << "spf-milter: " << *error << "\n" << usage_text();
        return exit_usage;
    }
    const Options& options = std::get<Options>(parsed);
    if (options.mode == Options::Mode::help) {
        std::cout << usage_text();
        return exit_ok;
    }
    if (options.mode == Options::Mode::version) {
        std::cout << version_text();
        return exit_ok;
    }
    if (options.mode == Options::Mode::convert_config) return convert_config_file(options.convert_path);
    ConfigResult loaded = load_config(options.config_source);
    if (auto* error = std::get_if<ConfigError>(&loaded)) {
        if (options.mode == Options::Mode::reload) {
            std::cerr << "spf-milter: " << error->to_string() << "\nspf-milter: the daemon is not asked to reload\n";
            return exit_config;
        }
        std::cerr << "spf-milter: fatal: " << error->to_string() << "\n";
        return exit_config;
    }
    Config& config = std::get<Config>(loaded);
    switch (options.mode) {
        case Options::Mode::check_config: return check_config(config);
        case Options::Mode::simulate: return run_simulation(options, config);
        case Options::Mode::reload: return reload(options, config);
        default: return run_daemon(options, std::move(config));
    }
}
