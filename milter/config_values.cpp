// milter/config_values.cpp: see config_values.hpp.
#include "milter/config_values.hpp"

#include "spf/grammar.hpp"
#include "spf/ip_address.hpp"
#include "spf/text.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace milter {

namespace {

std::string quoted(std::string_view value) { return "'" + std::string(value) + "'"; }

bool has_blank(std::string_view text) { return text.find_first_of(" \t") != std::string_view::npos; }

bool is_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Labels of letters, digits, '-' and '_', separated by single dots.
bool is_host_name(std::string_view name) {
    if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') return false;
    char previous = '.';
    for (char c : name) {
        if (c == '.' ? previous == '.' : !is_host_char(c)) return false;
        previous = c;
    }
    return true;
}

template <class T, std::size_t N>
Parsed<T> parse_word(std::string_view value, const std::array<std::pair<std::string_view, T>, N>& words,
                     std::string_view expected) {
    const std::string word = lower_case(value);
    for (const auto& [name, item] : words)
        if (name == word) return item;
    return ValueError{quoted(value) + " is not " + std::string(expected)};
}

}  // namespace

std::string lower_case(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    return lower;
}

std::vector<std::string_view> split_list(std::string_view value) {
    std::vector<std::string_view> items;
    while (true) {
        const std::size_t comma = value.find(',');
        const std::string_view item = spf::trimmed(value.substr(0, comma));
        if (!item.empty()) items.push_back(item);
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return items;
}

Parsed<bool> parse_bool(std::string_view value) {
    static constexpr std::array<std::pair<std::string_view, bool>, 8> words = {{
        {"yes", true},
        {"true", true},
        {"on", true},
        {"1", true},
        {"no", false},
        {"false", false},
        {"off", false},
        {"0", false},
    }};
    return parse_word(value, words, "yes or no");
}

Parsed<unsigned> parse_seconds(std::string_view value, unsigned min, unsigned max) {
    unsigned seconds = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (value.empty() || error != std::errc() || end != value.data() + value.size())
        return ValueError{quoted(value) + " is not a number of seconds"};
    if (seconds < min || seconds > max)
        return ValueError{std::to_string(seconds) + " is outside " + std::to_string(min) + ".." + std::to_string(max)};
    return seconds;
}

Parsed<unsigned> parse_count(std::string_view value, unsigned min, unsigned max) {
    unsigned count = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), count);
    if (value.empty() || error != std::errc() || end != value.data() + value.size())
        return ValueError{quoted(value) + " is not a whole number"};
    if (count < min || count > max)
        return ValueError{std::to_string(count) + " is outside " + std::to_string(min) + ".." + std::to_string(max)};
    return count;
}

Parsed<unsigned> parse_mode(std::string_view value) {
    unsigned mode = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), mode, 8);
    if (value.empty() || error != std::errc() || end != value.data() + value.size() || mode > 0777)
        return ValueError{quoted(value) + " is not an octal mode such as 0660"};
    return mode;
}

Parsed<Action> parse_action(std::string_view value) {
    static constexpr std::array<std::pair<std::string_view, Action>, 3> words = {{
        {"accept", Action::accept},
        {"reject", Action::reject},
        {"tempfail", Action::tempfail},
    }};
    return parse_word(value, words, "accept, reject or tempfail");
}

Parsed<RejectStage> parse_reject_stage(std::string_view value) {
    static constexpr std::array<std::pair<std::string_view, RejectStage>, 2> words = {{
        {"mail", RejectStage::mail},
        {"rcpt", RejectStage::rcpt},
    }};
    return parse_word(value, words, "mail or rcpt");
}

Parsed<LogLevel> parse_log_level(std::string_view value) {
    static constexpr std::array<std::pair<std::string_view, LogLevel>, 4> words = {{
        {"error", LogLevel::error},
        {"warning", LogLevel::warning},
        {"info", LogLevel::info},
        {"debug", LogLevel::debug},
    }};
    return parse_word(value, words, "error, warning, info or debug");
}

