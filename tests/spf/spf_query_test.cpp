// tests/spf/spf_query_test.cpp: the spf-query program as an administrator runs it,
// against a DNS server on loopback or a zone file (--zone): the first word, the exit
// status, the usage line, and the command-line convention of spf/cli/arguments.hpp.
#include "rfc7208-suite/zone_dns_server.hpp"
#include "run_program.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Outcome = spf::test::ProgramOutcome;

Outcome run_query(const std::string& arguments) { return spf::test::run_program("spf/spf-query", arguments); }

// A zone file in the test's scratch directory; its path.
std::string zone_file(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + name;
    std::ofstream(path) << text;
    return path;
}

const std::string required = "--sender u@example.com --helo h.example.com ";

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

TEST(SpfQueryZone, AnswersFromAZoneFileInsteadOfDns) {
    const std::string zone = zone_file("spf_query_zone_test.zone", R"(# tried before it is published
example.com       TXT "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all"
_spf.example.net  TXT "v=spf1 ip6:2001:db8::/32"
)");
    const Outcome pass = run_query("--zone " + zone + " --ip 2001:db8::7 --sender user@example.com --helo h.example");
    EXPECT_EQ(pass.output.rfind("pass\n", 0), 0U) << pass.output;
    EXPECT_EQ(pass.status, 0);
    const Outcome fail =
        run_query("--zone=" + zone + " --ip=203.0.113.9 --sender=user@example.com --helo=h.example --trace");
    EXPECT_EQ(fail.output.rfind("fail\n", 0), 0U) << fail.output;
    EXPECT_EQ(fail.status, 1);
    // The zone answers at once, but the trace still shows each question and answer.
    EXPECT_NE(fail.output.find("dns    TXT example.com -> ok \"v=spf1 ip4:192.0.2.0/24"), std::string::npos)
        << fail.output;
    EXPECT_NE(fail.output.find("dns    TXT _spf.example.net -> ok \"v=spf1 ip6:2001:db8::/32\""), std::string::npos)
        << fail.output;
    // A name the file does not hold does not exist.
    const Outcome none = run_query("--zone " + zone + " --ip 192.0.2.1 --sender user@example.org --helo h.example");
    EXPECT_EQ(none.output.rfind("none\n", 0), 0U) << none.output;
    EXPECT_EQ(none.status, 4);
}

TEST(SpfQueryZone, AnswersTheReadmeExamplesFromTheShippedZone) {
    const std::string zone = std::string(SPF_SOURCE_DIR) + "/packaging/examples/example.zone";
    const Outcome fail =
        run_query("--zone " + zone + " --ip 203.0.113.9 --sender user@example.com --helo mail.example.com");
    EXPECT_EQ(fail.output.rfind("fail\n", 0), 0U) << fail.output;
    EXPECT_NE(fail.output.find("explanation: 203.0.113.9 is not allowed to send mail for example.com"),
              std::string::npos)
        << fail.output;
    const Outcome helo = run_query("--zone " + zone + " --ip 192.0.2.25 --identity helo --helo mail.example.com");
    EXPECT_EQ(helo.output.rfind("pass\n", 0), 0U) << helo.output;
}

TEST(SpfQueryZone, RefusesABadZoneFileNamingTheFileAndLine) {
    const std::string zone = zone_file("spf_query_bad.zone",
                                       "example.com TXT \"v=spf1 -all\"\n\n"
                                       "example.com TXTT \"v=spf1 +all\"\n");
    const Outcome result = run_query("--zone " + zone + " --ip 192.0.2.1 " + required);
    EXPECT_EQ(result.status, 64);
    EXPECT_EQ(result.output, "spf-query: " + zone + ": line 3: unknown record type \"TXTT\"\n");
    const Outcome quote = run_query("--zone " + zone_file("spf_query_quote.zone", "a.example TXT \"v=spf1\n") +
                                    " --ip 192.0.2.1 " + required);
    EXPECT_EQ(quote.status, 64);
    EXPECT_NE(quote.output.find("spf_query_quote.zone: line 1: unterminated quoted string"), std::string::npos)
        << quote.output;
}

TEST(SpfQueryZone, RefusesAMissingZoneFileOrADirectory) {
    const std::string missing = ::testing::TempDir() + "no-such.zone";
    const Outcome result = run_query("--zone " + missing + " --ip 192.0.2.1 " + required);
    EXPECT_EQ(result.status, 64);
    EXPECT_EQ(result.output, "spf-query: " + missing + ": No such file or directory\n");
    const Outcome directory = run_query("--zone " + ::testing::TempDir() + " --ip 192.0.2.1 " + required);
    EXPECT_EQ(directory.status, 64);
    EXPECT_NE(directory.output.find("is a directory, not a zone file"), std::string::npos) << directory.output;
}

TEST(SpfQueryZone, CannotBeCombinedWithADnsServer) {
    const Outcome result = run_query("--zone x.zone --dns-server 127.0.0.1 --ip 192.0.2.1 " + required);
    EXPECT_EQ(result.status, 64);
    EXPECT_EQ(result.output.rfind(
                  "spf-query: --zone cannot be combined with --dns-server: the zone file answers instead of DNS\n", 0),
              0U)
        << result.output;
    EXPECT_NE(result.output.find("usage: spf-query"), std::string::npos);
}

TEST(SpfQueryArguments, PrintsTheVersion) {
    for (const char* option : {"--version", "-V"}) {
        SCOPED_TRACE(option);
        const Outcome result = run_query(option);
        EXPECT_EQ(result.output, "spf-query " SPF_MILTER_VERSION "\n");
        EXPECT_EQ(result.status, 0);
    }
}

