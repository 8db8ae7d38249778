// spf/cli/arguments.hpp: the one command-line convention of spf-query(1) and
// spf-milter(8), written once so that both programs read a line alike:
//   - a long option takes its value as the next argument or after '='
//     (--ip 192.0.2.1, --ip=192.0.2.1; --from= is an empty value);
//   - a short option takes it as the next argument or attached (-c FILE, -cFILE);
//   - a flag refuses a value (--json=1 is an error), and short options are
//     not bundled (-fn is an error: give -f -n);
//   - an unknown option is reported as unknown at once, before any value is
//     looked for; "needs a value" is said only of a value option that ends the line;
//   - the next argument is a value even if it begins with '-' (--sender '', --timeout -1
//     reach the program's own check), so no "--" is needed.
// Pure: no I/O. What the options mean stays with each program.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace spf::cli {

struct OptionSpec {
    std::string_view long_name;   // "--config", or "" if there is none
    std::string_view short_name;  // "-c", or "" if there is none
    bool takes_value = false;
};

struct Argument {
    // The option's long name ("--config" for -c too), or its short name when it
    // has no long one; "" for an operand (an argument that is not an option).
    std::string_view option;
    // As given, without "=VALUE": "-c", "--config"; the operand's text.
    std::string_view written;
    std::optional<std::string_view> value;  // set exactly for value options
};

// Arguments without the program name, read against options. Values point into
// arguments. Error text for the first argument that breaks the convention:
// "unknown option --bogus", "option --ip needs a value", "option --json takes no value".
std::variant<std::vector<Argument>, std::string> parse_arguments(std::span<const std::string_view> arguments,
                                                                 std::span<const OptionSpec> options);

// A decimal number, the whole text (from_chars: no "+", no spaces, no trailing
// text; parse_number refuses inf and nan).
std::optional<double> parse_number(std::string_view text);
std::optional<long> parse_integer(std::string_view text);

}  // namespace spf::cli
