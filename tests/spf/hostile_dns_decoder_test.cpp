// tests/spf/hostile_dns_decoder_test.cpp: more of the engine against a hostile
// DNS server (see hostile_dns_test.cpp for the rules and the other cases): the
// replies that only a strict reply decoder refuses or reads cheaply.
//   - no question section (QDCOUNT=0, right ID): not a reply to our question,
//     so ignored like any other stranger's packet: timeout;
//   - an owner name that points forward (RFC 1035 §4.1.4 allows only prior
//     occurrences): malformed, a server failure;
//   - NXDOMAIN with the asked records in the answer section: a reply that
//     contradicts itself is not believed either way, a server failure;
//   - one TXT record of 20,003 one-octet character-strings whose joined text is
//     a valid record: read as that record (fail for a client it does not
//     list), within the same CPU and memory bounds as every other case.
#include "hostile_dns_support.hpp"

#include <string>
#include <utility>
#include <vector>

namespace spf_test {
namespace {

using spf::DnsStatus;
using spf::Result;
using spf::RrType;

const std::string hostile = "hostile.example.com";

// 20,003 octets: "v=spf1", 1,176 times " ip4:198.51.100.7", " -all".
std::string long_record() {
    std::string record = "v=spf1";
    while (record.size() < 20000 - 5) record += " ip4:198.51.100.7";
    return record + " -all";
}

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

std::vector<HostileCase> cases() {
    return {
        refused("no_question", "no-question", DnsStatus::timeout),
        refused("compression_forward", "compression-forward", DnsStatus::server_failure),
        refused("nxdomain_with_answers", "nxdomain-with-answers", DnsStatus::server_failure),
        {.label = "many_strings",
         .zone = zone_with(hostile, long_record()),
         .name = hostile,
         .behaviour = "many-strings:1",
         .status = DnsStatus::ok,
         .domain = hostile,
         .client = other_client,
         .result = Result::fail},
    };
}

class HostileDnsDecoder : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileDnsDecoder, NeverPassesAndCostsLittle) { expect_survives(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Behaviours, HostileDnsDecoder, ::testing::ValuesIn(cases()), case_label);

}  // namespace
}  // namespace spf_test
