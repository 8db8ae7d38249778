// tests/milter/hostile_dns_simulate_test.cpp: spf-milter --simulate against
// spf-test-dns misbehaving for the sender's domain, one behaviour per case, as
// tests/spf/hostile_dns_test.cpp does for the engine (see there for why each
// result): what does not match the query (no question section included) is
// ignored (a timeout); what cannot be read (an owner name pointing forward
// included), NXDOMAIN with answers and SERVFAIL/REFUSED are a server failure;
// both are a temperror and so a 451. A well-formed odd reply (one TXT record of
// 20,003 one-octet character-strings included) is read as it stands (a fail
// and its 550). Never a pass, never accepted.
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

SimulateCase believed(std::string label, std::string behaviour) {
    return {.label = std::move(label),
            .zone = zone_with(hostile, allows_client),
            .name = hostile,
            .behaviour = std::move(behaviour),
            .client = other_client,
            .result_line = "fail",
            .reason_has = "-all",
            .reply = fail_reply};
}

std::vector<SimulateCase> cases() {
    std::vector<SimulateCase> all{
        refused("silence", "silence", "timeout"),
        refused("wrong_id", "wrong-id", "timeout"),
        refused("other_question", "other-question", "timeout"),
        refused("no_question", "no-question", "timeout"),
        refused("garbage", "garbage", "server failure"),
        refused("truncated", "truncated", "server failure"),
        refused("tcp_garbage", "tcp-garbage", "server failure"),
        refused("tcp_stall", "tcp-stall", "timeout"),
        refused("compression_loop", "compression-loop", "server failure"),
        refused("compression_forward", "compression-forward", "server failure"),
        refused("nxdomain_with_answers", "nxdomain-with-answers", "server failure"),
        refused("servfail", "servfail", "server failure"),
        refused("refused", "refused", "server failure"),
        believed("tcp_max_size", "tcp-max-size"),
        believed("many_txt_records", "many-records:1000"),
        {.label = "many_strings",
         .zone = zone_with(hostile, long_record()),
         .name = hostile,
         .behaviour = "many-strings:1",
         .client = other_client,
         .result_line = "fail",
         .reason_has = "-all",
         .reply = fail_reply},
    };
    // dns_timeout is in whole seconds: 2 s, with the reply 1.5 s or 2.5 s late.
    SimulateCase in_time = believed("delay_before_timeout", "delay:1500");
    in_time.dns_timeout_s = 2;
    all.push_back(in_time);
    SimulateCase too_late = refused("delay_after_timeout", "delay:2500", "timeout");
    too_late.dns_timeout_s = 2;
    all.push_back(too_late);
    return all;
}

class HostileDnsSimulate : public ::testing::TestWithParam<SimulateCase> {};

TEST_P(HostileDnsSimulate, RepliesAsTheResultSaysAndNeverAccepts) { expect_simulation(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Behaviours, HostileDnsSimulate, ::testing::ValuesIn(cases()), case_label);

}  // namespace
}  // namespace milter_test
