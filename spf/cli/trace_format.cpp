// spf/cli/trace_format.cpp: see trace_format.hpp.
#include "spf/cli/trace_format.hpp"

#include <array>
#include <cstdio>

namespace spf::cli {

namespace {

std::string_view kind_name(TraceEvent::Kind kind) {
    static constexpr std::array<std::string_view, 7> names = {"check", "record", "term", "query",
                                                              "limit", "result", "note"};
    return names[static_cast<std::size_t>(kind)];
}

std::string counters_text(const Evaluation& evaluation, const Limits& limits) {
    const Counters& counters = evaluation.counters;
    return std::to_string(counters.dns_terms) + " DNS-querying terms (limit " + std::to_string(limits.max_dns_terms) +
           "), " + std::to_string(counters.void_lookups) + " void lookups (limit " +
           std::to_string(limits.max_void_lookups) + "), " + std::to_string(counters.dns_queries) + " queries, " +
           std::to_string(counters.cache_hits) + " from the cache, " + std::to_string(evaluation.elapsed_ms) + " ms";
}

}  // namespace

std::string format_summary(const Evaluation& evaluation, const Limits& limits) {
    std::string text(to_string(evaluation.result));
    text += "\n  domain:      " + evaluation.domain;
    text += "\n  reason:      " + evaluation.reason;
    if (!evaluation.matched_term.empty()) text += "\n  term:        " + evaluation.matched_term;
    if (!evaluation.explanation.empty()) text += "\n  explanation: " + evaluation.explanation;
    text += "\n  lookups:     " + counters_text(evaluation, limits) + "\n";
    return text;
}

std::string format_trace(const Evaluation& evaluation) {
    std::string text;
    for (const TraceEvent& event : evaluation.trace) {
        text += std::string(2 + 2 * event.depth, ' ');
        switch (event.kind) {
            case TraceEvent::Kind::query: text += "dns    "; break;
            case TraceEvent::Kind::record: text += "record "; break;
            case TraceEvent::Kind::term: text += "term   "; break;
            case TraceEvent::Kind::result: text += "=>     "; break;
            default: break;
        }
        text += event.text;
        if (!event.source.empty()) text += "  [" + event.source + "]";
        text += '\n';
    }
    return text;
}

namespace {

// The length of the well-formed UTF-8 sequence at text[i] (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), 0 if there is none.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
    const auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = at(i);
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    } else {
        return 0;
    }
    if (i + length > text.size()) return 0;
    if (at(i + 1) < low || at(i + 1) > high) return 0;
    for (std::size_t k = 2; k < length; ++k)
        if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
    return length;
}

}  // namespace

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x80) {
            if (const std::size_t length = utf8_sequence(text, i); length != 0) {
                out.append(text.substr(i, length));
                i += length - 1;
                continue;
            }
        }
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c >= 0x7f) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
                    out += escaped;
                } else {
                    out += ch;
                }
        }
    }
    return out + "\"";
}

std::string format_json(const Evaluation& evaluation) {
    std::string json = "{\"result\":" + json_string(to_string(evaluation.result));
    json += ",\"domain\":" + json_string(evaluation.domain);
    json += ",\"reason\":" + json_string(evaluation.reason);
    json += ",\"matched_term\":" + json_string(evaluation.matched_term);
    json += ",\"explanation\":" + json_string(evaluation.explanation);
    json += ",\"dns_terms\":" + std::to_string(evaluation.counters.dns_terms);
    json += ",\"void_lookups\":" + std::to_string(evaluation.counters.void_lookups);
    json += ",\"dns_queries\":" + std::to_string(evaluation.counters.dns_queries);
    json += ",\"cache_hits\":" + std::to_string(evaluation.counters.cache_hits);
    json += ",\"prefetched\":" + std::to_string(evaluation.counters.prefetched);
    json += ",\"prefetch_unused\":" + std::to_string(evaluation.counters.prefetch_unused);
    json += ",\"elapsed_ms\":" + std::to_string(evaluation.elapsed_ms);
    if (!evaluation.trace.empty()) {
        json += ",\"trace\":[";
        for (std::size_t i = 0; i < evaluation.trace.size(); ++i) {
            const TraceEvent& event = evaluation.trace[i];
            if (i != 0) json += ',';
            json += "{\"depth\":" + std::to_string(event.depth) + ",\"kind\":" + json_string(kind_name(event.kind)) +
                    ",\"text\":" + json_string(event.text);
            if (!event.source.empty()) json += ",\"source\":" + json_string(event.source);
            json += "}";
        }
        json += "]";
    }
    return json + "}\n";
}

}  // namespace spf::cli
