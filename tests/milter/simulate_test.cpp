// tests/milter/simulate_test.cpp: milter/simulate.cpp, spf-milter --simulate over a
// ZoneResolver: what it prints (text and JSON) is the daemon's own decide(); and
// --simulate --zone FILE, through simulation_resolvers() and the program itself.
#include "milter/simulate.hpp"
#include "run_program.hpp"
#include "spf/zone.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>

namespace {

using milter::SimulateOptions;
using milter::Simulation;
using milter::test::config_from;
using milter::test::ManualClock;

const char* const world = R"(
    example.com        TXT "v=spf1 ip4:192.0.2.0/24 -all"
    mail.example.com   TXT "v=spf1 a -all"
    mail.example.com   A   192.0.2.25
)";

Simulation run(const milter::Config& config, SimulateOptions request) {
    static spf::ZoneResolver resolver = spf::ZoneResolver::from_text(world);
    ManualClock clock;
    auto result = milter::simulate(config, request, resolver, clock, "mx.example.net");
    if (auto* error = std::get_if<std::string>(&result)) ADD_FAILURE() << *error;
    return std::get<Simulation>(result);
}

SimulateOptions request(const char* ip, const char* helo, const char* from) {
    SimulateOptions options;
    options.ip = ip;
    options.helo = helo;
    options.from = from;
    return options;
}

TEST(Simulate, PrintsTheResultsTheReplyAndItsStage) {
    const auto config = config_from("");
    const Simulation s = run(config, request("198.51.100.7", "mail.example.com", "alice@example.com"));
    EXPECT_EQ(milter::format_text(config, s),
              "configuration: test.conf\n"
              "client: 198.51.100.7\n"
              "helo: mail.example.com\n"
              "envelope-from: <alice@example.com>\n"
              "skip: no\n"
              "helo identity: fail (" +
                  s.decision.checks.helo->reason +
                  ")\n"
                  "    sender postmaster@mail.example.com, domain mail.example.com\n"
                  "    mechanism -all, lookups 1, void lookups 0, DNS queries " +
                  std::to_string(s.decision.checks.helo->counters.dns_queries) +
                  ", from the cache 0\n"
                  "    explanation: SPF fail: 198.51.100.7 is not allowed to send mail for mail.example.com\n"
                  "mailfrom identity: fail (" +
                  s.decision.checks.mailfrom->reason +
                  ")\n"
                  "    sender alice@example.com, domain example.com\n"
                  "    mechanism -all, lookups 0, void lookups 0, DNS queries " +
                  std::to_string(s.decision.checks.mailfrom->counters.dns_queries) +
                  ", from the cache 0\n"
                  "    explanation: SPF fail: 198.51.100.7 is not allowed to send mail for example.com\n"
                  "action: reject at MAIL FROM\n"
                  "reply at MAIL FROM: 550 5.7.23 SPF fail: 198.51.100.7 is not allowed to send mail for example.com\n"
                  "headers: none\n");
}

