// tests/spf/hostile_dns_test.cpp: the engine (LdnsResolver + check_host) against
// a DNS server that misbehaves, one behaviour of rfc7208-suite/dns_behaviour.hpp
// per case. What the resolver must make of each (hostile_dns_support.hpp runs it):
//   - a reply that does not match the query (wrong ID, another question, no
//     question section at all) is not a reply: it is ignored, and with nothing
//     else before the timeout the question times out (temperror);
//   - a reply that cannot be read (garbage, cut short, a pointer loop, an owner
//     name that points forward, which RFC 1035 §4.1.4 does not allow), one that
//     contradicts itself (NXDOMAIN with the asked records in the answer
//     section: not believed either way) and SERVFAIL / REFUSED are a server
//     failure (temperror);
//   - silence, a reply later than the timeout and a TCP answer that never ends
//     time out (temperror);
//   - a reply that is odd but well formed (a TCP message of 65,535 octets, many
//     records, one TXT record of 20,003 one-octet character-strings) is read as
//     it stands, and gives the record's result;
//   - nothing hostile ever makes the check pass, and every case stays within
//     the same CPU and memory bounds.
#include "hostile_dns_support.hpp"

#include <string>
#include <utility>
#include <vector>

namespace spf_test {
namespace {

using spf::DnsStatus;
using spf::Result;
using spf::RrType;
using std::chrono::milliseconds;

const std::string hostile = "hostile.example.com";

// 20,003 octets: "v=spf1", 1,176 times " ip4:198.51.100.7", " -all".
std::string long_record() {
    std::string record = "v=spf1";
    while (record.size() < 20000 - 5) record += " ip4:198.51.100.7";
    return record + " -all";
}

// A case for the hostile name's own SPF record: the client it allows, so that
// believing the reply would pass.
HostileCase refused(std::string label, std::string behaviour, DnsStatus status) {
    return {.label = std::move(label),
            .zone = zone_with(hostile, allows_client),
            .name = hostile,
            .behaviour = std::move(behaviour),
            .status = status,
            .domain = hostile,
            .client = allowed_client,
            .result = Result::temperror};
}

// A case whose reply is well formed: the record's own result for a client it fails.
HostileCase believed(std::string label, std::string behaviour) {
    return {.label = std::move(label),
            .zone = zone_with(hostile, allows_client),
            .name = hostile,
            .behaviour = std::move(behaviour),
            .status = DnsStatus::ok,
            .domain = hostile,
            .client = other_client,
            .result = Result::fail};
}

std::vector<HostileCase> cases() {
    std::vector<HostileCase> all{
        refused("silence", "silence", DnsStatus::timeout),
        refused("wrong_id", "wrong-id", DnsStatus::timeout),
        refused("other_question", "other-question", DnsStatus::timeout),
        refused("no_question", "no-question", DnsStatus::timeout),
        refused("garbage", "garbage", DnsStatus::server_failure),
        refused("truncated", "truncated", DnsStatus::server_failure),
        refused("tcp_garbage", "tcp-garbage", DnsStatus::server_failure),
        refused("tcp_stall", "tcp-stall", DnsStatus::timeout),
        refused("compression_loop", "compression-loop", DnsStatus::server_failure),
        refused("compression_forward", "compression-forward", DnsStatus::server_failure),
        refused("nxdomain_with_answers", "nxdomain-with-answers", DnsStatus::server_failure),
        refused("servfail", "servfail", DnsStatus::server_failure),
        refused("refused", "refused", DnsStatus::server_failure),
        believed("tcp_max_size", "tcp-max-size"),
        believed("many_txt_records", "many-records:1000"),
        // One TXT record of 20,003 one-octet character-strings whose joined text
        // is a valid record that fails the client.
        {.label = "many_strings",
         .zone = zone_with(hostile, long_record()),
         .name = hostile,
         .behaviour = "many-strings:1",
         .status = DnsStatus::ok,
         .domain = hostile,
         .client = other_client,
         .result = Result::fail},
    };
    // Just before the timeout the reply counts; just after, it does not (and the
    // retry is as late). The delay is a lower bound, so a slow machine can only
    // make the first case late, and then the retry still answers in time.
    HostileCase in_time = believed("delay_before_timeout", "delay:1500");
    in_time.query_timeout = milliseconds(2000);
    all.push_back(in_time);
    HostileCase too_late = refused("delay_after_timeout", "delay:2500", DnsStatus::timeout);
    too_late.query_timeout = milliseconds(2000);
    all.push_back(too_late);
    // An A lookup of 1,500 addresses, none the client's: a fail, read in full.
    all.push_back({.label = "many_a_records",
                   .zone = zone_with(hostile, "v=spf1 a:hosts.example.com -all") + "hosts.example.com A 192.0.2.7\n",
                   .name = "hosts.example.com",
                   .behaviour = "many-records:1500",
                   .type = RrType::a,
                   .status = DnsStatus::ok,
                   .domain = hostile,
                   .client = other_client,
                   .result = Result::fail});
    // More than 10 MX names is a permerror (RFC 7208 §4.6.4), however many arrive.
    all.push_back(
        {.label = "many_mx_records",
         .zone = zone_with(hostile, "v=spf1 mx:mx.example.com -all") + "mx.example.com MX 10 mail.example.com\n",
         .name = "mx.example.com",
         .behaviour = "many-records:1000",
         .type = RrType::mx,
         .status = DnsStatus::ok,
         .domain = hostile,
         .client = other_client,
         .result = Result::permerror});
    return all;
}

class HostileDns : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileDns, NeverPassesAndCostsLittle) { expect_survives(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Behaviours, HostileDns, ::testing::ValuesIn(cases()), case_label);

}  // namespace
}  // namespace spf_test
