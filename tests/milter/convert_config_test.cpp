// tests/milter/convert_config_test.cpp: milter/convert_config.cpp. The default
// files Debian's pyspf-milter and postfix-policyd-spf-python ship (read from
// /etc when the packages are installed, as on CI), every key of the peers in a
// small file of its own, text that is not understood, a file of neither
// program, and spf-milter --convert-config itself. Each conversion must parse
// as an spf-milter.conf and give the values that behave as the peer did.
#include "milter/convert_config.hpp"
#include "run_program.hpp"

#include "milter/config.hpp"
#include "milter/config_keys.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

using milter::Action;
using milter::Config;
using milter::PeerFormat;

std::string show(const Config& config, std::string_view key) { return milter::find_key(key)->show(config); }

struct Converted {
    PeerFormat format = PeerFormat::policyd_spf;
    std::string text;
    Config config;
};

// Converts and parses the result; a failure of either fails the test.
Converted convert(const std::string& text, const std::string& name = "peer.conf") {
    Converted converted;
    auto result = milter::convert_config(text, name);
    if (auto* error = std::get_if<std::string>(&result)) {
        ADD_FAILURE() << *error;
        return converted;
    }
    const auto& conversion = std::get<milter::Conversion>(result);
    converted.format = conversion.format;
    converted.text = conversion.text;
    auto parsed = milter::parse_config(conversion.text, "converted.conf");
    if (auto* error = std::get_if<milter::ConfigError>(&parsed)) {
        ADD_FAILURE() << error->to_string() << "\n" << conversion.text;
        return converted;
    }
    converted.config = std::get<Config>(parsed);
    return converted;
}

// A policyd-spf file: one key, plus a key that only decides the format.
Converted policyd(const std::string& lines) { return convert("debugLevel = 1\n" + lines); }
// A pyspf-milter file: Socket decides the format.
Converted pyspf(const std::string& lines) { return convert("Socket = inet:8893@localhost\n" + lines); }

// Notes are folded at about 78 columns; the tests read them unfolded.
std::string unfolded(const std::string& text) {
    std::string flat;
    for (std::size_t at = 0; at < text.size(); ++at) {
        if (text.compare(at, 5, "\n#   ") == 0) {
            flat += ' ';
            at += 4;
        } else {
            flat += text[at];
        }
    }
    return flat;
}

bool contains(const std::string& text, std::string_view part) { return unfolded(text).find(part) != std::string::npos; }

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return std::nullopt;
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

// ---------------------------------------------------------------------------
// The files the Debian packages ship.

TEST(ConvertConfig, DebiansPyspfMilterDefaultFile) {
    const std::string path = "/etc/pyspf-milter/pyspf-milter.conf";
    const auto text = read_file(path);
    if (!text) GTEST_SKIP() << path << " not found: the Debian package pyspf-milter is not installed";
    const Converted c = convert(*text, path);
    EXPECT_EQ(c.format, PeerFormat::pyspf_milter);
    EXPECT_TRUE(c.text.starts_with("# spf-milter.conf(5), converted by spf-milter --convert-config\n# from " + path +
                                   ", a pyspf-milter configuration."))
        << c.text;
    // TempError_Defer = False: accepted, where spf-milter's default tempfails.
    EXPECT_EQ(c.config.temperror_action, Action::accept);
    EXPECT_EQ(c.config.permerror_action, Action::accept);
    EXPECT_EQ(c.config.helo_fail_action, Action::reject);  // HELO_reject = Fail
    EXPECT_EQ(c.config.fail_action, Action::reject);       // Mail_From_reject = Fail
    EXPECT_EQ(c.config.softfail_action, Action::accept);
    EXPECT_FALSE(c.config.dry_run);  // TestOnly = 1 acts
    EXPECT_EQ(c.config.log_level, milter::LogLevel::info);
    EXPECT_EQ(c.config.socket.text, "inet:8893@localhost");
    EXPECT_EQ(show(c.config, "headers"), "authentication-results");  // the milter forces AR
    EXPECT_EQ(show(c.config, "trusted_networks"), "127.0.0.0/8, ::1");
    EXPECT_FALSE(c.config.skip_authenticated);
    EXPECT_EQ(c.config.reject_at, milter::RejectStage::mail);
    EXPECT_TRUE(c.config.user.empty());
    EXPECT_TRUE(c.config.pid_file.empty());
    EXPECT_TRUE(contains(c.text, "\n# TempError_Defer = False\ntemperror_action = accept\n")) << c.text;
}