TEST(Simulate, PrintsTheHeadersOfAnAcceptedMessage) {
    const auto config = config_from("authserv_id = mx.example.net");
    const Simulation s = run(config, request("192.0.2.25", "mail.example.com", "alice@example.com"));
    const std::string text = milter::format_text(config, s);
    EXPECT_NE(text.find("action: accept\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("reply"), std::string::npos) << text;
    const std::string headers = text.substr(text.find("headers:\n") + 9);
    EXPECT_EQ(headers, "Authentication-Results: " + s.decision.verdict.headers[0].value + "\n" +
                           "Received-SPF: " + s.decision.verdict.headers[1].value + "\n" +
                           "Received-SPF: " + s.decision.verdict.headers[2].value + "\n");
    EXPECT_TRUE(headers.starts_with("Authentication-Results: mx.example.net; spf=pass"));
}

TEST(Simulate, ShowsASenderWithoutALocalPartAsPostmasterAtItsDomain) {
    const auto config = config_from("");
    const Simulation s = run(config, request("192.0.2.25", "mail.example.com", "<@relay.example:@example.com>"));
    const std::string text = milter::format_text(config, s);
    EXPECT_NE(text.find("mailfrom identity: pass (matched ip4:192.0.2.0/24 in example.com)\n"
                        "    sender postmaster@example.com, domain example.com\n"),
              std::string::npos)
        << text;
    const std::string json = milter::format_json(config, s);
    EXPECT_NE(json.find("\"mailfrom_check\":{\"sender\":\"postmaster@example.com\""), std::string::npos) << json;
}

TEST(Simulate, ReadsAnEmptyFromAsTheNullSender) {
    const auto config = config_from("");
    const Simulation s = run(config, request("192.0.2.25", "mail.example.com", ""));
    EXPECT_TRUE(s.transaction.reverse_path.null_sender);
    EXPECT_TRUE(s.decision.checks.mailfrom_is_helo);
    const std::string text = milter::format_text(config, s);
    EXPECT_NE(text.find("envelope-from: <> (null sender)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("mailfrom identity: the helo check (null sender, RFC 7208 section 2.4)\n"), std::string::npos);
}

TEST(Simulate, SaysWhyATrustedClientIsNotChecked) {
    const auto config = config_from("");
    const Simulation s = run(config, request("127.0.0.1", "localhost", "alice@example.com"));
    const std::string text = milter::format_text(config, s);
    EXPECT_NE(text.find("skip: trusted-network (not checked, no headers)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("headers: none\n"), std::string::npos);
}

TEST(Simulate, ShowsWhatAnExemptRecipientGetsWithRejectAtRcpt) {
    const auto config = config_from("reject_at = rcpt");
    SimulateOptions options = request("198.51.100.7", "mail.example.com", "alice@example.com");
    options.rcpt = "<postmaster@example.net>";
    const Simulation exempt = run(config, options);
    EXPECT_EQ(exempt.recipient_action, milter::Action::accept);
    const std::string text = milter::format_text(config, exempt);
    EXPECT_NE(text.find("action: reject at RCPT TO, except exempt recipients; RCPT TO:<postmaster@example.net> gets "
                        "accept\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("reply that would be given at RCPT TO: 550 5.7.23"), std::string::npos) << text;
    EXPECT_NE(text.find("headers:\nAuthentication-Results:"), std::string::npos) << text;

    options.rcpt = "<bob@example.net>";
    const Simulation refused = run(config, options);
    EXPECT_EQ(refused.recipient_action, milter::Action::reject);
    const std::string refused_text = milter::format_text(config, refused);
    EXPECT_NE(refused_text.find("reply at RCPT TO: 550 5.7.23"), std::string::npos) << refused_text;
    EXPECT_NE(refused_text.find("headers: none\n"), std::string::npos) << refused_text;
}

TEST(Simulate, SaysWhatADryRunWouldHaveDone) {
    const auto config = config_from("dry_run = yes");
    const Simulation s = run(config, request("198.51.100.7", "mail.example.com", "alice@example.com"));
    const std::string text = milter::format_text(config, s);
    EXPECT_NE(text.find("action: accept (dry run: would reject)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("reply that would be given at MAIL FROM: 550 5.7.23"), std::string::npos) << text;
    EXPECT_NE(text.find("headers:\n"), std::string::npos) << text;
}

TEST(Simulate, GivesTheSameAsOneJsonObject) {
    const auto config = config_from("");
    const Simulation s = run(config, request("198.51.100.7", "mail.example.com", "alice@example.com"));
    const std::string json = milter::format_json(config, s);
    EXPECT_TRUE(
        json.starts_with("{\"configuration\":\"test.conf\",\"client_ip\":\"198.51.100.7\","
                         "\"helo\":\"mail.example.com\",\"envelope_from\":\"alice@example.com\","
                         "\"null_sender\":false,\"skip\":null,\"helo_check\":{\"sender\":"
                         "\"postmaster@mail.example.com\",\"result\":\"fail\""))
        << json;
    EXPECT_NE(json.find("\"mailfrom_check\":{\"sender\":\"alice@example.com\",\"result\":\"fail\",\"domain\":"
                        "\"example.com\""),
              std::string::npos)
        << json;
    EXPECT_NE(json.find("\"action\":\"reject\",\"policy_action\":\"reject\",\"dry_run\":false,\"stage\":\"mail\","
                        "\"reply\":{\"code\":\"550\",\"enhanced_code\":\"5.7.23\",\"text\":\"SPF fail: 198.51.100.7 "
                        "is not allowed to send mail for example.com\",\"line\":\"550 5.7.23 SPF fail: 198.51.100.7 "
                        "is not allowed to send mail for example.com\"},\"rcpt\":null,\"headers\":[]}\n"),
              std::string::npos)
        << json;
    EXPECT_TRUE(json.ends_with("}\n"));
    EXPECT_EQ(json.find('\n'), json.size() - 1);  // one line
}

TEST(Simulate, EscapesFoldedHeadersInJson) {
    const auto config = config_from("");
    const Simulation s = run(config, request("192.0.2.25", "mail.example.com", "alice@example.com"));
    const std::string json = milter::format_json(config, s);
    EXPECT_NE(json.find("{\"name\":\"Authentication-Results\",\"value\":\"mx.example.net; spf=pass"), std::string::npos)
        << json;
    EXPECT_NE(json.find("\\n "), std::string::npos);  // a fold, escaped
    EXPECT_EQ(json.find('\n'), json.size() - 1);
}

TEST(Simulate, RefusesAnIpThatIsNotOne) {
    static spf::ZoneResolver resolver = spf::ZoneResolver::from_text(world);
    ManualClock clock;
    auto result = milter::simulate(config_from(""), request("mail.example.com", "x", "a@example.com"), resolver, clock,
                                   "mx.example.net");
    ASSERT_TRUE(std::holds_alternative<std::string>(result));
    EXPECT_EQ(std::get<std::string>(result), "--ip 'mail.example.com' is not an IP address");
}

// --- --zone FILE -------------------------------------------------------------

std::string write_file(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + name;
    std::ofstream(path) << text;
    return path;
}

// A simulation as main() runs it: the factory of simulation_resolvers() through
// build_runtime(), so with the daemon's cache in front of the zone.
std::variant<Simulation, std::string> simulate_with_zone(const milter::Config& config, SimulateOptions options) {
    auto resolvers = milter::simulation_resolvers(options);
    if (auto* error = std::get_if<std::string>(&resolvers)) return *error;
    auto runtime = milter::build_runtime(config, std::get<milter::ResolverFactory>(resolvers));
    if (auto* error = std::get_if<std::string>(&runtime)) return *error;
    // The real clock, as main() has: the cache's deadlines are steady_clock's.
    return milter::simulate(config, options, *std::get<std::shared_ptr<const milter::Runtime>>(runtime)->resolver,
                            spf::system_clock(), "mx.example.net");
}

TEST(SimulateZone, AnswersFromTheZoneFileThroughTheDaemonsCache) {
    const auto config = config_from("dns_servers = 192.0.2.53");  // not asked: the zone answers
    SimulateOptions options = request("198.51.100.7", "mail.example.com", "alice@example.com");
    options.zone_file = write_file("simulate_zone_test.zone", world);
    auto fail = simulate_with_zone(config, options);
    ASSERT_TRUE(std::holds_alternative<Simulation>(fail)) << std::get<std::string>(fail);
    const Simulation& refused = std::get<Simulation>(fail);
    ASSERT_TRUE(refused.decision.checks.mailfrom.has_value());
    EXPECT_EQ(refused.decision.checks.mailfrom->result, spf::Result::fail);
    EXPECT_EQ(refused.decision.verdict.action, milter::Action::reject);

    options.ip = "192.0.2.25";
    auto pass = simulate_with_zone(config, options);
    ASSERT_TRUE(std::holds_alternative<Simulation>(pass)) << std::get<std::string>(pass);
    const Simulation& accepted = std::get<Simulation>(pass);
    EXPECT_EQ(accepted.decision.checks.helo->result, spf::Result::pass);
    EXPECT_EQ(accepted.decision.checks.mailfrom->result, spf::Result::pass);
    EXPECT_EQ(accepted.decision.verdict.action, milter::Action::accept);
    EXPECT_GT(accepted.decision.checks.mailfrom->counters.dns_queries, 0U);  // asked, not assumed
}

TEST(SimulateZone, RefusesABadZoneFileNamingTheFileAndLine) {
    SimulateOptions options = request("192.0.2.25", "mail.example.com", "alice@example.com");
    options.zone_file = write_file("simulate_bad.zone", "# a comment\nexample.com TXT v=spf1\n");
    auto result = simulate_with_zone(config_from(""), options);
    ASSERT_TRUE(std::holds_alternative<std::string>(result));
    EXPECT_EQ(std::get<std::string>(result), *options.zone_file + ": line 2: TXT strings must be quoted, got v=spf1");

    options.zone_file = ::testing::TempDir() + "no-such-simulate.zone";
    result = simulate_with_zone(config_from(""), options);
    ASSERT_TRUE(std::holds_alternative<std::string>(result));
    EXPECT_EQ(std::get<std::string>(result), *options.zone_file + ": No such file or directory");
}

using Outcome = spf::test::ProgramOutcome;

Outcome run_milter(const std::string& arguments) { return spf::test::run_program("milter/spf-milter", arguments); }

class SimulateZoneProgram : public ::testing::Test {
protected:
    void SetUp() override {
        config_ = write_file("simulate_program.conf", "authserv_id = mx.example.net\n");
        zone_ = write_file("simulate_program.zone", world);
    }
    std::string config_, zone_;
};

TEST_F(SimulateZoneProgram, PrintsTheDaemonsDecisionFromTheZone) {
    const Outcome fail = run_milter("--simulate -c " + config_ + " --zone " + zone_ +
                                    " --ip 198.51.100.7 --helo mail.example.com --from alice@example.com");
    EXPECT_EQ(fail.status, 0) << fail.output;
    EXPECT_NE(fail.output.find("mailfrom identity: fail (matched -all in example.com)"), std::string::npos)
        << fail.output;
    EXPECT_NE(fail.output.find("reply at MAIL FROM: 550 5.7.23"), std::string::npos) << fail.output;
    const Outcome pass = run_milter("--simulate --config=" + config_ + " --zone=" + zone_ +
                                    " --ip=192.0.2.25 --helo=mail.example.com --from=alice@example.com --json");
    EXPECT_EQ(pass.status, 0) << pass.output;
    EXPECT_NE(pass.output.find("\"action\":\"accept\""), std::string::npos) << pass.output;
    EXPECT_NE(pass.output.find("spf=pass"), std::string::npos) << pass.output;
}

TEST_F(SimulateZoneProgram, ExitsWithAUsageErrorForABadZone) {
    const std::string bad =
        write_file("simulate_program_bad.zone", "example.com TXT \"v=spf1 -all\"\nexample.com MX x y\n");
    const Outcome result = run_milter("--simulate -c " + config_ + " --zone " + bad +
                                      " --ip 192.0.2.1 --helo h.example.com --from a@example.com");
    EXPECT_EQ(result.status, 2);
    EXPECT_EQ(result.output,
              "spf-milter: " + bad + ": line 2: MX preference must be a number from 0 to 65535, got \"x\"\n");
    const Outcome missing = run_milter("--simulate -c " + config_ + " --zone " + ::testing::TempDir() +
                                       "absent.zone --ip 192.0.2.1 --helo h.example.com --from a@example.com");
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.output.find("absent.zone: No such file or directory"), std::string::npos) << missing.output;
}

TEST_F(SimulateZoneProgram, RefusesAZoneWithADnsServer) {
    const Outcome result =
        run_milter("--simulate -c " + config_ + " --zone " + zone_ +
                   " --dns-server 127.0.0.1 --ip 192.0.2.1 --helo h.example.com --from a@example.com");
    EXPECT_EQ(result.status, 2);
    EXPECT_EQ(result.output.rfind(
                  "spf-milter: --zone cannot be combined with --dns-server: the zone file answers instead of DNS\n", 0),
              0U)
        << result.output;
}

// -n (main.cpp's check_config): valid settings that will misbehave are warned
// about on stderr, and the file is still OK (exit 0); a bad one is exit 78.
TEST(CheckConfigProgram, WarnsAboutSettingsThatWillMisbehaveAndStillSaysOk) {
    const std::string config = write_file("check_config_warnings.conf", "check_timeout = 30\ntrusted_networks =\n");
    const Outcome result = run_milter("-n -c " + config);
    EXPECT_EQ(result.status, 0) << result.output;
    EXPECT_NE(result.output.find("spf-milter: " + config + ": warning: check_timeout = 30 is at or above Postfix's"),
              std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find(": warning: trusted_networks is empty while the MTA connects locally"),
              std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("# " + config + ": configuration OK\n"), std::string::npos) << result.output;
}

TEST(CheckConfigProgram, NamesTheListFileAndItsLineOfABadEntry) {
    const std::string list = write_file("check_config_relays", "192.0.2.25\n# a comment\n192.0.2.300\n");
    const std::string config = write_file("check_config_list.conf", "skip_networks = file:" + list + "\n");
    const Outcome result = run_milter("-n -c " + config);
    EXPECT_EQ(result.status, 78) << result.output;
    EXPECT_EQ(result.output.rfind("spf-milter: fatal: " + config + ":1: key 'skip_networks': " + list + ":3: ", 0), 0U)
        << result.output;
}

// --reload with a bad file: exit 78, and no daemon is looked for.
TEST(ReloadProgram, RefusesABadFileWithoutAskingTheDaemon) {
    const std::string config = write_file("reload_bad.conf", "fail_action = sometimes\n");
    const Outcome result = run_milter("--reload -c " + config + " --pid 1");
    EXPECT_EQ(result.status, 78) << result.output;
    EXPECT_NE(result.output.find(config + ":1: key 'fail_action'"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("the daemon is not asked to reload"), std::string::npos) << result.output;
}

}  // namespace
