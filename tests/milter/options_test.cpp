// tests/milter/options_test.cpp: milter/options.cpp, the command line of spf-milter(8).
#include "milter/options.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <sstream>
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
    EXPECT_EQ(o.config_source.path, milter::default_config_path());
    EXPECT_TRUE(o.config_source.path.ends_with("etc/spf-milter.conf")) << o.config_source.path;
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

TEST(Options, ReadTheLongNamesOfTheShortOptions) {
    const Options o = options({"--config", "/tmp/x.conf", "--socket=local:/run/x.sock", "--foreground"});
    EXPECT_EQ(o.config_source.path, "/tmp/x.conf");
    EXPECT_EQ(o.config_source.overrides.socket, "local:/run/x.sock");
    EXPECT_TRUE(o.log_to_stderr);
    EXPECT_EQ(options({"--config=/tmp/z.conf"}).config_source.path, "/tmp/z.conf");
}

TEST(Options, ChooseTheConfigCheck) {
    EXPECT_EQ(options({"-n"}).mode, Options::Mode::check_config);
    EXPECT_EQ(options({"--check-config", "-c", "/tmp/x.conf"}).mode, Options::Mode::check_config);
}

TEST(Options, ChooseHelpAndVersion) {
    EXPECT_EQ(options({"--help"}).mode, Options::Mode::help);
    EXPECT_EQ(options({"-h"}).mode, Options::Mode::help);
    EXPECT_EQ(options({"--version"}).mode, Options::Mode::version);
    EXPECT_EQ(options({"-V"}).mode, Options::Mode::version);
    // Whatever else the line asks for, as long as it parses.
    EXPECT_EQ(options({"-c", "/tmp/x.conf", "--simulate", "-h"}).mode, Options::Mode::help);
    EXPECT_EQ(error({"-h", "--bogus"}), "unknown option --bogus");
    EXPECT_EQ(error({"--help=1"}), "option --help takes no value");
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
    // Unknown at once, not asked for a value first, with or without one.
    EXPECT_EQ(error({"-c", "/tmp/x.conf", "--bogus"}), "unknown option --bogus");
    EXPECT_EQ(error({"--bogus=1", "-n"}), "unknown option --bogus");
}

TEST(Options, RefuseAMissingValue) {
    EXPECT_EQ(error({"-c"}), "option -c needs a value");
    EXPECT_EQ(error({"-f", "--dns-server"}), "option --dns-server needs a value");
    EXPECT_EQ(error({"--config"}), "option --config needs a value");
}

TEST(Options, RefuseAValueForAFlag) {
    EXPECT_EQ(error({"--json=yes", "--simulate"}), "option --json takes no value");
    EXPECT_EQ(error({"--foreground=yes"}), "option --foreground takes no value");
    EXPECT_EQ(error({"-fn"}), "option -f takes no value (give each short option on its own: -f -n)");
}

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

TEST(Options, ReadAZoneForASimulation) {
    const Options o = options(
        {"--simulate", "--ip", "192.0.2.1", "--helo", "h.example", "--from", "a@example.com", "--zone", "my.zone"});
    EXPECT_EQ(o.simulate.zone_file, "my.zone");
    EXPECT_EQ(options({"--simulate", "--ip=192.0.2.1", "--helo=h", "--from=", "--zone=z"}).simulate.zone_file, "z");
    EXPECT_FALSE(options({"--simulate", "--ip=192.0.2.1", "--helo=h", "--from="}).simulate.zone_file.has_value());
}

TEST(Options, RefuseAZoneWithADnsServerOrWithoutSimulate) {
    EXPECT_EQ(error({"--simulate", "--ip=192.0.2.1", "--helo=h", "--from=", "--zone=z", "--dns-server", "127.0.0.1"}),
              "--zone cannot be combined with --dns-server: the zone file answers instead of DNS");
    EXPECT_EQ(error({"--zone", "z"}), "option --zone needs --simulate");
    EXPECT_EQ(error({"--simulate", "--ip=192.0.2.1", "--helo=h", "--from=", "--zone="}), "--zone needs a file name");
}

TEST(Options, ReadAReload) {
    const Options plain = options({"--reload"});
    EXPECT_EQ(plain.mode, Options::Mode::reload);
    EXPECT_FALSE(plain.reload_pid.has_value());
    EXPECT_FALSE(plain.config_source.path_given);
    const Options o = options({"--reload", "--pid", "1234", "-c", "/tmp/x.conf"});
    EXPECT_EQ(o.mode, Options::Mode::reload);
    EXPECT_EQ(o.reload_pid, 1234);
    EXPECT_EQ(o.config_source.path, "/tmp/x.conf");
    EXPECT_TRUE(o.config_source.path_given);
    EXPECT_EQ(options({"--pid=7", "--config=/tmp/y.conf", "--reload"}).reload_pid, 7);
}

TEST(Options, RefuseABadPid) {
    for (const char* pid : {"0", "-5", "12x", "", "1.5", "+3", "99999999999"}) {
        SCOPED_TRACE(pid);
        EXPECT_EQ(error({"--reload", "--pid", pid}),
                  "--pid takes a process id, a positive decimal integer, not '" + std::string(pid) + "'");
    }
    EXPECT_EQ(error({"--reload", "--pid"}), "option --pid needs a value");
}

