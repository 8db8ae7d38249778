// tests/milter/config_test.cpp: milter/config.cpp and the key table, spf-milter.conf(5):
// the defaults, one value of every key, each kind of bad line, lists and sockets.
#include "milter/config.hpp"
#include "milter/config_keys.hpp"
#include "milter/config_values.hpp"
#include "support.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

namespace {

using milter::Action;
using milter::Config;
using milter::ConfigError;
using milter::LogLevel;
using milter::RejectStage;
using milter::SocketSpec;
using milter::test::config_from;

ConfigError error_of(const std::string& text, const std::string& file = "/etc/spf-milter.conf") {
    auto parsed = milter::parse_config(text, file);
    if (!std::holds_alternative<ConfigError>(parsed)) {
        ADD_FAILURE() << "no error for: " << text;
        return {};
    }
    return std::get<ConfigError>(parsed);
}

TEST(ConfigDefaults, AreTheDocumentedOnes) {
    const Config& c = milter::default_config();
    EXPECT_EQ(c.socket.text, "unix:/run/spf-milter/spf-milter.sock");
    EXPECT_EQ(c.socket.kind, SocketSpec::Kind::unix_path);
    EXPECT_EQ(c.socket.path, "/run/spf-milter/spf-milter.sock");
    EXPECT_EQ(c.socket_mode, 0660U);
    EXPECT_EQ(c.listen_backlog, 4096U);
    EXPECT_TRUE(c.remove_forged_results);
    EXPECT_EQ(c.user, "");
    EXPECT_EQ(c.pid_file, "");
    EXPECT_TRUE(c.dns_servers.empty());
    EXPECT_EQ(c.dns_timeout_s, std::nullopt) << "empty: resolv.conf decides";
    EXPECT_EQ(c.check_timeout_s, 20U);
    ASSERT_EQ(c.trusted_networks.size(), 2U);
    EXPECT_EQ(c.trusted_networks[0].to_string(), "127.0.0.0/8");
    EXPECT_EQ(c.trusted_networks[1].to_string(), "::1");
    EXPECT_TRUE(c.skip_networks.empty());
    EXPECT_TRUE(c.skip_sender_domains.empty());
    EXPECT_TRUE(c.skip_authenticated);
    EXPECT_TRUE(c.check_helo);
    EXPECT_EQ(c.helo_fail_action, Action::accept);
    EXPECT_EQ(c.fail_action, Action::reject);
    EXPECT_EQ(c.softfail_action, Action::accept);
    EXPECT_EQ(c.neutral_action, Action::accept);
    EXPECT_EQ(c.none_action, Action::accept);
    EXPECT_EQ(c.temperror_action, Action::tempfail);
    EXPECT_EQ(c.permerror_action, Action::accept);
    EXPECT_EQ(c.reject_at, RejectStage::mail);
    EXPECT_EQ(c.exempt_recipients, std::vector<std::string>{"postmaster"});
    EXPECT_FALSE(c.dry_run);
    EXPECT_TRUE(c.add_received_spf);
    EXPECT_TRUE(c.add_authentication_results);
    EXPECT_EQ(c.authserv_id, "");
    EXPECT_EQ(c.receiver, "");
    EXPECT_EQ(c.reject_text, "SPF fail: %{c} is not allowed to send mail for %{o}");
    EXPECT_EQ(c.log_level, LogLevel::info);
    EXPECT_EQ(c.syslog_facility, "mail");
}

TEST(ConfigDefaults, AreWhatAnEmptyFileGives) {
    const Config empty = config_from("");
    EXPECT_EQ(milter::describe(empty), milter::describe(milter::default_config()));
    EXPECT_EQ(empty.source, "test.conf");
}

TEST(ConfigKeys, HaveUniqueNamesAndADescription) {
    std::set<std::string_view> names;
    for (const auto& key : milter::config_keys) {
        EXPECT_TRUE(names.insert(key.name).second) << key.name;
        EXPECT_FALSE(key.doc.empty()) << key.name;
    }
}

TEST(ConfigKeys, PrintBackWhatTheyRead) {
    // describe() output is itself a valid file that gives the same configuration.
    const Config custom = config_from(R"(
        socket = inet:8893@127.0.0.1
        socket_mode = 0600
        dns_servers = 192.0.2.53, [2001:db8::53]:5353
        trusted_networks = 192.0.2.0/24, 2001:db8::/32
        skip_sender_domains = .example.org, example.net
        exempt_recipients = postmaster, abuse@example.com
        headers = authentication-results
        reject_text = go away, %{i}
    )");
    const Config again = config_from(milter::describe(custom));
    EXPECT_EQ(milter::describe(again), milter::describe(custom));
}

TEST(ConfigFile, ReadsOneValueOfEveryKey) {
    const Config c = config_from(R"(# every key, once
socket = inet6:8893@::1
socket_mode = 0666
listen_backlog = 1024
remove_forged_results = no
user = spf-milter
pid_file = /run/spf-milter/spf-milter.pid
dns_servers = 127.0.0.1:5353
dns_timeout = 3
check_timeout = 15
trusted_networks =
skip_networks = 198.51.100.0/24
skip_sender_domains = Example.ORG.
skip_authenticated = no
check_helo = off
helo_fail_action = reject
fail_action = tempfail
softfail_action = reject
neutral_action = tempfail
none_action = reject
temperror_action = accept
permerror_action = reject
reject_at = rcpt
exempt_recipients = Abuse
dry_run = yes
headers = none
authserv_id = mx.example.net
receiver = mx1.example.net
reject_text = Not allowed: see https://www.example.com/spf?d=%{d}
log_level = debug
syslog_facility = LOCAL3
)");
    EXPECT_EQ(c.socket.kind, SocketSpec::Kind::inet6);
    EXPECT_EQ(c.socket.port, 8893);
    EXPECT_EQ(c.socket.host, "::1");
    EXPECT_EQ(c.socket_mode, 0666U);
    EXPECT_EQ(c.listen_backlog, 1024U);
    EXPECT_FALSE(c.remove_forged_results);
    EXPECT_EQ(c.user, "spf-milter");
    EXPECT_EQ(c.pid_file, "/run/spf-milter/spf-milter.pid");
    ASSERT_EQ(c.dns_servers.size(), 1U);
    EXPECT_EQ(c.dns_servers[0].host, "127.0.0.1");
    EXPECT_EQ(c.dns_servers[0].port, 5353);
    EXPECT_EQ(c.dns_timeout_s, 3U);
    EXPECT_EQ(c.check_timeout_s, 15U);
    EXPECT_TRUE(c.trusted_networks.empty());
    ASSERT_EQ(c.skip_networks.size(), 1U);
    EXPECT_EQ(c.skip_sender_domains, std::vector<std::string>{"example.org"});
    EXPECT_FALSE(c.skip_authenticated);
    EXPECT_FALSE(c.check_helo);
    EXPECT_EQ(c.helo_fail_action, Action::reject);
    EXPECT_EQ(c.fail_action, Action::tempfail);
    EXPECT_EQ(c.softfail_action, Action::reject);
    EXPECT_EQ(c.neutral_action, Action::tempfail);
    EXPECT_EQ(c.none_action, Action::reject);
    EXPECT_EQ(c.temperror_action, Action::accept);
    EXPECT_EQ(c.permerror_action, Action::reject);
    EXPECT_EQ(c.reject_at, RejectStage::rcpt);
    EXPECT_EQ(c.exempt_recipients, std::vector<std::string>{"abuse"});
    EXPECT_TRUE(c.dry_run);
    EXPECT_FALSE(c.add_received_spf);
    EXPECT_FALSE(c.add_authentication_results);
    EXPECT_EQ(c.authserv_id, "mx.example.net");
    EXPECT_EQ(c.receiver, "mx1.example.net");
    EXPECT_EQ(c.reject_text, "Not allowed: see https://www.example.com/spf?d=%{d}");
    EXPECT_EQ(c.log_level, LogLevel::debug);
    EXPECT_EQ(c.syslog_facility, "local3");
}

TEST(ConfigFile, IgnoresCommentsBlankLinesAndSpacesAroundEquals) {
    const Config c = config_from("\n# a comment\n   # an indented comment\n\n\tfail_action\t=\taccept  \r\n");
    EXPECT_EQ(c.fail_action, Action::accept);
}

TEST(ConfigFile, KeepsHashesAndEqualsInsideAValue) {
    EXPECT_EQ(config_from("reject_text = No #1 = %{d}").reject_text, "No #1 = %{d}");
}

TEST(ConfigFile, ReadsListsSeparatedByCommas) {
    const Config c = config_from("skip_networks = 192.0.2.0/24,198.51.100.7 ,, 2001:db8::/48,");
    ASSERT_EQ(c.skip_networks.size(), 3U);
    EXPECT_EQ(c.skip_networks[0].to_string(), "192.0.2.0/24");
    EXPECT_EQ(c.skip_networks[1].to_string(), "198.51.100.7");
    EXPECT_EQ(c.skip_networks[2].to_string(), "2001:db8::/48");
}

TEST(ConfigFile, ChoosesEitherHeaderOrBoth) {
    const Config received = config_from("headers = Received-SPF");
    EXPECT_TRUE(received.add_received_spf);
    EXPECT_FALSE(received.add_authentication_results);
    const Config both = config_from("headers = authentication-results, received-spf");
    EXPECT_TRUE(both.add_received_spf);
    EXPECT_TRUE(both.add_authentication_results);
}

TEST(ConfigErrors, NameTheFileTheLineAndTheKey) {
    const ConfigError error = error_of("# line 1\n\ndns_timeout = soon\n");
    EXPECT_EQ(error.file, "/etc/spf-milter.conf");
    EXPECT_EQ(error.line, 3U);
    EXPECT_EQ(error.key, "dns_timeout");
    EXPECT_EQ(error.to_string(), "/etc/spf-milter.conf:3: key 'dns_timeout': 'soon' is not a number of seconds");
}

TEST(ConfigErrors, RefuseABadValueOfEveryKind) {
    struct Row {
        const char* line;
        const char* key;
        const char* message;
    };
    const Row rows[] = {
        {"socket = /run/x.sock", "socket", "expected unix:/path"},
        {"socket = unix:relative.sock", "socket", "must be absolute"},
        {"socket = inet:99999@127.0.0.1", "socket", "not a port number"},
        {"socket = inet:8893@", "socket", "no host after '@'"},
        {"socket = tcp:8893", "socket", "unknown socket type 'tcp'"},
        {"socket_mode = 0999", "socket_mode", "not an octal mode"},
        {"socket_mode = 01777", "socket_mode", "not an octal mode"},
        {"listen_backlog = 8", "listen_backlog", "8 is outside 16..65535"},
        {"listen_backlog = lots", "listen_backlog", "'lots' is not a whole number"},
        {"remove_forged_results = sometimes", "remove_forged_results", "is not yes or no"},
        {"user = spf milter", "user", "not a user name"},
        {"pid_file = spf-milter.pid", "pid_file", "not an absolute path"},
        {"dns_servers = 192.0.2.53, dns.example", "dns_servers", "'dns.example'"},
        {"dns_timeout = 0", "dns_timeout", "outside 1..60"},
        {"check_timeout = 5s", "check_timeout", "not a number of seconds"},
        {"trusted_networks = 127.0.0.1/40", "trusted_networks", "prefix length 40 is over 32"},
        {"skip_networks = localhost", "skip_networks", "not an IP address"},
        {"skip_sender_domains = exa mple.com", "skip_sender_domains", "is not a domain"},
        {"skip_authenticated = maybe", "skip_authenticated", "is not yes or no"},
        {"check_helo =", "check_helo", "'' is not yes or no"},
        {"helo_fail_action = bounce", "helo_fail_action", "not accept, reject or tempfail"},
        {"fail_action = discard", "fail_action", "not accept, reject or tempfail"},
        {"softfail_action = 550", "softfail_action", "not accept, reject or tempfail"},
        {"neutral_action = x", "neutral_action", "not accept"},
        {"none_action = x", "none_action", "not accept"},
        {"temperror_action = x", "temperror_action", "not accept"},
        {"permerror_action = x", "permerror_action", "not accept"},
        {"reject_at = data", "reject_at", "not mail or rcpt"},
        {"exempt_recipients = <postmaster>", "exempt_recipients", "not a local part or an address"},
        {"dry_run = perhaps", "dry_run", "not yes or no"},
        {"headers = x-spf", "headers", "is not received-spf, authentication-results or none"},
        {"headers = none, received-spf", "headers", "none cannot be combined"},
        {"headers =", "headers", "write none"},
        {"authserv_id = mx example", "authserv_id", "not a host name"},
        {"receiver = mx;example", "receiver", "not a host name"},
        {"reject_text = 100% sure", "reject_text", "write a literal % as %%"},
        {"log_level = verbose", "log_level", "not error, warning, info or debug"},
        {"syslog_facility = kern", "syslog_facility", "not a syslog facility"},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.line);
        const ConfigError error = error_of(std::string("\n") + row.line + "\n", "x.conf");
        EXPECT_EQ(error.line, 2U);
        EXPECT_EQ(error.key, row.key);
        EXPECT_NE(error.message.find(row.message), std::string::npos) << error.message;
    }
}

