// milter/runtime.cpp: see runtime.hpp.
#include "milter/runtime.hpp"

#include "milter/metrics.hpp"

#include "milter/config_keys.hpp"
#include "spf/ldns_resolver.hpp"

#include <algorithm>
#include <array>

namespace milter {

std::variant<std::shared_ptr<spf::Resolver>, std::string> make_ldns_resolver(const Config& config) {
    spf::LdnsOptions options;
    options.servers = config.dns_servers;
    if (config.dns_timeout_s) options.query_timeout = std::chrono::seconds(*config.dns_timeout_s);
    options.observer = metrics_observer();
    auto created = spf::LdnsResolver::create(options);
    if (auto* error = std::get_if<std::string>(&created)) return "cannot set up DNS: " + *error;
    return std::shared_ptr<spf::Resolver>(std::move(std::get<std::unique_ptr<spf::LdnsResolver>>(created)));
}

spf::CacheOptions cache_options(const Config& config) {
    spf::CacheOptions options;
    options.max_entries = config.dns_cache_entries;
    options.max_bytes = std::size_t{config.dns_cache_entries} * 800;  // config_keys.hpp: about 800 bytes each
    options.max_ttl = std::chrono::seconds(config.dns_cache_max_ttl_s);
    options.max_negative_ttl = std::min(options.max_negative_ttl, options.max_ttl);
    options.prefetch_threads = config.dns_prefetch ? options.prefetch_threads : 0;
    return options;
}

namespace {

// Everything that decides what the resolver answers, as text: the servers and
// options really used (resolv.conf read), and the cache settings.
std::string dns_setup_of(const Config& config, const spf::Resolver& upstream) {
    const auto* ldns = dynamic_cast<const spf::LdnsResolver*>(&upstream);
    if (ldns == nullptr) return {};
    const spf::LdnsOptions& options = ldns->options();
    std::string setup = "servers";
    for (const spf::DnsServer& server : options.servers) setup += " " + server.host + ":" + std::to_string(server.port);
    setup += "; timeout " + std::to_string(options.query_timeout ? options.query_timeout->count() : 0) + " ms";
    setup += "; retries " + std::to_string(options.retries.value_or(0));
    setup += options.rotate ? "; rotate" : "";
    setup += options.edns0 ? "; edns0" : "";
    setup += "; cache " + std::to_string(config.dns_cache_entries) + " max-ttl " +
             std::to_string(config.dns_cache_max_ttl_s) + (config.dns_prefetch ? " prefetch" : "");
    return setup;
}

}  // namespace

std::variant<std::shared_ptr<const Runtime>, std::string> build_runtime(Config config, const ResolverFactory& factory,
                                                                        unsigned generation, const Runtime* previous) {
    auto made = factory(config);
    if (auto* error = std::get_if<std::string>(&made)) return std::move(*error);
    std::shared_ptr<spf::Resolver> upstream = std::move(std::get<std::shared_ptr<spf::Resolver>>(made));
    auto runtime = std::make_shared<Runtime>();
    runtime->dns_setup = dns_setup_of(config, *upstream);
    if (previous != nullptr && !runtime->dns_setup.empty() && previous->dns_setup == runtime->dns_setup) {
        runtime->resolver = previous->resolver;
        runtime->cache = previous->cache;
    } else if (config.dns_cache_entries > 0) {
        runtime->cache =
            std::make_shared<spf::DnsCache>(std::move(upstream), spf::system_clock(), cache_options(config));
        runtime->resolver = runtime->cache;
    } else {
        runtime->resolver = std::move(upstream);
    }
    runtime->config = std::move(config);
    runtime->generation = generation;
    return std::shared_ptr<const Runtime>(std::move(runtime));
}

RuntimeHolder::RuntimeHolder(std::shared_ptr<const Runtime> initial) : current_(initial), started_(initial->config) {}

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
    auto built = build_runtime(std::get<Config>(std::move(loaded)), factory, before->generation + 1, before.get());
    if (auto* error = std::get_if<std::string>(&built)) {
        outcome.error = std::move(*error);
        return outcome;
    }
    auto& after = std::get<std::shared_ptr<const Runtime>>(built);
    // Against what runs, not the previous file: a socket changed and then
    // changed back needs no restart.
    outcome.ignored = restart_only_changes(started_, after->config);
    outcome.cache_kept = after->cache != nullptr && after->cache == before->cache;
    current_.store(std::move(after));
    outcome.reloaded = true;
    return outcome;
}

std::vector<std::string> restart_only_changes(const Config& before, const Config& after) {
    static constexpr std::array<std::string_view, 8> keys = {"socket",       "socket_mode",     "listen_backlog",
                                                             "user",         "pid_file",        "metrics_listen",
                                                             "metrics_file", "metrics_interval"};
    std::vector<std::string> changed;
    for (std::string_view name : keys) {
        const KeySpec* spec = find_key(name);
        if (spec->show(before) != spec->show(after)) changed.emplace_back(name);
    }
    return changed;
}

}  // namespace milter
