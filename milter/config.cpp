// milter/config.cpp: parse_config(), load_config() and the socket syntax.
// The file format is spf-milter.conf(5): "key = value", one per line. The value is
// the rest of the line with blanks trimmed (it may contain '#', '=' and spaces);
// '#' starts a comment only as the first non-blank character of a line. A key may
// be given once. Unknown keys are errors, so a misspelt key never silently leaves
// a default in force.
#include "milter/config.hpp"

#include "milter/config_keys.hpp"
#include "milter/list_file.hpp"
#include "spf/text.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace milter {

namespace {

// Levenshtein distance, for "did you mean" on unknown keys.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string unknown_key_message(std::string_view key) {
    const KeySpec* best = nullptr;
    std::size_t best_distance = 3;  // suggest only close spellings
    for (const KeySpec& spec : config_keys) {
        const std::size_t distance = edit_distance(key, spec.name);
        if (distance < best_distance) {
            best = &spec;
            best_distance = distance;
        }
    }
    if (best == nullptr) return "unknown key";
    return "unknown key (did you mean '" + std::string(best->name) + "'?)";
}

// value with each file:/path item replaced by the entries of its file. Every
// entry is first given to the key alone, so that a bad one is reported with
// its file and line ("/etc/spf-milter/relays:3: '10.0.0/8' is not a network").
struct Expanded {
    std::string value;
    std::string error;  // empty: none
};

