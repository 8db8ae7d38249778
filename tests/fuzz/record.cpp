// tests/fuzz/record.cpp: the grammar and the canonical printer, RFC 7208 §12.
// Property: a record that parses prints to a text that parses to the same AST and
// prints the same again (the printer's promise in record_printer.hpp); a text that
// does not parse gives an error inside the text; parsing implies is_spf_record().
#include "fuzz_check.hpp"
#include "spf/grammar.hpp"
#include "spf/record_printer.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = spf::parse_record(text);
    if (const auto* error = std::get_if<spf::ParseError>(&parsed)) {
        fuzz::require(error->column >= 1 && error->column <= text.size() + 1, "error column inside the text", text,
                      error->message());
        fuzz::require(!error->message().empty(), "an error has a message", text);
        return 0;
    }
    const auto& record = std::get<spf::ast::Record>(parsed);
    fuzz::require(spf::is_spf_record(text), "a record that parses is an SPF record (§4.5)", text);

    const std::string printed = spf::to_string(record);
    auto reparsed = spf::parse_record(printed);
    if (const auto* error = std::get_if<spf::ParseError>(&reparsed))
        fuzz::fail("the canonical text parses", printed, error->message());
    const auto& again = std::get<spf::ast::Record>(reparsed);
    fuzz::require(again == record, "parse(print(r)) == r", text, printed);
    fuzz::require(spf::to_string(again) == printed, "print(parse(print(r))) == print(r)", printed,
                  spf::to_string(again));
    return 0;
}
