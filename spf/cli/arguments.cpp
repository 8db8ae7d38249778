// spf/cli/arguments.cpp: see arguments.hpp.
#include "spf/cli/arguments.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace spf::cli {

namespace {

const OptionSpec* find_long(std::span<const OptionSpec> options, std::string_view name) {
    const auto found = std::find_if(options.begin(), options.end(),
                                    [&](const OptionSpec& option) { return option.long_name == name; });
    return found == options.end() ? nullptr : &*found;
}

const OptionSpec* find_short(std::span<const OptionSpec> options, std::string_view name) {
    const auto found = std::find_if(options.begin(), options.end(),
                                    [&](const OptionSpec& option) { return option.short_name == name; });
    return found == options.end() ? nullptr : &*found;
}

std::string_view canonical(const OptionSpec& option) {
    return option.long_name.empty() ? option.short_name : option.long_name;
}

}  // namespace

std::variant<std::vector<Argument>, std::string> parse_arguments(std::span<const std::string_view> arguments,
                                                                 std::span<const OptionSpec> options) {
    std::vector<Argument> parsed;
    for (std::size_t index = 0; index < arguments.size(); ++index) {
        const std::string_view argument = arguments[index];
        // "-" alone is an operand (by custom, standard input), as is anything not
        // beginning with '-'.
        if (argument.size() < 2 || argument[0] != '-') {
            parsed.push_back({.option = {}, .written = argument, .value = std::nullopt});
            continue;
        }
        std::string_view written = argument;
        std::optional<std::string_view> attached;  // "--ip=X" or "-cX": X, possibly empty for "--from="
        const OptionSpec* spec = nullptr;
        if (argument.starts_with("--")) {
            if (const std::size_t equals = argument.find('='); equals != std::string_view::npos) {
                written = argument.substr(0, equals);
                attached = argument.substr(equals + 1);
            }
            spec = find_long(options, written);
        } else {
            written = argument.substr(0, 2);
            if (argument.size() > 2) attached = argument.substr(2);
            spec = find_short(options, written);
        }
        // Unknown first: its value, if any, is not looked for.
        if (spec == nullptr) return "unknown option " + std::string(written);
        Argument option{.option = canonical(*spec), .written = written, .value = std::nullopt};
        if (!spec->takes_value) {
            if (attached) {
                if (!argument.starts_with("--"))
                    return "option " + std::string(written) +
                           " takes no value (give each short option on its own: " + std::string(written) + " -" +
                           std::string(attached->substr(0, 1)) + ")";
                return "option " + std::string(written) + " takes no value";
            }
        } else if (attached) {
            option.value = *attached;
        } else if (index + 1 < arguments.size()) {
            option.value = arguments[++index];
        } else {
            return "option " + std::string(written) + " needs a value";
        }
        parsed.push_back(option);
    }
    return parsed;
}

std::optional<double> parse_number(std::string_view text) {
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    // "inf" and "nan" are numbers to from_chars, not to a person; a range check
    // would let nan through.
    if (text.empty() || error != std::errc{} || end != text.data() + text.size() || !std::isfinite(value))
        return std::nullopt;
    return value;
}

std::optional<long> parse_integer(std::string_view text) {
    long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace spf::cli
