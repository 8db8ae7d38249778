// spf/result.hpp: what check_host() returns, RFC 7208 §2.6, and how it got there.
// One value, many readers: the milter, spf-query --trace, the suite runner and
// --simulate all read the same Evaluation and re-derive nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spf {

// Spelled as the RFC spells them: to_string() is the header token.
enum class Result : std::uint8_t { none, neutral, pass, fail, softfail, temperror, permerror };
std::string_view to_string(Result result);
std::optional<Result> result_from_string(std::string_view text);

// What §4.6.4 charged during one evaluation (includes and redirects included).
struct Counters {
    unsigned dns_terms = 0;        // include, a, mx, ptr, exists, redirect (limit 10)
    unsigned void_lookups = 0;     // NXDOMAIN or empty answers (limit 2)
    unsigned dns_queries = 0;      // answers a query was sent for, exp= and record lookups included
    unsigned cache_hits = 0;       // answers from the cache, or shared with another check's query
    unsigned prefetched = 0;       // questions sent ahead of need (counted in dns_queries once used)
    unsigned prefetch_unused = 0;  // of those, never needed: the extra queries prefetch cost
};

struct TraceEvent {
    enum class Kind : std::uint8_t {
        check,   // check_host(ip, domain, sender) begins
        record,  // the SPF record selected for a domain
        term,    // a term evaluated, with its outcome
        query,   // a DNS question and its answer
        limit,   // a counter charged
        result,  // check_host() at this depth returned
        note,    // anything else worth telling a person
    };
    Kind kind = Kind::note;
    unsigned depth = 0;  // 0 = top level, +1 per include/redirect
    std::string text;
    // Query events: where the answer came from when no query was sent for it
    // at that point ("cache", "shared", "prefetched"); empty when it was sent.
    // Not part of the text, so that a trace reads the same however it was fed.
    std::string source;
};

struct Evaluation {
    Result result = Result::none;
    std::string domain;        // the <domain> check_host() started with
    std::string reason;        // for people: "void lookup limit exceeded at a:x.example.com"
    std::string matched_term;  // canonical text of the deciding directive, or empty
    std::string explanation;   // expanded exp= text (or the default), fail only
    Counters counters;
    unsigned elapsed_ms = 0;
    std::vector<TraceEvent> trace;  // filled only when the caller asks
};

}  // namespace spf