Expanded expand_list_files(const KeySpec& spec, std::string_view value) {
    if (value.find(list_file_prefix) == std::string_view::npos) return {std::string(value), {}};
    Expanded expanded;
    Config scratch;
    const auto add = [&](std::string_view item) {
        if (!expanded.value.empty()) expanded.value += ", ";
        expanded.value += item;
    };
    while (true) {
        const std::size_t comma = value.find(',');
        const std::string_view item = spf::trimmed(value.substr(0, comma));
        if (item.starts_with(list_file_prefix)) {
            const std::string path(item.substr(list_file_prefix.size()));
            auto read = read_list_file(path);
            if (auto* error = std::get_if<std::string>(&read)) return {{}, std::move(*error)};
            for (const ListEntry& entry : std::get<std::vector<ListEntry>>(read)) {
                if (std::string message = spec.apply(scratch, entry.text); !message.empty())
                    return {{}, path + ":" + std::to_string(entry.line) + ": " + message};
                add(entry.text);
            }
        } else if (!item.empty()) {
            add(item);
        }
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return expanded;
}

Config built_in_defaults() {
    Config config;
    for (const KeySpec& spec : config_keys) {
        const std::string error = spec.apply(config, spec.default_value);
        if (!error.empty()) {
            // A bad default is a bug in config_keys.hpp; a test catches it first.
            std::fprintf(stderr, "spf-milter: default of %s: %s\n", std::string(spec.name).c_str(), error.c_str());
            std::abort();
        }
    }
    config.source = "built-in defaults";
    return config;
}

std::optional<ConfigError> apply_overrides(Config& config, const Overrides& overrides) {
    if (overrides.socket) {
        const std::string error = find_key("socket")->apply(config, *overrides.socket);
        if (!error.empty()) return ConfigError{"command line", 0, "socket", error};
    }
    if (!overrides.dns_servers.empty()) {
        std::string list;
        for (const std::string& server : overrides.dns_servers) list += (list.empty() ? "" : ",") + server;
        const std::string error = find_key("dns_servers")->apply(config, list);
        if (!error.empty()) return ConfigError{"command line", 0, "dns_servers", error};
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(Action action) {
    switch (action) {
        case Action::accept: return "accept";
        case Action::reject: return "reject";
        case Action::tempfail: return "tempfail";
    }
    return "?";
}

std::string_view to_string(RejectStage stage) { return stage == RejectStage::mail ? "mail" : "rcpt"; }

std::string_view to_string(LogLevel level) {
    switch (level) {
        case LogLevel::error: return "error";
        case LogLevel::warning: return "warning";
        case LogLevel::info: return "info";
        case LogLevel::debug: return "debug";
    }
    return "?";
}

std::variant<SocketSpec, std::string> parse_socket(std::string_view text) {
    static const std::string expected = "expected unix:/path, local:/path, inet:PORT@HOST or inet6:PORT@HOST";
    SocketSpec socket;
    socket.text = std::string(text);
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos) return "'" + std::string(text) + "': " + expected;
    const std::string_view scheme = text.substr(0, colon);
    const std::string_view rest = text.substr(colon + 1);
    if (scheme == "unix" || scheme == "local") {
        if (rest.empty() || rest.front() != '/') return "the socket path must be absolute: " + expected;
        socket.kind = SocketSpec::Kind::unix_path;
        socket.path = std::string(rest);
        return socket;
    }
    if (scheme != "inet" && scheme != "inet6") return "unknown socket type '" + std::string(scheme) + "': " + expected;
    socket.kind = scheme == "inet" ? SocketSpec::Kind::inet : SocketSpec::Kind::inet6;
    const std::size_t at = rest.find('@');
    const std::string_view port = rest.substr(0, at);
    unsigned number = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || error != std::errc() || end != port.data() + port.size() || number == 0 || number > 65535)
        return "'" + std::string(port) + "' is not a port number: " + expected;
    socket.port = static_cast<std::uint16_t>(number);
    if (at != std::string_view::npos) {
        socket.host = std::string(rest.substr(at + 1));
        if (socket.host.empty()) return "no host after '@': " + expected;
    }
    return socket;
}

Action action_for(const Config& config, spf::Result result) {
    switch (result) {
        case spf::Result::pass: return Action::accept;
        case spf::Result::fail: return config.fail_action;
        case spf::Result::softfail: return config.softfail_action;
        case spf::Result::neutral: return config.neutral_action;
        case spf::Result::none: return config.none_action;
        case spf::Result::temperror: return config.temperror_action;
        case spf::Result::permerror: return config.permerror_action;
    }
    return Action::accept;
}

const Config& default_config() {
    static const Config defaults = built_in_defaults();
    return defaults;
}

std::string default_config_path() { return SPF_MILTER_DEFAULT_CONFIG; }

bool is_list_key(std::string_view name) {
    return std::find(list_keys.begin(), list_keys.end(), name) != list_keys.end();
}

const KeySpec* find_key(std::string_view name) {
    for (const KeySpec& spec : config_keys)
        if (spec.name == name) return &spec;
    return nullptr;
}

std::string ConfigError::to_string() const {
    std::string text = file;
    if (line != 0) text += ":" + std::to_string(line);
    text += ": ";
    if (!key.empty()) text += "key '" + key + "': ";
    return text + message;
}

ConfigResult parse_config(std::string_view text, std::string_view file_name) {
    Config config = default_config();
    config.source = std::string(file_name);
    std::map<std::string, unsigned, std::less<>> seen;
    unsigned line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const std::size_t newline = text.find('\n');
        const std::string_view line = spf::trimmed(text.substr(0, newline));
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        if (line.empty() || line.front() == '#') continue;

        const auto error = [&](std::string_view key, std::string message) {
            return ConfigError{std::string(file_name), line_number, std::string(key), std::move(message)};
        };
        const std::size_t equals = line.find('=');
        const std::string_view key = spf::trimmed(line.substr(0, equals));
        if (equals == std::string_view::npos)
            return error(key.substr(0, key.find_first_of(" \t")), "expected 'key = value'");
        if (key.empty()) return error("", "no key before '='");
        const KeySpec* spec = find_key(key);
        if (spec == nullptr) return error(key, unknown_key_message(key));
        if (const auto first = seen.find(key); first != seen.end())
            return error(key, "given twice (first on line " + std::to_string(first->second) + ")");
        seen.emplace(key, line_number);
        std::string value(spf::trimmed(line.substr(equals + 1)));
        if (is_list_key(key)) {
            Expanded expanded = expand_list_files(*spec, value);
            if (!expanded.error.empty()) return error(key, std::move(expanded.error));
            value = std::move(expanded.value);
        }
        if (std::string message = spec->apply(config, value); !message.empty()) return error(key, std::move(message));
    }
    return config;
}

ConfigResult load_config(const ConfigSource& source) {
    ConfigResult result = default_config();
    std::error_code ignored;
    if (!source.path_given && !std::filesystem::exists(source.path, ignored)) {
        std::get<Config>(result).source = "built-in defaults (" + source.path + " not found)";
    } else {
        errno = 0;
        std::ifstream file(source.path, std::ios::binary);
        if (!file) return ConfigError{source.path, 0, "", "cannot open: " + std::string(std::strerror(errno))};
        std::ostringstream text;
        text << file.rdbuf();
        if (file.bad()) return ConfigError{source.path, 0, "", "cannot read: " + std::string(std::strerror(errno))};
        result = parse_config(text.str(), source.path);
    }
    if (auto* config = std::get_if<Config>(&result)) {
        if (auto error = apply_overrides(*config, source.overrides)) return *error;
    }
    return result;
}

std::string describe(const Config& config) {
    std::string text;
    for (const KeySpec& spec : config_keys) text += std::string(spec.name) + " = " + spec.show(config) + "\n";
    return text;
}

}  // namespace milter
