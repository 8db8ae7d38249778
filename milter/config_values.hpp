// milter/config_values.hpp: parsers and printers of single configuration values,
// used by the rows of config_keys.hpp. Each parser returns the value or an error
// message for people ("'maybe' is not yes or no"); ConfigError adds file, line, key.
#pragma once

#include "milter/config.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace milter {

struct ValueError {
    std::string message;
};

template <class T>
using Parsed = std::variant<T, ValueError>;

template <class T>
std::string assign(T& field, Parsed<T>&& parsed) {
    if (auto* error = std::get_if<ValueError>(&parsed)) return std::move(error->message);
    field = std::move(std::get<T>(parsed));
    return {};
}

// For parsers shared with other code, which return std::variant<T, std::string>.
template <class T>
std::string assign(T& field, std::variant<T, std::string>&& parsed) {
    if (auto* error = std::get_if<std::string>(&parsed)) return std::move(*error);
    field = std::move(std::get<T>(parsed));
    return {};
}

// Comma-separated items, each trimmed; empty items are dropped ("a, , b" = a, b).
std::vector<std::string_view> split_list(std::string_view value);

Parsed<bool> parse_bool(std::string_view value);  // yes/no, true/false, on/off, 1/0
Parsed<unsigned> parse_seconds(std::string_view value, unsigned min, unsigned max);
Parsed<unsigned> parse_count(std::string_view value, unsigned min, unsigned max);
Parsed<unsigned> parse_mode(std::string_view value);  // octal, at most 0777
Parsed<Action> parse_action(std::string_view value);
Parsed<RejectStage> parse_reject_stage(std::string_view value);
Parsed<LogLevel> parse_log_level(std::string_view value);
Parsed<std::string> parse_facility(std::string_view value);
Parsed<std::string> parse_name(std::string_view value);       // a user name: no blanks
Parsed<std::string> parse_path(std::string_view value);       // empty or absolute
Parsed<std::string> parse_host_name(std::string_view value);  // empty or a dot-atom host name
Parsed<std::string> parse_reject_text(std::string_view value);
Parsed<std::vector<spf::DnsServer>> parse_dns_servers(std::string_view value);
Parsed<std::vector<Network>> parse_networks(std::string_view value);
Parsed<std::vector<std::string>> parse_domains(std::string_view value);
// Domains without the .domain form (a forwarder is one SPF record), at most 100:
// each is evaluated for every client that is not skipped otherwise.
Parsed<std::vector<std::string>> parse_forwarders(std::string_view value);
Parsed<std::vector<std::string>> parse_recipients(std::string_view value);
// Empty: none; else ADDRESS:PORT or [IPV6]:PORT, the port required.
Parsed<std::optional<ListenAddress>> parse_listen_address(std::string_view value);
std::string assign_headers(Config& config, std::string_view value);

std::string show_bool(bool value);
std::string show_mode(unsigned mode);
std::string show_list(const std::vector<std::string>& items);
std::string show_networks(const std::vector<Network>& networks);
std::string show_dns_servers(const std::vector<spf::DnsServer>& servers);
std::string show_headers(const Config& config);

std::string lower_case(std::string_view text);

}  // namespace milter