TEST(ConvertConfig, DebiansPolicydSpfDefaultFile) {
    const std::string path = "/etc/postfix-policyd-spf-python/policyd-spf.conf";
    const auto text = read_file(path);
    if (!text) GTEST_SKIP() << path << " not found: the Debian package postfix-policyd-spf-python is not installed";
    const Converted c = convert(*text, path);
    EXPECT_EQ(c.format, PeerFormat::policyd_spf);
    EXPECT_TRUE(contains(c.text, "a policyd-spf configuration.")) << c.text;
    EXPECT_EQ(c.config.temperror_action, Action::accept);
    EXPECT_EQ(c.config.helo_fail_action, Action::reject);
    EXPECT_EQ(c.config.fail_action, Action::reject);
    EXPECT_FALSE(c.config.dry_run);
    EXPECT_EQ(show(c.config, "headers"), "received-spf");  // Header_Type's default SPF
    EXPECT_EQ(show(c.config, "trusted_networks"), "127.0.0.0/8, ::1");
    EXPECT_EQ(c.config.reject_at, milter::RejectStage::rcpt);
    EXPECT_EQ(c.config.socket.text, milter::default_config().socket.text);
    // Header_Type is not in the file: its default is written out, with why.
    EXPECT_TRUE(contains(c.text, "\n# Header_Type = SPF\nheaders = received-spf\n")) << c.text;
}

// The README's migration table has a row for every key that is converted.
TEST(ConvertConfig, TheReadmeTableMapsEveryPeerKey) {
    const auto readme = read_file(std::string(SPF_SOURCE_DIR) + "/README.md");
    ASSERT_TRUE(readme);
    const std::size_t section = readme->find("### Migrating from pyspf-milter and policyd-spf");
    ASSERT_NE(section, std::string::npos);
    const std::string table = readme->substr(section, readme->find("\n## ", section) - section);
    for (std::string_view key : milter::peer_config_keys())
        EXPECT_TRUE(contains(table, "\n| `" + std::string(key) + "`") ||
                    contains(table, ", `" + std::string(key) + "` |"))
            << key << " has no row in the README's migration table";
}

// ---------------------------------------------------------------------------
// Detection.

TEST(ConvertConfig, MilterKeysDecideTheFormatAndTheOutputSaysWhich) {
    const Converted milter_file = convert("UserID = pyspf-milter\nHELO_reject = Fail\n");
    EXPECT_EQ(milter_file.format, PeerFormat::pyspf_milter);
    EXPECT_TRUE(contains(milter_file.text, "milter front end: UserID.")) << milter_file.text;
    const Converted policyd_file = convert("HELO_reject = Fail\nMail_From_reject = Fail\n");
    EXPECT_EQ(policyd_file.format, PeerFormat::policyd_spf);
    EXPECT_TRUE(contains(policyd_file.text, "keys HELO_reject, Mail_From_reject and no key of the milter"))
        << policyd_file.text;
}

TEST(ConvertConfig, AFileOfNeitherProgramIsRefused) {
    for (const std::string text : {"", "# only a comment\n", "socket = inet:8893@127.0.0.1\nfail_action = reject\n",
                                   "[section]\nkey=value\n", "IntHosts = 1\n"}) {
        auto result = milter::convert_config(text, "other.conf");
        ASSERT_TRUE(std::holds_alternative<std::string>(result)) << text;
        EXPECT_TRUE(std::get<std::string>(result).starts_with(
            "other.conf: neither a pyspf-milter nor a policyd-spf configuration"))
            << std::get<std::string>(result);
    }
    // spf-milter's own example configuration is not a peer's either.
    const auto ours = read_file(std::string(SPF_SOURCE_DIR) + "/packaging/spf-milter.conf");
    ASSERT_TRUE(ours);
    EXPECT_TRUE(std::holds_alternative<std::string>(milter::convert_config(*ours, "spf-milter.conf")));
}

