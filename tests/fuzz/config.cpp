// tests/fuzz/config.cpp: parse_config() on any text (milter/config.hpp).
// Properties:
//   - it never crashes or throws (nothing throws for a bad file: errors are values);
//   - an error names a line of the text that holds a key (not blank, not a comment)
//     and says what is wrong, and ConfigError::to_string() starts "FILE:LINE: ";
//   - a configuration that parses is described by describe() (--check-config) in
//     text that parses to the same description: what the daemon prints, it reads.
#include "milter/config.hpp"
#include "fuzz_check.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace {

// The 1-based line number of text, trimmed of blanks.
std::string_view line_of(std::string_view text, unsigned number) {
    for (unsigned i = 1; i < number; ++i) {
        const std::size_t newline = text.find('\n');
        if (newline == std::string_view::npos) return {};
        text.remove_prefix(newline + 1);
    }
    text = text.substr(0, text.find('\n'));
    const std::size_t first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const milter::ConfigResult result = milter::parse_config(text, "fuzz.conf");
    if (const auto* error = std::get_if<milter::ConfigError>(&result)) {
        const unsigned lines = static_cast<unsigned>(std::count(text.begin(), text.end(), '\n')) + 1;
        fuzz::require(error->line >= 1 && error->line <= lines, "the error names a line of the text",
                      error->to_string());
        const std::string_view line = line_of(text, error->line);
        fuzz::require(!line.empty() && line.front() != '#', "the line named holds a key", error->to_string(), line);
        fuzz::require(!error->message.empty(), "the error says what is wrong", error->to_string());
        fuzz::require(error->to_string().starts_with("fuzz.conf:" + std::to_string(error->line) + ": "),
                      "FILE:LINE: in the error text", error->to_string());
        return 0;
    }
    const std::string described = milter::describe(std::get<milter::Config>(result));
    const milter::ConfigResult again = milter::parse_config(described, "described.conf");
    if (const auto* error = std::get_if<milter::ConfigError>(&again))
        fuzz::fail("describe() gives a file that parses", described, error->to_string());
    fuzz::require(milter::describe(std::get<milter::Config>(again)) == described,
                  "describe(parse(describe(c))) == describe(c)", described,
                  milter::describe(std::get<milter::Config>(again)));
    return 0;
}
