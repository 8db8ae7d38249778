// tests/milter/options_test.cpp: milter/options.cpp, the command line of spf-milter(8).
#include "milter/options.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

namespace {

using milter::Options;

std::variant<Options, std::string> parse(std::initializer_list<std::string_view> arguments) {
    const std::vector<std::string_view> list(arguments);
    return milter::parse_options(list);
}

Options options(std::initializer_list<std::string_view> arguments) {
    auto parsed = parse(arguments);
    if (auto* error = std::get_if<std::string>(&parsed)) ADD_FAILURE() << *error;
    return std::get<Options>(parsed);
}

std::string error(std::initializer_list<std::string_view> arguments) {
    auto parsed = parse(arguments);
    if (!std::holds_alternative<std::string>(parsed)) {
        ADD_FAILURE() << "no usage error";
        return {};
    }
    return std::get<std::string>(parsed);
}

TEST(Options, RunTheDaemonWithTheDefaultFileWhenGivenNothing) {
    const Options o = options({});
    EXPECT_EQ(o.mode, Options::Mode::run);
    EXPECT_EQ(o.config_source.path, "/etc/spf-milter.conf");
    EXPECT_FALSE(o.config_source.path_given);
    EXPECT_FALSE(o.log_to_stderr);
    EXPECT_TRUE(o.config_source.overrides.empty());
}

TEST(Options, ReadTheDaemonOptions) {
    const Options o = options({"-c", "/tmp/x.conf", "-p", "inet:8893@127.0.0.1", "-f", "--dns-server", "127.0.0.1:5353",
                               "--dns-server=[::1]:5353"});
    EXPECT_EQ(o.config_source.path, "/tmp/x.conf");
    EXPECT_TRUE(o.config_source.path_given);
    EXPECT_EQ(o.config_source.overrides.socket, "inet:8893@127.0.0.1");
    EXPECT_TRUE(o.log_to_stderr);
    EXPECT_EQ(o.config_source.overrides.dns_servers, (std::vector<std::string>{"127.0.0.1:5353", "[::1]:5353"}));
}

TEST(Options, AcceptAttachedShortValues) { EXPECT_EQ(options({"-c/tmp/y.conf"}).config_source.path, "/tmp/y.conf"); }

TEST(Options, ChooseTheConfigCheck) {
    EXPECT_EQ(options({"-n"}).mode, Options::Mode::check_config);
    EXPECT_EQ(options({"--check-config", "-c", "/tmp/x.conf"}).mode, Options::Mode::check_config);
}

TEST(Options, ChooseHelpAndVersion) {
    EXPECT_EQ(options({"--help"}).mode, Options::Mode::help);
    EXPECT_EQ(options({"--version"}).mode, Options::Mode::version);
}

TEST(Options, ReadASimulation) {
    const Options o =
        options({"--simulate", "--ip", "192.0.2.1", "--helo", "mail.example.com", "--from", "alice@example.com",
                 "--rcpt", "postmaster@example.net", "--json", "-c", "/tmp/x.conf", "--dns-server", "127.0.0.1:5353"});
    EXPECT_EQ(o.mode, Options::Mode::simulate);
    EXPECT_EQ(o.simulate.ip, "192.0.2.1");
    EXPECT_EQ(o.simulate.helo, "mail.example.com");
    EXPECT_EQ(o.simulate.from, "alice@example.com");
    EXPECT_EQ(o.simulate.rcpt, "postmaster@example.net");
    EXPECT_TRUE(o.simulate.json);
    EXPECT_EQ(o.config_source.overrides.dns_servers.size(), 1U);
}

TEST(Options, ReadAnEmptyFromAsTheNullSender) {
    EXPECT_EQ(options({"--simulate", "--ip", "192.0.2.1", "--helo", "h.example", "--from", ""}).simulate.from, "");
    EXPECT_EQ(options({"--simulate", "--ip=192.0.2.1", "--helo=h.example", "--from="}).simulate.from, "");
}

TEST(Options, RefuseWhatTheyDoNotKnow) {
    EXPECT_EQ(error({"--frobnicate"}), "unknown option --frobnicate");
    EXPECT_EQ(error({"-x"}), "unknown option -x");
    EXPECT_EQ(error({"extra"}), "unexpected argument 'extra'");
}

TEST(Options, RefuseAMissingValue) {
    EXPECT_EQ(error({"-c"}), "option -c needs a value");
    EXPECT_EQ(error({"-f", "--dns-server"}), "option --dns-server needs a value");
}

TEST(Options, RefuseAValueForAFlag) { EXPECT_EQ(error({"--json=yes", "--simulate"}), "option --json takes no value"); }

TEST(Options, RefuseAnIncompleteSimulation) {
    EXPECT_EQ(error({"--simulate", "--ip", "192.0.2.1", "--helo", "h.example"}),
              "--simulate needs --ip, --helo and --from");
}

TEST(Options, RefuseSimulationOptionsWithoutSimulate) {
    EXPECT_EQ(error({"--ip", "192.0.2.1"}), "option --ip needs --simulate");
    EXPECT_EQ(error({"--json"}), "option --json needs --simulate");
}

TEST(Options, RefuseDaemonOptionsWithSimulate) {
    EXPECT_EQ(error({"--simulate", "--ip", "192.0.2.1", "--helo", "h", "--from", "a@b.example", "-f"}),
              "--simulate cannot be combined with -p, -f or -n");
}

TEST(Options, HaveAUsageTextThatShowsBothForms) {
    const std::string usage = milter::usage_text();
    EXPECT_NE(usage.find("spf-milter [-c FILE] [-p SOCKET] [-f]"), std::string::npos);
    EXPECT_NE(usage.find("spf-milter --simulate --ip IP --helo NAME --from ADDR"), std::string::npos);
    EXPECT_NE(usage.find("78"), std::string::npos);
}

}  // namespace
