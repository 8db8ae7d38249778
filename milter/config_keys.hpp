// milter/config_keys.hpp: the one table of configuration keys.
// Each row is a key's name, its default (as it would be written in the file), a
// one-line description, how to parse a value into a Config and how to print it
// back. The table feeds parse_config() and default_config(), the listing of
// --check-config, and a test that every key is documented in
// packaging/spf-milter.conf and packaging/man/spf-milter.conf.5.
// To add a key: a Config field, one row here, the two documents, a test.
#pragma once

#include "milter/config.hpp"
#include "milter/config_values.hpp"

#include <array>
#include <string>
#include <string_view>

namespace milter {

struct KeySpec {
    std::string_view name;
    std::string_view default_value;
    std::string_view doc;
    // Sets the value in config; returns an error message, empty on success.
    std::string (*apply)(Config& config, std::string_view value);
    std::string (*show)(const Config& config);
};

// clang-format off
inline constexpr std::array config_keys = {
KeySpec{"socket", "unix:/run/spf-milter/spf-milter.sock",
    "where to listen: unix:/path, local:/path, inet:PORT@HOST, inet6:PORT@HOST",
    [](Config& c, std::string_view v) { return assign(c.socket, parse_socket(v)); },
    [](const Config& c) { return c.socket.text; }},
KeySpec{"socket_mode", "0660",
    "permissions of a unix socket (octal)",
    [](Config& c, std::string_view v) { return assign(c.socket_mode, parse_mode(v)); },
    [](const Config& c) { return show_mode(c.socket_mode); }},
KeySpec{"listen_backlog", "4096",
    "connections the kernel queues for the socket before they are accepted (capped by net.core.somaxconn)",
    [](Config& c, std::string_view v) { return assign(c.listen_backlog, parse_count(v, 16, 65'535)); },
    [](const Config& c) { return std::to_string(c.listen_backlog); }},
KeySpec{"user", "",
    "run as this user (and its group) once the socket is open; empty: do not change user",
    [](Config& c, std::string_view v) { return assign(c.user, parse_name(v)); },
    [](const Config& c) { return c.user; }},
KeySpec{"pid_file", "",
    "write the process id to this file; empty: none",
    [](Config& c, std::string_view v) { return assign(c.pid_file, parse_path(v)); },
    [](const Config& c) { return c.pid_file; }},
KeySpec{"dns_servers", "",
    "DNS servers to ask, HOST[:PORT] list; empty: those of /etc/resolv.conf",
    [](Config& c, std::string_view v) { return assign(c.dns_servers, parse_dns_servers(v)); },
    [](const Config& c) { return show_dns_servers(c.dns_servers); }},
KeySpec{"dns_timeout", "",
    "seconds to wait for one DNS server before asking the next; empty: the timeout:N option of /etc/resolv.conf when its servers are used, else 5",
    [](Config& c, std::string_view v) {
        if (v.empty()) {
            c.dns_timeout_s.reset();
            return std::string();
        }
        unsigned seconds = 0;
        std::string error = assign(seconds, parse_seconds(v, 1, 60));
        if (error.empty()) c.dns_timeout_s = seconds;
        return error;
    },
    [](const Config& c) { return c.dns_timeout_s ? std::to_string(*c.dns_timeout_s) : std::string(); }},
KeySpec{"check_timeout", "20",
    "seconds of DNS for one message, HELO and MAIL FROM checks together",
    [](Config& c, std::string_view v) { return assign(c.check_timeout_s, parse_seconds(v, 1, 3600)); },
    [](const Config& c) { return std::to_string(c.check_timeout_s); }},
KeySpec{"dns_cache_entries", "20000",
    "DNS answers kept for their TTL (about 800 bytes each at most); 0: no cache",
    [](Config& c, std::string_view v) { return assign(c.dns_cache_entries, parse_count(v, 0, 10'000'000)); },
    [](const Config& c) { return std::to_string(c.dns_cache_entries); }},
KeySpec{"dns_cache_max_ttl", "86400",
    "seconds an answer is kept at most, whatever its TTL says (negative answers: at most 3600)",
    [](Config& c, std::string_view v) { return assign(c.dns_cache_max_ttl_s, parse_seconds(v, 1, 604'800)); },
    [](const Config& c) { return std::to_string(c.dns_cache_max_ttl_s); }},
KeySpec{"dns_prefetch", "yes",
    "ask the lookups of a record's terms together as soon as it is read, and the HELO and MAIL FROM checks at once",
    [](Config& c, std::string_view v) { return assign(c.dns_prefetch, parse_bool(v)); },
    [](const Config& c) { return show_bool(c.dns_prefetch); }},
KeySpec{"trusted_networks", "127.0.0.0/8, ::1",
    "clients that are never checked (networks or addresses, IPv4 and IPv6)",
    [](Config& c, std::string_view v) { return assign(c.trusted_networks, parse_networks(v)); },
    [](const Config& c) { return show_networks(c.trusted_networks); }},
KeySpec{"skip_networks", "",
    "more clients that are not checked (backup MX, forwarders)",
    [](Config& c, std::string_view v) { return assign(c.skip_networks, parse_networks(v)); },
    [](const Config& c) { return show_networks(c.skip_networks); }},
KeySpec{"skip_sender_domains", "",
    "envelope-from domains that are not checked; .example.com = its subdomains",
    [](Config& c, std::string_view v) { return assign(c.skip_sender_domains, parse_domains(v)); },
    [](const Config& c) { return show_list(c.skip_sender_domains); }},
KeySpec{"trusted_forwarders", "",
    "domains whose SPF record lists the servers that forward to us: a client it passes is not checked",
    [](Config& c, std::string_view v) { return assign(c.trusted_forwarders, parse_forwarders(v)); },
    [](const Config& c) { return show_list(c.trusted_forwarders); }},
KeySpec{"strict_domains", "",
    "envelope-from domains for which any result but pass is refused; .example.com = its subdomains",
    [](Config& c, std::string_view v) { return assign(c.strict_domains, parse_domains(v)); },
    [](const Config& c) { return show_list(c.strict_domains); }},
KeySpec{"skip_authenticated", "yes",
    "do not check clients that authenticated with SMTP AUTH",
    [](Config& c, std::string_view v) { return assign(c.skip_authenticated, parse_bool(v)); },
    [](const Config& c) { return show_bool(c.skip_authenticated); }},
KeySpec{"check_helo", "yes",
    "check the HELO identity too (RFC 7208 section 2.3)",
    [](Config& c, std::string_view v) { return assign(c.check_helo, parse_bool(v)); },
    [](const Config& c) { return show_bool(c.check_helo); }},
KeySpec{"helo_fail_action", "accept",
    "what to do at MAIL FROM when the HELO identity fails: accept, reject, tempfail",
    [](Config& c, std::string_view v) { return assign(c.helo_fail_action, parse_action(v)); },
    [](const Config& c) { return std::string(to_string(c.helo_fail_action)); }},
KeySpec{"fail_action", "reject",
    "what to do with an SPF fail: accept, reject, tempfail",
    [](Config& c, std::string_view v) { return assign(c.fail_action, parse_action(v)); },
    [](const Config& c) { return std::string(to_string(c.fail_action)); }},
KeySpec{"softfail_action", "accept",
    "what to do with an SPF softfail: accept, reject, tempfail",
    [](Config& c, std::string_view v) { return assign(c.softfail_action, parse_action(v)); },
    [](const Config& c) { return std::string(to_string(c.softfail_action)); }},
KeySpec{"neutral_action", "accept",
    "what to do with an SPF neutral: accept, reject, tempfail",
    [](Config& c, std::string_view v) { return assign(c.neutral_action, parse_action(v)); },
    [](const Config& c) { return std::string(to_string(c.neutral_action)); }},
KeySpec{"none_action", "accept",
    "what to do with an SPF none: accept, reject, tempfail",
    [](Config& c, std::string_view v) { return assign(c.none_action, parse_action(v)); },
    [](const Config& c) { return std::string(to_string(c.none_action)); }},
KeySpec{"temperror_action", "tempfail",
    "what to do with an SPF temperror: accept, reject, tempfail",
    [](Config& c, std::string_view v) { return assign(c.temperror_action, parse_action(v)); },
    [](const Config& c) { return std::string(to_string(c.temperror_action)); }},
KeySpec{"permerror_action", "accept",
    "what to do with an SPF permerror: accept, reject, tempfail",
    [](Config& c, std::string_view v) { return assign(c.permerror_action, parse_action(v)); },
    [](const Config& c) { return std::string(to_string(c.permerror_action)); }},
KeySpec{"reject_at", "mail",
    "where to reject: mail (at MAIL FROM) or rcpt (at each RCPT TO but exempt ones)",
    [](Config& c, std::string_view v) { return assign(c.reject_at, parse_reject_stage(v)); },
    [](const Config& c) { return std::string(to_string(c.reject_at)); }},
KeySpec{"exempt_recipients", "postmaster",
    "recipients still accepted with reject_at = rcpt: local parts or full addresses",
    [](Config& c, std::string_view v) { return assign(c.exempt_recipients, parse_recipients(v)); },
    [](const Config& c) { return show_list(c.exempt_recipients); }},
KeySpec{"dry_run", "no",
    "log what would be done, never reject or tempfail; headers are still added",
    [](Config& c, std::string_view v) { return assign(c.dry_run, parse_bool(v)); },
    [](const Config& c) { return show_bool(c.dry_run); }},
KeySpec{"headers", "received-spf, authentication-results",
    "headers to add: received-spf, authentication-results (one or both, comma-separated), or none",
    [](Config& c, std::string_view v) { return assign_headers(c, v); },
    [](const Config& c) { return show_headers(c); }},
KeySpec{"authserv_id", "",
    "authserv-id of Authentication-Results (RFC 8601); empty: the MTA's host name",
    [](Config& c, std::string_view v) { return assign(c.authserv_id, parse_host_name(v)); },
    [](const Config& c) { return c.authserv_id; }},
KeySpec{"remove_forged_results", "yes",
    "remove incoming Authentication-Results that carry our authserv-id (RFC 8601 section 5)",
    [](Config& c, std::string_view v) { return assign(c.remove_forged_results, parse_bool(v)); },
    [](const Config& c) { return show_bool(c.remove_forged_results); }},
KeySpec{"receiver", "",
    "host name in Received-SPF receiver= and in %{r}; empty: the MTA's host name",
    [](Config& c, std::string_view v) { return assign(c.receiver, parse_host_name(v)); },
    [](const Config& c) { return c.receiver; }},
KeySpec{"reject_text", "SPF fail: %{c} is not allowed to send mail for %{o}",
    "reply text for a fail when the domain gives no explanation (SPF macros allowed)",
    [](Config& c, std::string_view v) { return assign(c.reject_text, parse_reject_text(v)); },
    [](const Config& c) { return c.reject_text; }},
KeySpec{"log_level", "info",
    "error, warning, info or debug",
    [](Config& c, std::string_view v) { return assign(c.log_level, parse_log_level(v)); },
    [](const Config& c) { return std::string(to_string(c.log_level)); }},
KeySpec{"syslog_facility", "mail",
    "syslog facility: mail, daemon, user, auth, authpriv, local0 ... local7",
    [](Config& c, std::string_view v) { return assign(c.syslog_facility, parse_facility(v)); },
    [](const Config& c) { return c.syslog_facility; }},
KeySpec{"log_format", "text",
    "text (key=value words) or json (one JSON object a decision, for log shippers)",
    [](Config& c, std::string_view v) {
        if (v != "text" && v != "json") return "'" + std::string(v) + "' is not text or json";
        c.log_json = v == "json";
        return std::string();
    },
    [](const Config& c) { return std::string(c.log_json ? "json" : "text"); }},
KeySpec{"trace_senders", "",
    "envelope-from domains whose checks are logged in full, every term and DNS answer; .example.com = subdomains",
    [](Config& c, std::string_view v) { return assign(c.trace_senders, parse_domains(v)); },
    [](const Config& c) { return show_list(c.trace_senders); }},
KeySpec{"trace_clients", "",
    "clients (networks or addresses) whose checks are logged in full",
    [](Config& c, std::string_view v) { return assign(c.trace_clients, parse_networks(v)); },
    [](const Config& c) { return show_networks(c.trace_clients); }},
KeySpec{"metrics_listen", "",
    "serve Prometheus metrics over HTTP at this ADDRESS:PORT (/metrics); empty: no listener",
    [](Config& c, std::string_view v) { return assign(c.metrics_listen, parse_listen_address(v)); },
    [](const Config& c) { return c.metrics_listen ? c.metrics_listen->text : std::string(); }},
KeySpec{"metrics_file", "",
    "write the metrics to this file every metrics_interval seconds (node-exporter's textfile collector); empty: none",
    [](Config& c, std::string_view v) { return assign(c.metrics_file, parse_path(v)); },
    [](const Config& c) { return c.metrics_file; }},
KeySpec{"metrics_interval", "15",
    "seconds between two writes of metrics_file",
    [](Config& c, std::string_view v) { return assign(c.metrics_interval_s, parse_seconds(v, 1, 3600)); },
    [](const Config& c) { return std::to_string(c.metrics_interval_s); }},
};
// clang-format on

const KeySpec* find_key(std::string_view name);

// The keys that take a comma-separated list. Each item of theirs may be
// file:/path, which stands for the entries of that file (list_file.hpp).
inline constexpr std::array<std::string_view, 9> list_keys = {
    "dns_servers",    "trusted_networks",  "skip_networks", "skip_sender_domains", "trusted_forwarders",
    "strict_domains", "exempt_recipients", "trace_senders", "trace_clients",
};
bool is_list_key(std::string_view name);

}  // namespace milter