// ---------------------------------------------------------------------------
// Every key, alone.

TEST(ConvertConfig, EveryPeerKeyGetsABlockAndTheOutputParses) {
    for (std::string_view key : milter::peer_config_keys()) {
        const std::string line = std::string(key) + " = example.test";
        const Converted c = policyd(line + "\n");
        EXPECT_TRUE(contains(c.text, "\n# " + line + "\n")) << key << ":\n" << c.text;
    }
}

TEST(ConvertConfig, DebugLevelIsLogLevel) {
    EXPECT_EQ(convert("debugLevel = -1\n").config.log_level, milter::LogLevel::error);
    EXPECT_EQ(convert("debugLevel = 0\n").config.log_level, milter::LogLevel::error);
    EXPECT_EQ(convert("debugLevel = 1\n").config.log_level, milter::LogLevel::info);
    EXPECT_EQ(convert("debugLevel = 2\n").config.log_level, milter::LogLevel::info);
    EXPECT_EQ(convert("debugLevel = 4\n").config.log_level, milter::LogLevel::debug);
    const Converted bad = convert("debugLevel = loud\n");
    EXPECT_EQ(bad.config.log_level, milter::LogLevel::info);
    EXPECT_TRUE(contains(bad.text, "'loud' is not an integer")) << bad.text;
}

TEST(ConvertConfig, TestOnlyZeroIsDryRun) {
    EXPECT_TRUE(policyd("TestOnly = 0\n").config.dry_run);
    EXPECT_FALSE(policyd("TestOnly = 1\n").config.dry_run);
    // defaultSeedOnly had no effect: TestOnly's default 1 is read after it.
    const Converted seed = policyd("defaultSeedOnly = 0\n");
    EXPECT_FALSE(seed.config.dry_run);
    EXPECT_TRUE(contains(seed.text, "no equivalent needed")) << seed.text;
}

TEST(ConvertConfig, HeloRejectValues) {
    struct Case {
        const char* value;
        bool check_helo;
        Action helo_fail;
        const char* note;
    };
    for (const Case& c : {
             Case{"Fail", true, Action::reject, ""},
             Case{"Softfail", true, Action::reject, "also refused a HELO softfail"},
             Case{"SPF_Not_Pass", true, Action::reject, "softfail and neutral"},
             Case{"Null", true, Action::accept, "fail_action applies to it"},
             Case{"False", true, Action::accept, ""},
             Case{"No_Check", false, Action::accept, "did not check the null sender"},
             Case{"fail", true, Action::accept, "not a value of the peer"},
         }) {
        const Converted converted = policyd(std::string("HELO_reject = ") + c.value + "\n");
        EXPECT_EQ(converted.config.check_helo, c.check_helo) << c.value;
        EXPECT_EQ(converted.config.helo_fail_action, c.helo_fail) << c.value;
        EXPECT_TRUE(contains(converted.text, c.note)) << c.value << ":\n" << converted.text;
    }
    // Absent: the peer's Fail, written out because spf-milter's default accepts.
    const Converted absent = policyd("");
    EXPECT_EQ(absent.config.helo_fail_action, Action::reject);
    EXPECT_TRUE(contains(absent.text, "\n# HELO_reject = Fail\ncheck_helo = yes\nhelo_fail_action = reject\n"))
        << absent.text;
}

TEST(ConvertConfig, MailFromRejectValues) {
    struct Case {
        const char* value;
        Action fail, softfail, neutral;
    };
    for (const Case& c : {
             Case{"Fail", Action::reject, Action::accept, Action::accept},
             Case{"Softfail", Action::reject, Action::reject, Action::accept},
             Case{"SPF_Not_Pass", Action::reject, Action::reject, Action::reject},
             Case{"False", Action::accept, Action::accept, Action::accept},
             Case{"No_Check", Action::accept, Action::accept, Action::accept},
             Case{"Null", Action::accept, Action::accept, Action::accept},
         }) {
        const Converted converted = policyd(std::string("Mail_From_reject = ") + c.value + "\n");
        EXPECT_EQ(converted.config.fail_action, c.fail) << c.value;
        EXPECT_EQ(converted.config.softfail_action, c.softfail) << c.value;
        EXPECT_EQ(converted.config.neutral_action, c.neutral) << c.value;
        EXPECT_EQ(converted.config.none_action, Action::accept) << c.value;
    }
    EXPECT_TRUE(contains(policyd("Mail_From_reject = No_Check\n").text, "spf-milter always checks MAIL FROM"));
}