Parsed<std::string> parse_facility(std::string_view value) {
    static constexpr std::array<std::string_view, 13> names = {"mail",   "daemon", "user",   "auth",   "authpriv",
                                                               "local0", "local1", "local2", "local3", "local4",
                                                               "local5", "local6", "local7"};
    const std::string name = lower_case(value);
    if (std::find(names.begin(), names.end(), name) == names.end())
        return ValueError{quoted(value) +
                          " is not a syslog facility (mail, daemon, user, auth, authpriv, local0..local7)"};
    return name;
}

Parsed<std::string> parse_name(std::string_view value) {
    if (has_blank(value) || value.find(':') != std::string_view::npos)
        return ValueError{quoted(value) + " is not a user name"};
    return std::string(value);
}

Parsed<std::string> parse_path(std::string_view value) {
    if (!value.empty() && value.front() != '/') return ValueError{quoted(value) + " is not an absolute path"};
    return std::string(value);
}

Parsed<std::string> parse_host_name(std::string_view value) {
    if (!value.empty() && !is_host_name(value))
        return ValueError{quoted(value) + " is not a host name (letters, digits, '-', '_' and dots)"};
    return std::string(value);
}

Parsed<std::string> parse_reject_text(std::string_view value) {
    // The text becomes CheckOptions::default_explanation, expanded like an exp= TXT
    // record (RFC 7208 §6.2), so it must be an explain-string: a literal '%' is "%%".
    const auto parsed = spf::parse_explain_string(value);
    if (const auto* error = std::get_if<spf::ParseError>(&parsed))
        return ValueError{"not a valid SPF explain-string (" + error->message() + "); write a literal % as %%"};
    return std::string(value);
}

Parsed<std::vector<spf::DnsServer>> parse_dns_servers(std::string_view value) {
    std::vector<spf::DnsServer> servers;
    for (std::string_view item : split_list(value)) {
        auto server = spf::parse_dns_server(item);
        if (auto* error = std::get_if<std::string>(&server)) return ValueError{quoted(item) + ": " + *error};
        servers.push_back(std::get<spf::DnsServer>(std::move(server)));
    }
    return servers;
}

Parsed<std::vector<Network>> parse_networks(std::string_view value) {
    std::vector<Network> networks;
    for (std::string_view item : split_list(value)) {
        auto network = parse_network(item);
        if (auto* error = std::get_if<std::string>(&network)) return ValueError{*error};
        networks.push_back(std::get<Network>(network));
    }
    return networks;
}

Parsed<std::vector<std::string>> parse_domains(std::string_view value) {
    std::vector<std::string> domains;
    for (std::string_view item : split_list(value)) {
        std::string domain = lower_case(item);
        if (domain.size() > 1 && domain.back() == '.') domain.pop_back();
        const std::string_view name = std::string_view(domain).substr(domain.front() == '.' ? 1 : 0);
        if (!is_host_name(name)) return ValueError{quoted(item) + " is not a domain (or .domain for its subdomains)"};
        domains.push_back(std::move(domain));
    }
    return domains;
}

Parsed<std::vector<std::string>> parse_forwarders(std::string_view value) {
    constexpr std::size_t most = 100;
    auto parsed = parse_domains(value);
    auto* domains = std::get_if<std::vector<std::string>>(&parsed);
    if (domains == nullptr) return parsed;
    for (const std::string& domain : *domains)
        if (domain.front() == '.')
            return ValueError{quoted(domain) + ": a forwarder is a domain with an SPF record, not .domain"};
    if (domains->size() > most)
        return ValueError{std::to_string(domains->size()) + " forwarders: at most " + std::to_string(most) +
                          " (each is checked for every client)"};
    return parsed;
}

