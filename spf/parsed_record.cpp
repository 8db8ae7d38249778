// spf/parsed_record.cpp: see parsed_record.hpp.
#include "spf/parsed_record.hpp"

namespace spf {

ParsedRecord select_and_parse(const std::vector<std::string>& texts) {
    ParsedRecord record;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        if (!is_spf_record(texts[i])) continue;
        if (record.spf_records++ == 0) record.selected = i;
    }
    if (record.spf_records != 1) return record;
    const std::string& text = texts[record.selected];
    auto parsed = parse_record(text);
    if (auto* error = std::get_if<ParseError>(&parsed))
        record.parsed = std::move(*error);
    else
        record.parsed = std::get<ast::Record>(std::move(parsed));
    // The AST holds the record's words in small strings and vectors: a few
    // times the text, plus the nodes. An estimate is enough for a byte bound.
    record.bytes = sizeof(ParsedRecord) + 4 * text.size();
    return record;
}

}  // namespace spf