TEST(ConfigErrors, RefuseAnUnknownKeyAndSuggestTheNearestOne) {
    const ConfigError error = error_of("fail_actoin = reject");
    EXPECT_EQ(error.key, "fail_actoin");
    EXPECT_EQ(error.message, "unknown key (did you mean 'fail_action'?)");
    EXPECT_EQ(error_of("colour = blue").message, "unknown key");
}

TEST(ConfigErrors, RefuseALineWithoutEquals) {
    const ConfigError error = error_of("fail_action reject");
    EXPECT_EQ(error.line, 1U);
    EXPECT_EQ(error.key, "fail_action");
    EXPECT_EQ(error.message, "expected 'key = value'");
}

TEST(ConfigErrors, RefuseALineWithoutAKey) {
    const ConfigError error = error_of("= reject");
    EXPECT_EQ(error.key, "");
    EXPECT_EQ(error.to_string(), "/etc/spf-milter.conf:1: no key before '='");
}

TEST(ConfigErrors, RefuseAKeyGivenTwice) {
    const ConfigError error = error_of("fail_action = reject\n\nfail_action = accept\n");
    EXPECT_EQ(error.line, 3U);
    EXPECT_EQ(error.key, "fail_action");
    EXPECT_EQ(error.message, "given twice (first on line 1)");
}

