// spf/record_printer.hpp: the canonical text of records, terms and macro-strings.
// Used for matched_term in logs and headers, the --trace output, and the
// round-trip property parse_record(to_string(r)) == r.
#pragma once

#include "spf/record.hpp"

#include <string>

namespace spf {

std::string to_string(const ast::MacroString& macro_string);  // "%{ir}.%{v}._spf.%{d}"
std::string to_string(const ast::Mechanism& mechanism);       // "ip4:192.0.2.0/24" (no qualifier)
std::string to_string(const ast::Directive& directive);       // "-all", "mx" (qualifier as written)
std::string to_string(const ast::Term& term);                 // directive or "redirect=..."
std::string to_string(const ast::Record& record);             // "v=spf1 ..."

bool operator==(const ast::MacroString&, const ast::MacroString&);
bool operator==(const ast::Record&, const ast::Record&);

// Found by argument-dependent lookup, so that `a == b` on AST values also works
// outside namespace spf (GoogleTest's EXPECT_EQ, std::optional<MacroString>).
namespace ast {
using spf::operator==;
}  // namespace ast

}  // namespace spf
