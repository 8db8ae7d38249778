// Tests of spf/resolv_conf.cpp: the nameservers and options of resolv.conf(5),
// read as glibc reads them.
#include "spf/resolv_conf.hpp"

#include <gtest/gtest.h>

namespace spf {
namespace {

using std::chrono::seconds;

std::vector<std::string> hosts(const ResolvConf& conf) {
    std::vector<std::string> result;
    for (const DnsServer& server : conf.servers) result.push_back(server.host + ":" + std::to_string(server.port));
    return result;
}

TEST(ParseResolvConf, ReadsNameserversAndIgnoresTheRest) {
    const ResolvConf conf = parse_resolv_conf(
        "# a comment\n"
        "; another\n"
        "search example.com\n"
        "nameserver 192.0.2.53   # trailing comment\n"
        "nameserver\t2001:db8::53\n"
        "nameserver fe80::1%eth0\n"
        "nameserver dns.example.com\n"
        "  nameserver 192.0.2.99\n"
        "nameserver 198.51.100.53\r\n");
    // The indented line is not read, as glibc reads keywords only at the start of a line.
    EXPECT_EQ(hosts(conf), (std::vector<std::string>{"192.0.2.53:53", "2001:db8::53:53", "198.51.100.53:53"}));
    EXPECT_EQ(conf.timeout, seconds(5));
    EXPECT_EQ(conf.attempts, 2U);
    EXPECT_FALSE(conf.rotate);
}

TEST(ParseResolvConf, UsesAtMostThreeServersAsGlibcDoes) {
    const ResolvConf conf =
        parse_resolv_conf("nameserver 192.0.2.1\nnameserver 192.0.2.2\nnameserver 192.0.2.3\nnameserver 192.0.2.4\n");
    EXPECT_EQ(hosts(conf), (std::vector<std::string>{"192.0.2.1:53", "192.0.2.2:53", "192.0.2.3:53"}));
}

TEST(ParseResolvConf, ReadsTimeoutAttemptsAndRotate) {
    const ResolvConf conf =
        parse_resolv_conf("nameserver 192.0.2.1\noptions ndots:2 timeout:2 attempts:3 rotate edns0\n");
    EXPECT_EQ(conf.timeout, seconds(2));
    EXPECT_EQ(conf.attempts, 3U);
    EXPECT_TRUE(conf.rotate);
}

TEST(ParseResolvConf, ClampsToGlibcLimits) {
    struct Row {
        const char* options;
        unsigned timeout_s;
        unsigned attempts;
    };
    const Row rows[] = {
        {"options timeout:0 attempts:0", 1, 1},    // glibc waits 1 s; sending nothing is of no use
        {"options timeout:31 attempts:6", 30, 5},  // RES_MAXRETRANS, RES_MAXRETRY
        {"options timeout:99999999999 attempts:99999999999", 30, 5},
        {"options timeout:3x attempts:4y", 3, 4},  // atoi reads the digits
        {"options timeout: attempts:x", 5, 2},     // no number: ignored
        {"options timeout:-1", 5, 2},
        {"options timeout:7\noptions attempts:1", 7, 1},  // later lines add to earlier ones
        {"options timeout:7\noptions timeout:9", 9, 2},   // and override them
        {"#options timeout:1", 5, 2},
        {"option timeout:1", 5, 2},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.options);
        const ResolvConf conf = parse_resolv_conf(row.options);
        EXPECT_EQ(conf.timeout, seconds(row.timeout_s));
        EXPECT_EQ(conf.attempts, row.attempts);
    }
}

}  // namespace
}  // namespace spf