TEST(ConvertConfig, TempErrorDeferAndPermErrorReject) {
    // Absent or False: accept, where spf-milter's default would tempfail.
    const Converted absent = policyd("");
    EXPECT_EQ(absent.config.temperror_action, Action::accept);
    EXPECT_TRUE(contains(absent.text, "spf-milter's default temperror_action = tempfail")) << absent.text;
    EXPECT_EQ(policyd("TempError_Defer = True\n").config.temperror_action, Action::tempfail);
    // Only the exact word True counts.
    const Converted lower = policyd("TempError_Defer = true\n");
    EXPECT_EQ(lower.config.temperror_action, Action::accept);
    EXPECT_TRUE(contains(lower.text, "exact word True")) << lower.text;
    // Mail_From_reject = False returns before the peer looks at either.
    const Converted never = policyd("TempError_Defer = True\nPermError_reject = True\nMail_From_reject = False\n");
    EXPECT_EQ(never.config.temperror_action, Action::accept);
    EXPECT_EQ(never.config.permerror_action, Action::accept);
    EXPECT_EQ(policyd("PermError_reject = True\n").config.permerror_action, Action::reject);
    EXPECT_EQ(policyd("PermError_reject = False\n").config.permerror_action, Action::accept);
    EXPECT_TRUE(contains(policyd("PermError_reject = True\n").text, "also acted on a HELO permerror"));
}

TEST(ConvertConfig, RejectNotPassDomainsIsStrictDomains) {
    const Converted c = policyd("Reject_Not_Pass_Domains = Brand.example,.bank.example, pay.example\n");
    EXPECT_EQ(show(c.config, "strict_domains"), "brand.example, bank.example, pay.example");
    EXPECT_TRUE(contains(c.text, "spf-milter refuses every result but pass")) << c.text;
    EXPECT_TRUE(contains(c.text, "does not trim the items")) << c.text;
}

TEST(ConvertConfig, SkipAddressesWhitelistAndInternalHosts) {
    const Converted c = policyd(
        "skip_addresses = 127.0.0.0/8,::ffff:127.0.0.0/104,::1,192.0.2.0/24\n"
        "Whitelist = 198.51.100.7,2001:db8::/32,not-an-address\n");
    EXPECT_EQ(show(c.config, "trusted_networks"), "127.0.0.0/8, ::1, 192.0.2.0/24");
    EXPECT_EQ(show(c.config, "skip_networks"), "198.51.100.7, 2001:db8::/32");
    EXPECT_TRUE(contains(c.text, "not converted: 'not-an-address' of Whitelist")) << c.text;
    // An empty skip_addresses checks even the loopback, as the peer did.
    EXPECT_EQ(show(policyd("skip_addresses =\n").config, "trusted_networks"), "");
    // pyspf-milter: InternalHosts' addresses are trusted too; names and negations have no equivalent.
    const Converted m = pyspf(
        "skip_addresses = 127.0.0.0/8\n"
        "InternalHosts = 127.0.0.1,[203.0.113.0/24],!203.0.113.9,relay.example.com\n");
    EXPECT_EQ(show(m.config, "trusted_networks"), "127.0.0.0/8, 203.0.113.0/24");
    EXPECT_TRUE(contains(m.text, "no equivalent: the exclusion '!203.0.113.9'")) << m.text;
    EXPECT_TRUE(contains(m.text, "no equivalent: 'relay.example.com'")) << m.text;
    // InternalHosts absent: its default 127.0.0.1 is still trusted by the milter.
    EXPECT_EQ(show(pyspf("skip_addresses = 192.0.2.0/24\n").config, "trusted_networks"), "192.0.2.0/24, 127.0.0.1");
    // A file dataset is a list file of ours (read by parse_config(), so not parsed here).
    auto file = milter::convert_config(
        "Socket = inet:8893@localhost\nInternalHosts = file:/etc/pyspf-milter/internal\n", "peer.conf");
    ASSERT_TRUE(std::holds_alternative<milter::Conversion>(file));
    EXPECT_TRUE(contains(std::get<milter::Conversion>(file).text,
                         "\ntrusted_networks = 127.0.0.0/8, ::1, file:/etc/pyspf-milter/internal\n"))
        << std::get<milter::Conversion>(file).text;
}

