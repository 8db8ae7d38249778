// milter/config.hpp: the daemon's configuration, spf-milter.conf(5).
// The file is "key = value" lines; '#' begins a comment line; blank lines are
// ignored; lists are comma-separated. Every key, its default and its parser are
// in the one table of config_keys.hpp. A Config is immutable once built: the daemon
// shares it as std::shared_ptr<const Config> and a reload builds a new one.
// Errors are values: ConfigError names the file, the line and the key.
#pragma once

#include "milter/networks.hpp"
#include "spf/ldns_resolver.hpp"
#include "spf/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace milter {

// What to do with a message, as the *_action keys say it.
enum class Action : std::uint8_t { accept, reject, tempfail };
std::string_view to_string(Action action);

// reject_at: where a rejection is given.
enum class RejectStage : std::uint8_t { mail, rcpt };
std::string_view to_string(RejectStage stage);

enum class LogLevel : std::uint8_t { error, warning, info, debug };
std::string_view to_string(LogLevel level);

// Where libmilter listens. `text` is the libmilter spelling given to smfi_setconn():
// "unix:/path", "local:/path", "inet:PORT@HOST", "inet6:PORT@HOST".
struct SocketSpec {
    enum class Kind : std::uint8_t { unix_path, inet, inet6 };
    Kind kind = Kind::unix_path;
    std::string path;        // unix_path
    std::uint16_t port = 0;  // inet, inet6
    std::string host;        // inet, inet6: address or name; empty = any
    std::string text;
    friend bool operator==(const SocketSpec&, const SocketSpec&) = default;
};
std::variant<SocketSpec, std::string> parse_socket(std::string_view text);

// An IP literal and a port: metrics_listen.
struct ListenAddress {
    std::string host;
    std::uint16_t port = 0;
    std::string text;  // as written
};

struct Config {
    SocketSpec socket;
    unsigned socket_mode = 0660;
    unsigned listen_backlog = 4096;  // listen(2), through smfi_setbacklog
    std::string user;
    std::string pid_file;
    std::vector<spf::DnsServer> dns_servers;  // empty: /etc/resolv.conf
    std::optional<unsigned> dns_timeout_s;    // empty: resolv.conf's timeout:N, or 5 s
    unsigned check_timeout_s = 20;
    unsigned dns_cache_entries = 20'000;  // 0: no cache (spf/dns_cache.hpp)
    unsigned dns_cache_max_ttl_s = 86'400;
    bool dns_prefetch = true;
    std::vector<Network> trusted_networks;
    std::vector<Network> skip_networks;
    std::vector<std::string> skip_sender_domains;  // lower case; ".example.com" = subdomains
    std::vector<std::string> trusted_forwarders;   // lower case; clients these domains' SPF passes
    std::vector<std::string> strict_domains;       // lower case; ".example.com" = subdomains
    bool skip_authenticated = true;
    bool check_helo = true;
    Action helo_fail_action = Action::accept;
    Action fail_action = Action::reject;
    Action softfail_action = Action::accept;
    Action neutral_action = Action::accept;
    Action none_action = Action::accept;
    Action temperror_action = Action::tempfail;
    Action permerror_action = Action::accept;
    RejectStage reject_at = RejectStage::mail;
    std::vector<std::string> exempt_recipients;  // lower case; local parts or addresses
    bool dry_run = false;
    bool add_received_spf = true;
    bool add_authentication_results = true;
    bool remove_forged_results = true;  // incoming Authentication-Results that claim authserv_id
    std::string authserv_id;            // empty: the MTA's {j}
    std::string receiver;               // empty: the MTA's {j}
    std::string reject_text;            // an explain-string (RFC 7208 §6.2 / §7): macros allowed
    LogLevel log_level = LogLevel::info;
    std::string syslog_facility = "mail";
    bool log_json = false;                   // log_format = json: each decision one JSON object
    std::vector<std::string> trace_senders;  // lower case; ".example.com" = subdomains
    std::vector<Network> trace_clients;
    std::optional<ListenAddress> metrics_listen;  // empty: no HTTP listener
    std::string metrics_file;                     // empty: no file
    unsigned metrics_interval_s = 15;

    // Not keys: where the values came from, for logs ("/etc/spf-milter.conf",
    // "built-in defaults").
    std::string source;
};

// The action the *_action keys give a result; pass is always accepted.
Action action_for(const Config& config, spf::Result result);

// The built-in defaults: every key's default text from the table, parsed.
const Config& default_config();

struct ConfigError {
    std::string file;
    unsigned line = 0;  // 1-based; 0 when the error is not on a line (missing file)
    std::string key;    // empty when no key could be read
    std::string message;
    // "FILE:LINE: key 'KEY': MESSAGE"; parts that are unknown are left out.
    std::string to_string() const;
};

using ConfigResult = std::variant<Config, ConfigError>;

// Parses the text of a configuration file; file_name is used in errors only.
ConfigResult parse_config(std::string_view text, std::string_view file_name);

// Command-line settings that override the file (-p, --dns-server). -f is not a key.
struct Overrides {
    std::optional<std::string> socket;
    std::vector<std::string> dns_servers;
    bool empty() const { return !socket && dns_servers.empty(); }
};

// SYSCONFDIR/spf-milter.conf of the build: /etc/spf-milter.conf for a build
// installed under /usr (the Debian package), /usr/local/etc/spf-milter.conf
// under the default prefix, so that -n and --reload by hand read the file
// that cmake --install put in place.
std::string default_config_path();

// Where the configuration comes from, kept for reloads.
struct ConfigSource {
    std::string path = default_config_path();
    bool path_given = false;  // -c: a missing file is an error; else a missing default = defaults
    Overrides overrides;
};

// Reads and parses the file, then applies the overrides (their errors name the
// option: "command line: key 'socket': ...").
ConfigResult load_config(const ConfigSource& source);

// "key = value" lines for every key, with the effective values (--check-config).
std::string describe(const Config& config);

}  // namespace milter