TEST(ConfigErrors, TreatKeyNamesAsCaseSensitive) { EXPECT_EQ(error_of("Fail_Action = reject").key, "Fail_Action"); }

TEST(Socket, ReadsEveryLibmilterForm) {
    struct Row {
        const char* text;
        SocketSpec::Kind kind;
        const char* path;
        std::uint16_t port;
        const char* host;
    };
    const Row rows[] = {
        {"unix:/run/spf-milter/spf-milter.sock", SocketSpec::Kind::unix_path, "/run/spf-milter/spf-milter.sock", 0, ""},
        {"local:/var/spool/postfix/spf/sock", SocketSpec::Kind::unix_path, "/var/spool/postfix/spf/sock", 0, ""},
        {"inet:8893@127.0.0.1", SocketSpec::Kind::inet, "", 8893, "127.0.0.1"},
        {"inet:8893@localhost", SocketSpec::Kind::inet, "", 8893, "localhost"},
        {"inet:8893", SocketSpec::Kind::inet, "", 8893, ""},
        {"inet6:8893@::1", SocketSpec::Kind::inet6, "", 8893, "::1"},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.text);
        auto parsed = milter::parse_socket(row.text);
        ASSERT_TRUE(std::holds_alternative<SocketSpec>(parsed)) << std::get<std::string>(parsed);
        const auto& socket = std::get<SocketSpec>(parsed);
        EXPECT_EQ(socket.kind, row.kind);
        EXPECT_EQ(socket.path, row.path);
        EXPECT_EQ(socket.port, row.port);
        EXPECT_EQ(socket.host, row.host);
        EXPECT_EQ(socket.text, row.text);
    }
}

