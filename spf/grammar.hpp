// spf/grammar.hpp: the whole grammar API. RFC 7208 §12 ABNF, implemented with
// Boost.Spirit X3 in grammar_def.hpp and instantiated once in grammar.cpp.
// Nothing here throws: a record that does not parse yields a ParseError value,
// which check_host() turns into permerror with ParseError::message() as reason.
#pragma once

#include "spf/record.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace spf {

struct ParseError {
    std::size_t column = 0;  // 1-based position in the text given to the parser
    std::string expected;    // §12 production that failed, e.g. "dual-cidr-length"
    std::string detail;      // what was found, e.g. "unknown mechanism \"ipv4:\""
    // "syntax error at column 23: unknown mechanism \"ipv4:\"" (expected is used when
    // detail is empty: "syntax error at column 9: expected domain-spec").
    std::string message() const;
};

// Parses a whole record, "v=spf1" included (case-insensitive), e.g.
// "v=spf1 ip4:192.0.2.0/24 include:_spf.example.com -all".
// Rejects: anything not 7-bit printable ASCII or SP; a second redirect= or exp=;
// a domain-spec that does not end in a valid toplabel or a macro-expand;
// CIDR lengths out of range (ip4 > 32, ip6 > 128) or with leading zeros.
std::variant<ast::Record, ParseError> parse_record(std::string_view text);

// Parses a macro-string alone: explain-strings (the TXT of exp=, §6.2) and
// macro-strings given by callers (e.g. a default explanation). An explain-string
// also allows SP. Column is relative to text.
std::variant<ast::MacroString, ParseError> parse_macro_string(std::string_view text);
std::variant<ast::MacroString, ParseError> parse_explain_string(std::string_view text);

// True if text begins a record selected by §4.5: "v=spf1" (any case) followed
// by SP or the end of the text.
bool is_spf_record(std::string_view text);

}  // namespace spf
