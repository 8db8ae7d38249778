// tests/spf/trace_format_test.cpp: what spf-query shows people (spf/cli/trace_format.cpp).
// The --trace text is compared with golden files: tests/spf/golden/NAME.zone is the
// world, NAME.trace the expected text. Regenerate one by running spf-query --trace
// against spf-test-dns serving the zone, and read the diff before committing it.
#include "spf/cli/trace_format.hpp"
#include "spf/check_host.hpp"
#include "spf/dns_cache.hpp"
#include "spf/zone.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace {

std::string read_golden(const std::string& name) {
    std::ifstream file(std::string(SPF_SOURCE_DIR) + "/tests/spf/golden/" + name);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

spf::Evaluation traced_check(const char* client) {
    auto resolver = spf::ZoneResolver::from_text(read_golden("include-and-mx.zone"));
    spf::CheckOptions options;
    options.trace = true;
    spf::Request request;
    request.client = *spf::IpAddress::parse(client);
    request.mail_from = "user@example.com";
    request.helo = "mail.example.org";
    return spf::check_identity(request, resolver, options);
}

TEST(TraceFormat, ShowsEveryTermQueryAndCounterAsTheGoldenFileSays) {
    EXPECT_EQ(spf::cli::format_trace(traced_check("203.0.113.9")), read_golden("include-and-mx.trace"));
}

TEST(TraceFormat, StartsTheSummaryWithTheResult) {
    const std::string summary = spf::cli::format_summary(traced_check("203.0.113.9"));
    EXPECT_EQ(summary.substr(0, summary.find('\n')), "fail");
    EXPECT_NE(summary.find("explanation: 203.0.113.9 is not allowed to send mail for example.com"), std::string::npos);
    EXPECT_NE(summary.find("term:        -all"), std::string::npos);
}

TEST(TraceFormat, ShowsTheCountersAgainstTheLimitsOfTheCheck) {
    const spf::Evaluation evaluation = traced_check("203.0.113.9");
    const std::string counted = std::to_string(evaluation.counters.dns_terms) + " DNS-querying terms (limit ";
    EXPECT_NE(spf::cli::format_summary(evaluation).find(counted + "10), "), std::string::npos);
    spf::Limits limits;
    limits.max_dns_terms = 7;
    limits.max_void_lookups = 1;
    const std::string summary = spf::cli::format_summary(evaluation, limits);
    EXPECT_NE(summary.find(counted + "7), "), std::string::npos) << summary;
    EXPECT_NE(summary.find(" void lookups (limit 1), "), std::string::npos) << summary;
}

TEST(TraceFormat, WritesValidJsonForHostileText) {
    EXPECT_EQ(spf::cli::json_string("a\"b\\c\n\x01\xC3\xA9"), "\"a\\\"b\\\\c\\n\\u0001\xC3\xA9\"");
    // Bytes that are not well-formed UTF-8 are escaped one by one: a lone lead
    // byte, a surrogate (ED A0 80), an overlong form (C0 AF), DEL.
    EXPECT_EQ(spf::cli::json_string("\xC3x"), "\"\\u00c3x\"");
    EXPECT_EQ(spf::cli::json_string("\xED\xA0\x80"), "\"\\u00ed\\u00a0\\u0080\"");
    EXPECT_EQ(spf::cli::json_string("\xC0\xAF"), "\"\\u00c0\\u00af\"");
    EXPECT_EQ(spf::cli::json_string("\x7F"), "\"\\u007f\"");
    EXPECT_EQ(spf::cli::json_string("\xF0\x9F\x93\xA7 \xE2\x82\xAC"), "\"\xF0\x9F\x93\xA7 \xE2\x82\xAC\"");
    const std::string json = spf::cli::format_json(traced_check("2001:db8::1"));
    EXPECT_EQ(json.rfind("{\"result\":\"pass\",\"domain\":\"example.com\"", 0), 0U) << json;
    EXPECT_NE(json.find("\"matched_term\":\"include:_spf.example.net\""), std::string::npos);
    EXPECT_NE(json.find("\"trace\":[{\"depth\":0,\"kind\":\"check\""), std::string::npos);
}

// Through a cache, a question asked twice is answered once: the trace marks the
// answers no query was sent for, the counters say how many, the text is the same.
TEST(TraceFormat, MarksAnswersFromTheCacheAndCountsThem) {
    auto zone = spf::ZoneResolver::from_text(
        "example.com TXT \"v=spf1 a:host.example.com a:host.example.com -all\"\n"
        "host.example.com A 192.0.2.1\n");
    spf::DnsCache cache(std::make_shared<spf::ZoneResolver>(std::move(zone)), spf::system_clock());
    spf::CheckOptions options;
    options.trace = true;
    options.prefetch = false;
    spf::Request request;
    request.client = *spf::IpAddress::parse("203.0.113.9");
    request.mail_from = "user@example.com";
    request.helo = "mail.example.org";
    const spf::Evaluation evaluation = spf::check_identity(request, cache, options);
    const std::string trace = spf::cli::format_trace(evaluation);
    EXPECT_NE(trace.find("dns    A host.example.com -> ok 192.0.2.1  [cache]\n"), std::string::npos) << trace;
    EXPECT_EQ(trace.find("[cache]"), trace.rfind("[cache]")) << "only the second lookup: " << trace;
    EXPECT_EQ(evaluation.counters.dns_queries, 2U);
    EXPECT_EQ(evaluation.counters.cache_hits, 1U);
    EXPECT_NE(spf::cli::format_summary(evaluation).find("2 queries, 1 from the cache"), std::string::npos);
    const std::string json = spf::cli::format_json(evaluation);
    EXPECT_NE(json.find("\"cache_hits\":1"), std::string::npos) << json;
    EXPECT_NE(json.find("\"source\":\"cache\""), std::string::npos) << json;
}

}  // namespace
