// tests/milter/hostile_dns_simulate_decoder_test.cpp: spf-milter --simulate
// against the hostile replies that only a strict reply decoder refuses or reads
// cheaply (see tests/spf/hostile_dns_decoder_test.cpp for why each result):
// no question section (timeout), an owner name pointing forward and NXDOMAIN
// with answers (server failure), and one TXT record of 20,003 one-octet
// character-strings (read as the record it spells: fail).
#include "hostile_dns_simulate_support.hpp"

#include <string>
#include <utility>
#include <vector>

namespace milter_test {
namespace {

// 20,003 octets: "v=spf1", 1,176 times " ip4:198.51.100.7", " -all".
std::string long_record() {
    std::string record = "v=spf1";
    while (record.size() < 20000 - 5) record += " ip4:198.51.100.7";
    return record + " -all";
}

SimulateCase refused(std::string label, std::string behaviour, std::string reason_has) {
    return {.label = std::move(label),
            .zone = zone_with(hostile, allows_client),
            .name = hostile,
            .behaviour = std::move(behaviour),
            .client = allowed_client,
            .result_line = "temperror",
            .reason_has = std::move(reason_has),
            .reply = temperror_reply};
}

std::vector<SimulateCase> cases() {
    return {
        refused("no_question", "no-question", "timeout"),
        refused("compression_forward", "compression-forward", "server failure"),
        refused("nxdomain_with_answers", "nxdomain-with-answers", "server failure"),
        {.label = "many_strings",
         .zone = zone_with(hostile, long_record()),
         .name = hostile,
         .behaviour = "many-strings:1",
         .client = other_client,
         .result_line = "fail",
         .reason_has = "-all",
         .reply = fail_reply},
    };
}

class HostileDnsSimulateDecoder : public ::testing::TestWithParam<SimulateCase> {};

TEST_P(HostileDnsSimulateDecoder, RepliesAsTheResultSaysAndNeverAccepts) { expect_simulation(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Behaviours, HostileDnsSimulateDecoder, ::testing::ValuesIn(cases()), case_label);

}  // namespace
}  // namespace milter_test