TEST(Options, RefuseAPidWithoutReload) {
    EXPECT_EQ(error({"--pid", "1234"}), "option --pid needs --reload");
    EXPECT_EQ(error({"-n", "--pid", "1234"}), "option --pid needs --reload");
}

TEST(Options, RefuseWhatAReloadDoesNotTake) {
    EXPECT_EQ(error({"--reload", "-p", "inet:8893@127.0.0.1"}),
              "--reload cannot be combined with -p (only with -c and --pid)");
    EXPECT_EQ(error({"--reload", "--foreground"}),
              "--reload cannot be combined with --foreground (only with -c and --pid)");
    EXPECT_EQ(error({"--reload", "-n"}), "--reload cannot be combined with -n (only with -c and --pid)");
    EXPECT_EQ(error({"--reload", "--simulate", "--ip=192.0.2.1", "--helo=h", "--from="}),
              "--reload cannot be combined with --simulate");
    EXPECT_EQ(error({"--reload", "--json"}), "--reload cannot be combined with --json (only with -c and --pid)");
    EXPECT_EQ(error({"--reload", "--zone", "z"}), "--reload cannot be combined with --zone (only with -c and --pid)");
    EXPECT_EQ(error({"--reload", "--dns-server", "127.0.0.1"}),
              "--reload cannot be combined with --dns-server (only with -c and --pid): the daemon keeps the DNS "
              "servers it was started with");
}

TEST(Options, HaveAUsageTextThatShowsEveryForm) {
    const std::string usage = milter::usage_text();
    EXPECT_NE(usage.find("spf-milter [-c FILE] [-p SOCKET] [-f]"), std::string::npos);
    EXPECT_NE(usage.find("spf-milter --simulate --ip IP --helo NAME --from ADDR"), std::string::npos);
    EXPECT_NE(usage.find("spf-milter --reload [--pid PID] [-c FILE]"), std::string::npos);
    EXPECT_NE(usage.find("78"), std::string::npos);
}

// Every option the parser knows is in --help, long and short names alike, and
// the socket forms include local: (a synonym of unix: that Sendmail writes).
TEST(Options, HaveAUsageTextThatNamesEveryOption) {
    const std::string usage = milter::usage_text();
    for (const char* name :
         {"-c, --config", "-p, --socket", "-f, --foreground", "--dns-server", "-n, --check-config", "--simulate",
          "--zone FILE", "--reload", "--pid PID", "-h, --help", "-V, --version", "local:/path", "never forks"}) {
        SCOPED_TRACE(name);
        EXPECT_NE(usage.find(name), std::string::npos) << usage;
    }
}

// spf-milter(8) has a tag line (.TP) for every option that --help lists, in
// each spelling (-c and --config), and a ZONE FILES section for --zone.
TEST(Options, AreAllDocumentedInTheManPage) {
    std::ifstream file(std::string(SPF_SOURCE_DIR) + "/packaging/man/spf-milter.8");
    std::string page;
    std::vector<std::string> tags;
    for (std::string line, previous; std::getline(file, line); previous = line) {
        if (previous == ".TP") tags.push_back(line);
        page += line + "\n";
    }
    ASSERT_FALSE(tags.empty());
    std::istringstream lines(milter::usage_text());
    int options = 0;
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("  -")) continue;
        std::istringstream words(line);
        for (std::string word; words >> word && word.starts_with("-");) {
            if (word.ends_with(",")) word.pop_back();
            std::string roff;  // "--check-config" is written \-\-check\-config
            for (const char c : word) roff += c == '-' ? std::string("\\-") : std::string(1, c);
            ++options;
            const bool tagged = std::any_of(tags.begin(), tags.end(), [&](const std::string& tag) {
                std::istringstream tag_words(tag);
                for (std::string tag_word; tag_words >> tag_word;)
                    if (tag_word == roff) return true;
                return false;
            });
            EXPECT_TRUE(tagged) << word << " (" << roff << ") has no .TP entry in spf-milter(8)";
        }
    }
    EXPECT_GE(options, 15);  // every option of --help was looked at, short names included
    EXPECT_NE(page.find(".BR local:/path"), std::string::npos) << "-p does not list local:";
    EXPECT_NE(page.find(".SH ZONE FILES"), std::string::npos);
}

TEST(Options, ConvertConfigTakesAFileAndStandsAlone) {
    const Options o = options({"--convert-config", "/etc/pyspf-milter/pyspf-milter.conf"});
    EXPECT_EQ(o.mode, Options::Mode::convert_config);
    EXPECT_EQ(o.convert_path, "/etc/pyspf-milter/pyspf-milter.conf");
    EXPECT_EQ(options({"--convert-config=policyd-spf.conf"}).convert_path, "policyd-spf.conf");
    EXPECT_EQ(error({"--convert-config"}), "option --convert-config needs a value");
    EXPECT_EQ(error({"--convert-config="}), "--convert-config needs a file name");
    EXPECT_EQ(error({"--convert-config", "a.conf", "-n"}), "--convert-config cannot be combined with -n");
    EXPECT_EQ(error({"-c", "x.conf", "--convert-config", "a.conf"}), "--convert-config cannot be combined with -c");
    EXPECT_EQ(error({"--convert-config", "a.conf", "--reload"}), "--convert-config cannot be combined with --reload");
}

}  // namespace
