// spf/cli/trace_format.hpp: an Evaluation as text for people and as JSON, for
// spf-query (and anyone else who prints evaluations).
#pragma once

#include "spf/check_host.hpp"
#include "spf/result.hpp"

#include <string>
#include <string_view>

namespace spf::cli {

// "fail\n  domain: ...\n  reason: ...\n": the result is the first word. The
// counters are shown against the limits the check ran with.
std::string format_summary(const Evaluation& evaluation, const Limits& limits = {});
// One line per event, indented two spaces per include/redirect level.
std::string format_trace(const Evaluation& evaluation);
// One JSON object with every field of the Evaluation (trace only when recorded).
std::string format_json(const Evaluation& evaluation);
// A JSON string literal, quotes included. Well-formed UTF-8 is kept as it is
// (an SMTPUTF8 address stays readable); control characters and every byte
// that is not part of well-formed UTF-8 are \u00XX-escaped, so the output is
// valid JSON whatever DNS sent.
std::string json_string(std::string_view text);

}  // namespace spf::cli