TEST(ConvertConfig, DomainWhitelistIsTrustedForwardersNotSkipSenderDomains) {
    const Converted c = policyd("Domain_Whitelist = forwarder.example,lists.example.org\n");
    EXPECT_EQ(show(c.config, "trusted_forwarders"), "forwarder.example, lists.example.org");
    EXPECT_TRUE(c.config.skip_sender_domains.empty());
    EXPECT_TRUE(contains(c.text, "Not skip_sender_domains")) << c.text;
    const Converted ptr = policyd("Domain_Whitelist_PTR = example.com\nHELO_Whitelist = relay.example.com\n");
    EXPECT_TRUE(ptr.config.trusted_forwarders.empty());
    EXPECT_TRUE(ptr.config.skip_networks.empty());
    EXPECT_TRUE(contains(ptr.text, "# Domain_Whitelist_PTR = example.com\n# no equivalent")) << ptr.text;
    EXPECT_TRUE(contains(ptr.text, "# HELO_Whitelist = relay.example.com\n# no equivalent")) << ptr.text;
}

TEST(ConvertConfig, HeaderType) {
    EXPECT_EQ(show(policyd("Header_Type = SPF\n").config, "headers"), "received-spf");
    EXPECT_EQ(show(policyd("Header_Type = AR\n").config, "headers"), "authentication-results");
    EXPECT_EQ(show(policyd("Header_Type = None\n").config, "headers"), "none");
    EXPECT_EQ(show(policyd("Header_Type = SPF,AR\n").config, "headers"), "received-spf, authentication-results");
    // The milter writes Authentication-Results unless None.
    EXPECT_EQ(show(pyspf("Header_Type = SPF\n").config, "headers"), "authentication-results");
    EXPECT_EQ(show(pyspf("").config, "headers"), "authentication-results");
    EXPECT_EQ(show(pyspf("Header_Type = None\n").config, "headers"), "none");
}

TEST(ConvertConfig, AuthservIdLookupTimeAndReasonMessage) {
    EXPECT_EQ(policyd("Authserv_Id = mx.example.com\n").config.authserv_id, "mx.example.com");
    EXPECT_EQ(policyd("Authserv_Id = HOSTNAME\n").config.authserv_id, "");
    EXPECT_EQ(policyd("Lookup_Time = 15\n").config.check_timeout_s, 15U);
    EXPECT_EQ(policyd("Lookup_Time = 0\n").config.check_timeout_s, milter::default_config().check_timeout_s);
    EXPECT_EQ(policyd("Lookup_Time = 99999\n").config.check_timeout_s, milter::default_config().check_timeout_s);
    EXPECT_EQ(policyd("Reason_Message = Refused: 100% SPF\n").config.reject_text, "Refused: 100%% SPF");
    EXPECT_EQ(policyd("Reason_Message = Message {rejectdefer} due to: {spf}\n").config.reject_text,
              milter::default_config().reject_text);
}

TEST(ConvertConfig, KeysWithoutEquivalentSaySo) {
    for (const char* line :
         {"HELO_pass_restriction = helo_passed_spf", "Mail_From_pass_restriction = x", "No_Mail = True",
          "Prospective = 192.0.2.4", "SPF_Enhanced_Status_Codes = No", "Whitelist_Lookup_Time = 10", "Void_Limit = 3",
          "Mock = False", "Per_User = /etc/postfix-policyd-spf-python/users", "MacroList = daemon_name|ORIGINATING"}) {
        const Converted c = pyspf(std::string(line) + "\n");
        EXPECT_TRUE(contains(c.text, "\n# " + std::string(line) + "\n# no ")) << line << ":\n" << c.text;
    }
    EXPECT_TRUE(contains(policyd("Mock = False\n").text, "any non-empty value as true"));
}