Parsed<std::vector<std::string>> parse_recipients(std::string_view value) {
    std::vector<std::string> recipients;
    for (std::string_view item : split_list(value)) {
        const std::size_t at = item.rfind('@');
        if (has_blank(item) || item.front() == '<' || at == 0 || at + 1 == item.size() ||
            (at != std::string_view::npos && !is_host_name(item.substr(at + 1))))
            return ValueError{quoted(item) + " is not a local part or an address (postmaster, abuse@example.com)"};
        recipients.push_back(lower_case(item));
    }
    return recipients;
}

Parsed<std::optional<ListenAddress>> parse_listen_address(std::string_view value) {
    if (value.empty()) return std::optional<ListenAddress>();
    const ValueError expected{quoted(value) + " is not ADDRESS:PORT (127.0.0.1:9101, [::1]:9101)"};
    std::string_view host;
    std::string_view port;
    if (value.front() == '[') {
        const std::size_t close = value.find(']');
        if (close == std::string_view::npos || close + 1 >= value.size() || value[close + 1] != ':') return expected;
        host = value.substr(1, close - 1);
        port = value.substr(close + 2);
        if (host.find(':') == std::string_view::npos) return expected;  // brackets are for IPv6
    } else {
        const std::size_t colon = value.find(':');
        if (colon == std::string_view::npos || value.find(':', colon + 1) != std::string_view::npos) return expected;
        host = value.substr(0, colon);
        port = value.substr(colon + 1);
    }
    if (!spf::IpAddress::parse(host)) return ValueError{quoted(host) + " is not an IP address"};
    unsigned number = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || error != std::errc() || end != port.data() + port.size() || number == 0 || number > 65535)
        return ValueError{quoted(port) + " is not a port (1 to 65535)"};
    return std::optional<ListenAddress>(
        ListenAddress{std::string(host), static_cast<std::uint16_t>(number), std::string(value)});
}

std::string assign_headers(Config& config, std::string_view value) {
    bool received_spf = false;
    bool authentication_results = false;
    bool none = false;
    const auto items = split_list(value);
    for (std::string_view item : items) {
        const std::string name = lower_case(item);
        if (name == "received-spf") {
            received_spf = true;
        } else if (name == "authentication-results") {
            authentication_results = true;
        } else if (name == "none") {
            none = true;
        } else {
            return quoted(item) + " is not received-spf, authentication-results or none";
        }
    }
    if (items.empty()) return "no headers named: write none to add no headers";
    if (none && items.size() > 1) return "none cannot be combined with header names";
    config.add_received_spf = received_spf;
    config.add_authentication_results = authentication_results;
    return {};
}

std::string show_bool(bool value) { return value ? "yes" : "no"; }

std::string show_mode(unsigned mode) {
    char text[8];
    const auto end = std::to_chars(text, text + sizeof text, mode, 8).ptr;
    const std::string digits(text, end);
    return std::string(4 - std::min<std::size_t>(4, digits.size()), '0') + digits;
}

std::string show_list(const std::vector<std::string>& items) {
    std::string text;
    for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
    return text;
}

std::string show_networks(const std::vector<Network>& networks) {
    std::vector<std::string> items;
    for (const Network& network : networks) items.push_back(network.to_string());
    return show_list(items);
}

std::string show_dns_servers(const std::vector<spf::DnsServer>& servers) {
    std::vector<std::string> items;
    for (const spf::DnsServer& server : servers) {
        const bool v6 = server.host.find(':') != std::string::npos;
        items.push_back(server.port == 53 ? server.host
                        : v6              ? "[" + server.host + "]:" + std::to_string(server.port)
                                          : server.host + ":" + std::to_string(server.port));
    }
    return show_list(items);
}

std::string show_headers(const Config& config) {
    if (config.add_received_spf && config.add_authentication_results) return "received-spf, authentication-results";
    if (config.add_received_spf) return "received-spf";
    if (config.add_authentication_results) return "authentication-results";
    return "none";
}

}  // namespace milter
