// tests/spf/spf_query_test.cpp: the spf-query program as an administrator runs it,
// against a DNS server on loopback: the first word, the exit status, the usage line.
#include "rfc7208-suite/zone_dns_server.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

namespace {

struct Outcome {
    int status = -1;
    std::string output;  // stdout and stderr together
};

Outcome run_query(const std::string& arguments) {
    const std::string command = std::string(SPF_BINARY_DIR) + "/spf/spf-query " + arguments + " 2>&1";
    Outcome result;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    std::array<char, 4096> buffer{};
    std::size_t got = 0;
    while ((got = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), got);
    const int status = pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

class SpfQuery : public ::testing::Test {
protected:
    void SetUp() override {
        auto zone = spf::Zone::from_text(R"(
            example.com       TXT "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all exp=why.example.com"
            why.example.com   TXT "%{i} is not allowed to send mail for %{d}"
            _spf.example.net  TXT "v=spf1 ip6:2001:db8::/32"
            soft.example.com  TXT "v=spf1 ~all"
            neutral.example.com TXT "v=spf1 ?all"
            broken.example.com  TXT "v=spf1 ipv4:192.0.2.1 -all"
            slow.example.com    TIMEOUT
            mail.example.org  TXT "v=spf1 a -all"
            mail.example.org  A   198.51.100.25
        )");
        server_ = std::make_unique<spf::testdns::ZoneDnsServer>(std::get<spf::Zone>(std::move(zone)));
        dns_ = "--dns-server 127.0.0.1:" + std::to_string(server_->port());
    }

    Outcome query(const std::string& ip, const std::string& sender, const std::string& extra = "") {
        return run_query("--ip " + ip + " --sender '" + sender + "' --helo mail.example.org " + dns_ + " " + extra);
    }

    std::unique_ptr<spf::testdns::ZoneDnsServer> server_;
    std::string dns_;
};

TEST_F(SpfQuery, PrintsTheResultFirstAndExitsWithItsStatus) {
    struct Row {
        const char* ip;
        const char* sender;
        const char* first_word;
        int status;
    };
    const Row rows[] = {
        {"192.0.2.7", "user@example.com", "pass", 0},
        {"2001:db8::7", "user@example.com", "pass", 0},
        {"203.0.113.9", "user@example.com", "fail", 1},
        {"203.0.113.9", "user@soft.example.com", "softfail", 2},
        {"203.0.113.9", "user@neutral.example.com", "neutral", 3},
        {"203.0.113.9", "user@nothing.example.com", "none", 4},
        {"203.0.113.9", "user@slow.example.com", "temperror", 5},
        {"203.0.113.9", "user@broken.example.com", "permerror", 6},
        {"198.51.100.25", "", "pass", 0},  // null sender: postmaster@mail.example.org
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(std::string(row.ip) + " " + row.sender);
        const Outcome result = query(row.ip, row.sender, "--timeout 1");
        EXPECT_EQ(result.output.substr(0, result.output.find('\n')), row.first_word) << result.output;
        EXPECT_EQ(result.status, row.status);
    }
}

TEST_F(SpfQuery, ShowsTheExplanationAndTheTrace) {
    const Outcome result = query("203.0.113.9", "user@example.com", "--trace");
    EXPECT_NE(result.output.find("explanation: 203.0.113.9 is not allowed to send mail for example.com"),
              std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("term   include:_spf.example.net -> no match  [DNS terms 1/10, void lookups 0/2]"),
              std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("dns    TXT _spf.example.net -> ok \"v=spf1 ip6:2001:db8::/32\""), std::string::npos);
}

TEST_F(SpfQuery, ExplainsASyntaxErrorWithItsColumn) {
    const Outcome result = query("203.0.113.9", "user@broken.example.com");
    EXPECT_NE(result.output.find("syntax error at column"), std::string::npos) << result.output;
}

TEST_F(SpfQuery, PrintsJsonWhenAsked) {
    const Outcome result = query("192.0.2.7", "user@example.com", "--json");
    EXPECT_EQ(result.output.rfind("{\"result\":\"pass\"", 0), 0U) << result.output;
    EXPECT_EQ(result.status, 0);
}

TEST(SpfQueryArguments, RefusesBadArgumentsWithAMessageAndTheUsageLine) {
    const char* bad[] = {
        "--sender u@example.com --helo h.example.com",  // no --ip
        "--ip 192.0.2.300 --sender u@example.com --helo h.example.com",
        "--ip 192.0.2.1 --helo h.example.com",  // no --sender
        "--ip 192.0.2.1 --sender u@example.com --helo h.example.com --timeout soon",
        "--ip 192.0.2.1 --sender u@example.com --helo h.example.com --dns-server 127.0.0.1:99999",
        "--ip 192.0.2.1 --sender u@example.com --helo h.example.com --frobnicate",
    };
    for (const char* arguments : bad) {
        SCOPED_TRACE(arguments);
        const Outcome result = run_query(arguments);
        EXPECT_EQ(result.status, 64);
        EXPECT_EQ(result.output.rfind("spf-query: ", 0), 0U) << result.output;
        EXPECT_NE(result.output.find("usage: spf-query"), std::string::npos);
    }
}

}  // namespace
