// spf/parsed_record.hpp: §4.5 record selection and the parse of the selected
// record, as one value. check_host() computes it for every TXT answer it
// reads; the cache (dns_cache.hpp) computes it once when it keeps a TXT answer
// and hands it out with the answer, so that a warm check parses nothing.
#pragma once

#include "spf/grammar.hpp"
#include "spf/resolver.hpp"

#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace spf {

struct ParsedRecord {
    std::size_t spf_records = 0;  // texts that begin with "v=spf1" (§4.5)
    std::size_t selected = 0;     // the index in Answer::texts of the first of them
    // The parse of texts[selected]; set only when exactly one record was found.
    std::variant<std::monostate, ast::Record, ParseError> parsed;
    std::size_t bytes = 0;  // a rough size of the parse, for the cache's byte bound
};

ParsedRecord select_and_parse(const std::vector<std::string>& texts);

}  // namespace spf