TEST(ConvertConfig, MilterFrontEndKeys) {
    const Converted c = convert(
        "Socket = local:/run/pyspf-milter/pyspf-milter.sock\nUMask = 2\n"
        "UserID = pyspf-milter:mail\nPidFile = /run/pyspf-milter/pyspf-milter.pid\n");
    EXPECT_EQ(c.config.socket.text, "local:/run/pyspf-milter/pyspf-milter.sock");
    EXPECT_EQ(c.config.socket_mode, 0664U);
    EXPECT_TRUE(c.config.user.empty());
    EXPECT_TRUE(c.config.pid_file.empty());
    EXPECT_TRUE(contains(c.text, "cannot write to pyspf-milter's directories")) << c.text;
    // int("022") is 22 to the peer: 026 octal.
    EXPECT_EQ(pyspf("UMask = 022\n").config.socket_mode, 0640U);
    // Socket absent: spf-milter's own, with a note.
    const Converted absent = convert("UserID = pyspf-milter\n");
    EXPECT_TRUE(contains(absent.text, "# Socket = local:/run/pyspf-milter/pyspf-milter.sock\n# differs"))
        << absent.text;
    const Converted bad = pyspf("UMask = seven\n");
    EXPECT_TRUE(contains(bad.text, "'seven' is not an integer")) << bad.text;
}

// ---------------------------------------------------------------------------
// Text that is not understood.

TEST(ConvertConfig, LinesNotUnderstoodAreKeptAsComments) {
    const Converted c = policyd(
        "this is no setting\n"
        "HELO_reject = Fail = Softfail\n"
        "helo_reject = Softfail\n"
        "Unknown_Key = 1\n"
        "Header_Type = AR # a comment\n"
        "TestOnly = 0\r\nTestOnly = 1\r"
        "bad\x01\x1b[31mline = 1\n");
    EXPECT_TRUE(contains(c.text, "# not understood: this is no setting\n# (no '='")) << c.text;
    EXPECT_TRUE(contains(c.text, "# not understood: HELO_reject = Fail = Softfail\n# (more than one '='")) << c.text;
    EXPECT_TRUE(contains(c.text, "case-sensitive: HELO_reject?")) << c.text;
    EXPECT_TRUE(contains(c.text, "# not understood: Unknown_Key = 1\n")) << c.text;
    EXPECT_TRUE(contains(c.text, "# not understood: bad??[31mline = 1\n")) << c.text;
    EXPECT_EQ(show(c.config, "headers"), "authentication-results");
    // The peer keeps the last of a repeated key; \r alone ends a line, as in Python.
    EXPECT_FALSE(c.config.dry_run);
    EXPECT_TRUE(contains(c.text, "# TestOnly = 0\n# repeated on line 8, which the peer keeps\n")) << c.text;
    EXPECT_EQ(c.config.helo_fail_action, Action::reject);  // the garbled HELO_reject lines change nothing
}

TEST(ConvertConfig, BinaryAndHostileBytesNeverBreakTheOutput) {
    std::string text = "debugLevel = 1\n";
    for (int byte = 0; byte < 256; ++byte) {
        text += "Whitelist = 192.0.2.";
        text += static_cast<char>(byte);
        text += "\nSocket";
        text += static_cast<char>(byte);
        text += "= x\n";
    }
    // "Socket = x" (a blank after Socket) makes it a pyspf-milter file; x is no socket.
    const Converted c = convert(text);
    EXPECT_EQ(c.format, PeerFormat::pyspf_milter);
    EXPECT_EQ(c.config.socket.text, milter::default_config().socket.text);
}

