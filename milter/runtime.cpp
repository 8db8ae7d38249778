// milter/runtime.cpp: see runtime.hpp.
#include "milter/runtime.hpp"

#include "milter/config_keys.hpp"
#include "spf/ldns_resolver.hpp"

#include <array>

namespace milter {

std::variant<std::shared_ptr<spf::Resolver>, std::string> make_ldns_resolver(const Config& config) {
    spf::LdnsOptions options;
    options.servers = config.dns_servers;
    if (config.dns_timeout_s) options.query_timeout = std::chrono::seconds(*config.dns_timeout_s);
    auto created = spf::LdnsResolver::create(options);
    if (auto* error = std::get_if<std::string>(&created)) return "cannot set up DNS: " + *error;
    return std::shared_ptr<spf::Resolver>(std::move(std::get<std::unique_ptr<spf::LdnsResolver>>(created)));
}

std::variant<std::shared_ptr<const Runtime>, std::string> build_runtime(Config config, const ResolverFactory& factory,
                                                                        unsigned generation) {
    auto resolver = factory(config);
    if (auto* error = std::get_if<std::string>(&resolver)) return std::move(*error);
    auto runtime = std::make_shared<Runtime>();
    runtime->config = std::move(config);
    runtime->resolver = std::move(std::get<std::shared_ptr<spf::Resolver>>(resolver));
    runtime->generation = generation;
    return std::shared_ptr<const Runtime>(std::move(runtime));
}

RuntimeHolder::RuntimeHolder(std::shared_ptr<const Runtime> initial) : current_(std::move(initial)) {}

ReloadOutcome RuntimeHolder::reload(const ConfigSource& source, const ResolverFactory& factory) {
    ReloadOutcome outcome;
    // Without -c a missing default file means the built-in defaults, but only at
    // start: a reload that cannot read the file keeps what runs, as with -c. (The
    // defaults reject where the file may have said tempfail.)
    ConfigSource required = source;
    required.path_given = true;
    ConfigResult loaded = load_config(required);
    if (auto* error = std::get_if<ConfigError>(&loaded)) {
        outcome.error = error->to_string();
        return outcome;
    }
    const std::shared_ptr<const Runtime> before = current();
    auto built = build_runtime(std::get<Config>(std::move(loaded)), factory, before->generation + 1);
    if (auto* error = std::get_if<std::string>(&built)) {
        outcome.error = std::move(*error);
        return outcome;
    }
    auto& after = std::get<std::shared_ptr<const Runtime>>(built);
    outcome.ignored = restart_only_changes(before->config, after->config);
    current_.store(std::move(after));
    outcome.reloaded = true;
    return outcome;
}

std::vector<std::string> restart_only_changes(const Config& before, const Config& after) {
    static constexpr std::array<std::string_view, 4> keys = {"socket", "socket_mode", "user", "pid_file"};
    std::vector<std::string> changed;
    for (std::string_view name : keys) {
        const KeySpec* spec = find_key(name);
        if (spec->show(before) != spec->show(after)) changed.emplace_back(name);
    }
    return changed;
}

}  // namespace milter