TEST(SpfQueryArguments, PrintsTheHelp) {
    for (const char* option : {"--help", "-h"}) {
        SCOPED_TRACE(option);
        const Outcome result = run_query(option);
        EXPECT_EQ(result.output.rfind("usage: spf-query", 0), 0U) << result.output;
        EXPECT_NE(result.output.find("--zone FILE"), std::string::npos);
        EXPECT_NE(result.output.find("Exit status:"), std::string::npos);
        EXPECT_EQ(result.status, 0);
    }
}

// spf-query(1) has a tag line (.TP) for every option that --help lists.
TEST(SpfQueryArguments, AreAllDocumentedInTheManPage) {
    std::ifstream file(std::string(SPF_SOURCE_DIR) + "/packaging/man/spf-query.1");
    std::vector<std::string> tags;
    for (std::string line, previous; std::getline(file, line); previous = line)
        if (previous == ".TP") tags.push_back(line);
    ASSERT_FALSE(tags.empty());
    const std::string help = run_query("--help").output;
    std::istringstream lines(help);
    int options = 0;
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("  -")) continue;
        std::istringstream words(line);
        for (std::string word; words >> word && word.starts_with("-");) {
            if (word.ends_with(",")) word.pop_back();
            std::string roff;  // "--no-cache" is written \-\-no\-cache
            for (const char c : word) roff += c == '-' ? std::string("\\-") : std::string(1, c);
            ++options;
            const bool tagged = std::any_of(tags.begin(), tags.end(), [&](const std::string& tag) {
                std::istringstream tag_words(tag);
                for (std::string tag_word; tag_words >> tag_word;)
                    if (tag_word == roff || tag_word == "\"" + roff || tag_word == roff + "\"") return true;
                return false;
            });
            EXPECT_TRUE(tagged) << word << " (" << roff << ") has no .TP entry in spf-query(1)";
        }
    }
    EXPECT_GE(options, 17);  // every option of --help was looked at, short names included
}

TEST(SpfQueryArguments, ReadsValuesAfterEquals) {
    const std::string zone = zone_file("spf_query_equals.zone", "example.com TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n");
    const Outcome result =
        run_query("--zone=" + zone + " --ip=192.0.2.1 --sender=u@example.com --helo=h.example --identity=mailfrom");
    EXPECT_EQ(result.output.rfind("pass\n", 0), 0U) << result.output;
    EXPECT_EQ(result.status, 0);
}

// Each message as the issue that found them asked for it, with status 64 and the usage line.
TEST(SpfQueryArguments, SaysWhatIsWrongWithEachArgument) {
    struct Row {
        std::string arguments;
        std::string message;
    };
    const Row rows[] = {
        {"--bogus", "unknown option --bogus"},
        {"--ip 192.0.2.1 --bogus " + required, "unknown option --bogus"},
        {"--bogus=1 --ip 192.0.2.1 " + required, "unknown option --bogus"},
        {"-x", "unknown option -x"},
        {required + "--ip", "option --ip needs a value"},
        {"--ip 192.0.2.1 " + required + "--json=1", "option --json takes no value"},
        {"--ip 192.0.2.1 " + required + "--trace=", "option --trace takes no value"},
        {"--ip 192.0.2.1 " + required + "--timeout 0",
         "--timeout takes a number of seconds more than 0 and at most 3600, not '0'"},
        {"--ip 192.0.2.1 " + required + "--timeout 3601",
         "--timeout takes a number of seconds more than 0 and at most 3600, not '3601'"},
        {"--ip 192.0.2.1 " + required + "--timeout nan",
         "--timeout takes a number of seconds more than 0 and at most 3600, not 'nan'"},
        {"--ip 192.0.2.1 " + required + "--query-timeout 0",
         "--query-timeout takes a number of seconds from 0.001 to 60, not '0'"},
        {"--ip 192.0.2.1 " + required + "--identity both", "--identity is mailfrom or helo, not 'both'"},
        {"--ip 192.0.2.1 " + required + "extra", "unexpected argument 'extra'"},
        {"--ip 192.0.2.1 " + required + "--zone ''", "--zone needs a file name"},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.arguments);
        const Outcome result = run_query(row.arguments);
        EXPECT_EQ(result.status, 64);
        EXPECT_EQ(result.output.substr(0, result.output.find('\n')), "spf-query: " + row.message) << result.output;
        EXPECT_NE(result.output.find("usage: spf-query"), std::string::npos);
    }
}

// The ends of the range are inside it: the check runs (example.com fails everyone).
TEST(SpfQueryArguments, AcceptsTheEndsOfTheTimeoutRange) {
    const std::string zone = zone_file("spf_query_range.zone", "example.com TXT \"v=spf1 -all\"\n");
    for (const char* timeout : {"--timeout 3600", "--timeout 0.001", "--timeout=20"}) {
        SCOPED_TRACE(timeout);
        const Outcome result = run_query("--zone " + zone + " --ip 192.0.2.1 " + required + timeout);
        EXPECT_EQ(result.output.rfind("fail\n", 0), 0U) << result.output;
        EXPECT_EQ(result.status, 1);
    }
}

TEST(SpfQueryArguments, RefusesAQueryTimeoutWithAZone) {
    const Outcome result = run_query("--zone x.zone --query-timeout 1 --ip 192.0.2.1 " + required);
    EXPECT_EQ(result.status, 64);
    EXPECT_EQ(result.output.substr(0, result.output.find('\n')),
              "spf-query: --zone cannot be combined with --query-timeout: no DNS server is asked");
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