// The work is linear in the input: a file of many lines and long lists costs
// little CPU and gives output proportional to it.
TEST(ConvertConfig, WorkIsBoundedByTheInputSize) {
    std::string text = "HELO_reject = Fail\nskip_addresses = ";
    for (unsigned i = 0; i < 60'000; ++i)
        text +=
            (i == 0 ? "" : ",") + std::string("2001:db8::") + std::to_string(i / 1000) + ":" + std::to_string(i % 1000);
    text += "\nInternalHosts = ";
    for (unsigned i = 0; i < 60'000; ++i) text += (i == 0 ? "" : ",") + std::string("198.51.100.1");
    text += "\nReject_Not_Pass_Domains = ";
    for (unsigned i = 0; i < 30'000; ++i) text += (i == 0 ? "" : ",") + std::to_string(i) + ".example.com";
    text += "\n";
    for (unsigned i = 0; i < 100'000; ++i) text += "garbage line " + std::to_string(i) + "\n";
    text.insert(0, "Socket = inet:8893@localhost\n");

    rusage before{}, after{};
    getrusage(RUSAGE_SELF, &before);
    auto result = milter::convert_config(text, "big.conf");
    getrusage(RUSAGE_SELF, &after);
    ASSERT_TRUE(std::holds_alternative<milter::Conversion>(result));
    const std::string& out = std::get<milter::Conversion>(result).text;
    const auto seconds = [](const rusage& usage) {
        return static_cast<double>(usage.ru_utime.tv_sec) + static_cast<double>(usage.ru_utime.tv_usec) / 1e6;
    };
    EXPECT_LT(seconds(after) - seconds(before), 20.0) << "generous: linear work takes well under a second";
    EXPECT_LT(out.size(), 4 * text.size());
    auto parsed = milter::parse_config(out, "big-converted.conf");
    ASSERT_TRUE(std::holds_alternative<Config>(parsed)) << std::get<milter::ConfigError>(parsed).to_string();
    EXPECT_EQ(std::get<Config>(parsed).trusted_networks.size(), 60'001U);  // + InternalHosts' one address
    EXPECT_EQ(std::get<Config>(parsed).strict_domains.size(), 30'000U);
}

// ---------------------------------------------------------------------------
// The program.

using Outcome = spf::test::ProgramOutcome;

Outcome run_program(const std::string& arguments) { return spf::test::run_program("milter/spf-milter", arguments); }

class ConvertConfigProgram : public ::testing::Test {
protected:
    void SetUp() override {
        directory_ = std::filesystem::temp_directory_path() / ("convert-config-test-" + std::to_string(getpid()));
        std::filesystem::create_directories(directory_);
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }
    std::string write(const std::string& name, const std::string& text) {
        const std::string path = (directory_ / name).string();
        std::ofstream(path, std::ios::binary) << text;
        return path;
    }
    std::filesystem::path directory_;
};

TEST_F(ConvertConfigProgram, PrintsTheConversionAndExitsZero) {
    const std::string text = "TempError_Defer = True\nDomain_Whitelist = forwarder.example\n";
    const std::string path = write("policyd-spf.conf", text);
    const Outcome outcome = run_program("--convert-config " + path);
    EXPECT_EQ(outcome.status, 0) << outcome.output;
    auto expected = milter::convert_config(text, path);
    ASSERT_TRUE(std::holds_alternative<milter::Conversion>(expected));
    EXPECT_EQ(outcome.output, std::get<milter::Conversion>(expected).text);
    // And spf-milter -n accepts what it printed.
    const std::string converted = write("spf-milter.conf", outcome.output);
    const Outcome check = run_program("-n -c " + converted);
    EXPECT_EQ(check.status, 0) << check.output;
    EXPECT_TRUE(contains(check.output, "trusted_forwarders = forwarder.example")) << check.output;
    EXPECT_TRUE(contains(check.output, "temperror_action = tempfail")) << check.output;
}

TEST_F(ConvertConfigProgram, ErrorsNameTheFileAndExitTwo) {
    const std::string missing = (directory_ / "missing.conf").string();
    const Outcome none = run_program("--convert-config " + missing);
    EXPECT_EQ(none.status, 2);
    EXPECT_TRUE(contains(none.output, missing)) << none.output;
    const std::string other = write("other.conf", "fail_action = reject\n");
    const Outcome neither = run_program("--convert-config " + other);
    EXPECT_EQ(neither.status, 2);
    EXPECT_TRUE(contains(neither.output, other + ": neither a pyspf-milter nor a policyd-spf configuration"))
        << neither.output;
    EXPECT_EQ(run_program("--convert-config " + other + " -n").status, 2);
    EXPECT_EQ(run_program("--convert-config " + other + " --simulate").status, 2);
}

}  // namespace
