// tests/spf/ast_print.hpp: GoogleTest shows AST values in failure messages as
// their canonical text (spf/record_printer.hpp). Found by argument-dependent lookup.
#pragma once

#include "spf/record_printer.hpp"

#include <ostream>

namespace spf::ast {
inline void PrintTo(const MacroString& value, std::ostream* out) { *out << '"' << to_string(value) << '"'; }
inline void PrintTo(const Record& value, std::ostream* out) { *out << '"' << to_string(value) << '"'; }
}  // namespace spf::ast
