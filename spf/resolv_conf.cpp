// spf/resolv_conf.cpp: see resolv_conf.hpp.
#include "spf/resolv_conf.hpp"

#include "spf/text.hpp"

#include <algorithm>
#include <charconv>

namespace spf {

namespace {

// The words of a line, split at spaces and tabs.
std::vector<std::string_view> words_of(std::string_view line) {
    std::vector<std::string_view> words;
    while (!(line = trimmed(line)).empty()) {
        const std::size_t end = std::min(line.find_first_of(" \t\r"), line.size());
        words.push_back(line.substr(0, end));
        line.remove_prefix(end);
    }
    return words;
}

// N of "name:N"; nothing if the word is another option or N is not a number.
// glibc reads the digits with atoi: "timeout:3x" is 3.
std::optional<unsigned> option_value(std::string_view word, std::string_view name) {
    if (!word.starts_with(name)) return std::nullopt;
    word.remove_prefix(name.size());
    unsigned value = 0;
    const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), value);
    if (error == std::errc::result_out_of_range) return ~0U;
    if (error != std::errc() || end == word.data()) return std::nullopt;
    return value;
}

}  // namespace

ResolvConf parse_resolv_conf(std::string_view text) {
    ResolvConf conf;
    while (!text.empty()) {
        const std::size_t newline = std::min(text.find('\n'), text.size());
        const std::string_view line = text.substr(0, newline);
        text.remove_prefix(std::min(newline + 1, text.size()));
        // glibc matches a keyword only at the start of its line: an indented
        // line, like a comment, is not read.
        if (line.empty() || line.front() == '#' || line.front() == ';' || line.front() == ' ' || line.front() == '\t')
            continue;
        const std::vector<std::string_view> words = words_of(line.substr(0, line.find_first_of("#;")));
        if (words.size() >= 2 && words[0] == "nameserver") {
            if (conf.servers.size() < ResolvConf::max_servers && IpAddress::parse(words[1]))
                conf.servers.push_back(DnsServer{std::string(words[1]), 53});
        } else if (!words.empty() && words[0] == "options") {
            for (std::size_t i = 1; i < words.size(); ++i) {
                if (auto timeout = option_value(words[i], "timeout:"))
                    conf.timeout = std::chrono::seconds(std::clamp(*timeout, 1U, ResolvConf::max_timeout_s));
                else if (auto attempts = option_value(words[i], "attempts:"))
                    conf.attempts = std::clamp(*attempts, 1U, ResolvConf::max_attempts);
                else if (words[i] == "rotate")
                    conf.rotate = true;
            }
        }
    }
    return conf;
}

}  // namespace spf
