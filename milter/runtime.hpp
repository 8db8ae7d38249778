// milter/runtime.hpp: the configuration and the resolver the daemon works with,
// as one immutable snapshot, and how a reload replaces it.
// Each connection takes a std::shared_ptr<const Runtime> at connect and keeps it to
// the end, so a reload never changes the rules in the middle of a transaction. A
// reload reads and validates the whole file and builds a new resolver first; only
// when everything succeeded is the pointer swapped (atomically). On any error the
// old snapshot stays, and the error says why (file, line, key).
#pragma once

#include "milter/config.hpp"
#include "spf/dns_cache.hpp"
#include "spf/resolver.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace milter {

struct Runtime {
    Config config;
    std::shared_ptr<spf::Resolver> resolver;  // thread-safe (spf/resolver.hpp): the cache, or upstream
    std::shared_ptr<spf::DnsCache> cache;     // the same object as resolver; empty without a cache
    // What the resolver asks, and how (servers, timeouts, cache settings): a
    // reload whose setup is the same keeps the resolver and its cache. Empty:
    // not known (a resolver from a test's factory), never kept.
    std::string dns_setup;
    unsigned generation = 0;  // 1 at start, +1 per successful reload
};

// Builds the resolver a configuration asks for.
using ResolverFactory = std::function<std::variant<std::shared_ptr<spf::Resolver>, std::string>(const Config&)>;

// The real one: an spf::LdnsResolver with dns_servers (or /etc/resolv.conf) and dns_timeout.
std::variant<std::shared_ptr<spf::Resolver>, std::string> make_ldns_resolver(const Config& config);

// The resolver behind the cache is the factory's; the cache (dns_cache_entries
// > 0) is put in front of it here. With `previous` and the same dns_setup,
// previous's resolver and cache are kept instead: a reload keeps what was learnt.
std::variant<std::shared_ptr<const Runtime>, std::string> build_runtime(Config config, const ResolverFactory& factory,
                                                                        unsigned generation = 1,
                                                                        const Runtime* previous = nullptr);

// The cache settings of a configuration.
spf::CacheOptions cache_options(const Config& config);

struct ReloadOutcome {
    bool reloaded = false;
    std::string error;                 // why not: "FILE:LINE: key 'KEY': MESSAGE"
    std::vector<std::string> ignored;  // keys that changed but need a restart (socket, user, ...)
    bool cache_kept = false;           // the DNS setup did not change: the cache goes on
};

class RuntimeHolder {
public:
    explicit RuntimeHolder(std::shared_ptr<const Runtime> initial);

    std::shared_ptr<const Runtime> current() const { return current_.load(); }

    // Reads source again, validates, builds the resolver, swaps. Nothing changes on
    // error, and a missing file is an error even without -c (source.path_given
    // false), where at start it would mean the built-in defaults.
    ReloadOutcome reload(const ConfigSource& source, const ResolverFactory& factory);

private:
    std::atomic<std::shared_ptr<const Runtime>> current_;
    // The configuration the daemon started with: what the restart-only keys
    // (socket, user, ...) still are, whatever reloads said since.
    const Config started_;
};

// Keys that only take effect at start (the socket is bound, privileges dropped):
// those whose values differ between the two configurations.
std::vector<std::string> restart_only_changes(const Config& before, const Config& after);

}  // namespace milter