TEST(Actions, MapEveryResultToItsKeyAndPassToAccept) {
    const Config c = config_from(R"(
        fail_action = tempfail
        softfail_action = reject
        neutral_action = tempfail
        none_action = reject
        temperror_action = accept
        permerror_action = reject
    )");
    EXPECT_EQ(milter::action_for(c, spf::Result::pass), Action::accept);
    EXPECT_EQ(milter::action_for(c, spf::Result::fail), Action::tempfail);
    EXPECT_EQ(milter::action_for(c, spf::Result::softfail), Action::reject);
    EXPECT_EQ(milter::action_for(c, spf::Result::neutral), Action::tempfail);
    EXPECT_EQ(milter::action_for(c, spf::Result::none), Action::reject);
    EXPECT_EQ(milter::action_for(c, spf::Result::temperror), Action::accept);
    EXPECT_EQ(milter::action_for(c, spf::Result::permerror), Action::reject);
}

class ConfigFiles : public ::testing::Test {
protected:
    void SetUp() override {
        directory_ = std::filesystem::temp_directory_path() / ("spf-milter-config-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(directory_);
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }
    std::string write(const std::string& name, const std::string& text) {
        const auto path = directory_ / name;
        std::ofstream(path) << text;
        return path.string();
    }
    std::filesystem::path directory_;
};

TEST_F(ConfigFiles, UseTheDefaultsWhenTheDefaultFileIsMissing) {
    milter::ConfigSource source;
    source.path = (directory_ / "absent.conf").string();
    auto loaded = milter::load_config(source);
    ASSERT_TRUE(std::holds_alternative<Config>(loaded));
    EXPECT_EQ(std::get<Config>(loaded).fail_action, Action::reject);
    EXPECT_NE(std::get<Config>(loaded).source.find("built-in defaults"), std::string::npos);
}

TEST_F(ConfigFiles, RefuseAMissingFileGivenWithDashC) {
    milter::ConfigSource source;
    source.path = (directory_ / "absent.conf").string();
    source.path_given = true;
    auto loaded = milter::load_config(source);
    ASSERT_TRUE(std::holds_alternative<ConfigError>(loaded));
    EXPECT_EQ(std::get<ConfigError>(loaded).file, source.path);
    EXPECT_NE(std::get<ConfigError>(loaded).message.find("No such file"), std::string::npos);
}

TEST_F(ConfigFiles, ReadAFileAndNameItInErrors) {
    milter::ConfigSource source;
    source.path = write("bad.conf", "fail_action = reject\nnone_action = never\n");
    source.path_given = true;
    auto loaded = milter::load_config(source);
    ASSERT_TRUE(std::holds_alternative<ConfigError>(loaded));
    EXPECT_EQ(std::get<ConfigError>(loaded).to_string(),
              source.path + ":2: key 'none_action': 'never' is not accept, reject or tempfail");
}

TEST_F(ConfigFiles, LetTheCommandLineOverrideTheSocketAndDnsServers) {
    milter::ConfigSource source;
    source.path = write("ok.conf", "socket = unix:/run/a.sock\ndns_servers = 192.0.2.53\n");
    source.overrides.socket = "inet:8893@127.0.0.1";
    source.overrides.dns_servers = {"127.0.0.1:5353", "[::1]:5353"};
    auto loaded = milter::load_config(source);
    ASSERT_TRUE(std::holds_alternative<Config>(loaded));
    const Config& c = std::get<Config>(loaded);
    EXPECT_EQ(c.socket.text, "inet:8893@127.0.0.1");
    ASSERT_EQ(c.dns_servers.size(), 2U);
    EXPECT_EQ(c.dns_servers[1].host, "::1");
    EXPECT_EQ(c.dns_servers[1].port, 5353);
}

TEST_F(ConfigFiles, NameTheCommandLineWhenAnOverrideIsBad) {
    milter::ConfigSource source;
    source.path = write("ok.conf", "");
    source.overrides.socket = "tcp:25";
    auto loaded = milter::load_config(source);
    ASSERT_TRUE(std::holds_alternative<ConfigError>(loaded));
    EXPECT_EQ(std::get<ConfigError>(loaded).file, "command line");
    EXPECT_EQ(std::get<ConfigError>(loaded).key, "socket");
}

TEST_F(ConfigFiles, ReadListItemsFromFilesOneEntryALineWithComments) {
    const std::string relays = write("relays", "# backup MX\n198.51.100.0/24   # the old one\n\n  2001:db8::/32\n");
    const std::string domains = write("strict", "Bank.Example\n.pay.example\n");
    const Config c = config_from("skip_networks = 192.0.2.1, file:" + relays + "\nstrict_domains = file:" + domains +
                                 "\ntrusted_forwarders = forwarder.example");
    ASSERT_EQ(c.skip_networks.size(), 3U);
    EXPECT_EQ(milter::show_networks(c.skip_networks), "192.0.2.1, 198.51.100.0/24, 2001:db8::/32");
    EXPECT_EQ(c.strict_domains, (std::vector<std::string>{"bank.example", ".pay.example"}));
    EXPECT_EQ(c.trusted_forwarders, (std::vector<std::string>{"forwarder.example"}));
}

TEST_F(ConfigFiles, ReadAListFileAgainEachTimeTheConfigurationIsRead) {
    const std::string path = write("forwarders", "one.example\n");
    EXPECT_EQ(config_from("trusted_forwarders = file:" + path).trusted_forwarders.size(), 1U);
    write("forwarders", "one.example\ntwo.example\n");  // as before a reload
    EXPECT_EQ(config_from("trusted_forwarders = file:" + path).trusted_forwarders.size(), 2U);
}

TEST_F(ConfigFiles, NameTheListFilesLineAndTheConfigLineOfABadEntry) {
    const std::string path = write("trusted", "127.0.0.0/8\n10.0.0/8\n");
    const std::string text = error_of("# x\ntrusted_networks = file:" + path).to_string();
    const std::string expected = "/etc/spf-milter.conf:2: key 'trusted_networks': " + path + ":2: '10.0.0";
    EXPECT_EQ(text.substr(0, expected.size()), expected) << text;
}

TEST(ConfigErrors, RefuseForwardersThatAreNotOneDomainOrTooMany) {
    EXPECT_EQ(error_of("trusted_forwarders = .forwarder.example").message,
              "'.forwarder.example': a forwarder is a domain with an SPF record, not .domain");
    std::string many;
    for (int i = 0; i < 101; ++i) many += "f" + std::to_string(i) + ".example,";
    EXPECT_EQ(error_of("trusted_forwarders = " + many).message,
              "101 forwarders: at most 100 (each is checked for every client)");
    EXPECT_EQ(error_of("strict_domains = bank..example").key, "strict_domains");
}

TEST(ConfigFile, ReadsTheMetricsListenerAsAnAddressAndAPort) {
    const Config v4 =
        config_from("metrics_listen = 127.0.0.1:9101\nmetrics_file = /var/lib/x.prom\nmetrics_interval = 5");
    ASSERT_TRUE(v4.metrics_listen);
    EXPECT_EQ(v4.metrics_listen->host, "127.0.0.1");
    EXPECT_EQ(v4.metrics_listen->port, 9101);
    EXPECT_EQ(v4.metrics_file, "/var/lib/x.prom");
    EXPECT_EQ(v4.metrics_interval_s, 5U);
    const Config v6 = config_from("metrics_listen = [::1]:9101");
    ASSERT_TRUE(v6.metrics_listen);
    EXPECT_EQ(v6.metrics_listen->host, "::1");
    EXPECT_FALSE(config_from("").metrics_listen);
    EXPECT_EQ(error_of("metrics_listen = 127.0.0.1").message,
              "'127.0.0.1' is not ADDRESS:PORT (127.0.0.1:9101, [::1]:9101)");
    EXPECT_EQ(error_of("metrics_listen = localhost:9101").message, "'localhost' is not an IP address");
    EXPECT_EQ(error_of("metrics_listen = 127.0.0.1:0").message, "'0' is not a port (1 to 65535)");
    EXPECT_EQ(error_of("metrics_listen = ::1:9101").key, "metrics_listen");
    EXPECT_EQ(error_of("metrics_file = relative.prom").key, "metrics_file");
    EXPECT_EQ(error_of("metrics_interval = 0").key, "metrics_interval");
}

TEST_F(ConfigFiles, RefuseAMissingARelativeOrACommaListFile) {
    const std::string missing = (directory_ / "absent").string();
    EXPECT_EQ(error_of("skip_networks = file:" + missing).message,
              "cannot open list file " + missing + ": No such file or directory");
    EXPECT_EQ(error_of("skip_networks = file:relays").message, "'relays': a list file needs an absolute path");
    const std::string commas = write("commas", "192.0.2.1, 192.0.2.2\n");
    EXPECT_EQ(error_of("skip_networks = file:" + commas).message, commas + ":1: one entry a line, no commas");
}

}  // namespace
