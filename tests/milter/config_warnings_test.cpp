// tests/milter/config_warnings_test.cpp: milter/config_warnings.cpp, what -n
// warns about in a valid configuration.
#include "milter/config_warnings.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using milter::test::config_from;

// The warnings, each cut to its first words ("check_timeout = 30 is at or above Postfix's").
bool warns(const std::string& config_text, const std::string& beginning) {
    const auto warnings = milter::config_warnings(config_from(config_text));
    return std::any_of(warnings.begin(), warnings.end(),
                       [&](const std::string& warning) { return warning.starts_with(beginning); });
}

TEST(ConfigWarnings, NameACheckTimeoutTheMtaWouldNotWaitFor) {
    EXPECT_TRUE(warns("check_timeout = 30", "check_timeout = 30 is at or above Postfix's milter_command_timeout"));
    EXPECT_TRUE(
        warns("check_timeout = 10", "check_timeout = 10 is at or above Sendmail's default milter read timeout"));
    EXPECT_FALSE(warns("check_timeout = 9", "check_timeout"));
    EXPECT_FALSE(warns("socket = unix:/var/spool/postfix/spf-milter/spf-milter.sock", "check_timeout"))
        << "the Debian package's socket serves Postfix";
}

TEST(ConfigWarnings, NameADnsTimeoutThatTakesTheWholeCheck) {
    EXPECT_TRUE(warns("check_timeout = 5\ndns_timeout = 5", "dns_timeout = 5 is not below check_timeout = 5"));
    EXPECT_FALSE(warns("check_timeout = 8\ndns_timeout = 3", "dns_timeout"));
    EXPECT_FALSE(warns("check_timeout = 8", "dns_timeout")) << "the default follows resolv.conf";
}

TEST(ConfigWarnings, NameAnEmptyTrustedNetworksBehindALocalSocket) {
    EXPECT_TRUE(warns("trusted_networks =", "trusted_networks is empty while the MTA connects locally"));
    EXPECT_TRUE(warns("trusted_networks =\nsocket = inet:8893@127.0.0.1", "trusted_networks is empty"));
    EXPECT_FALSE(warns("trusted_networks =\nsocket = inet:8893@192.0.2.25", "trusted_networks"));
    EXPECT_FALSE(warns("", "trusted_networks"));
}

TEST(ConfigWarnings, NameSettingsThatRefuseWhatShouldNotBeRefusedOrNothingAtAll) {
    EXPECT_TRUE(warns("reject_at = rcpt\nexempt_recipients =", "reject_at = rcpt with no exempt_recipients"));
    EXPECT_FALSE(warns("reject_at = rcpt", "reject_at"));
    EXPECT_TRUE(warns("fail_action = accept\ntemperror_action = accept", "every *_action is accept"));
    EXPECT_FALSE(warns("fail_action = accept\ntemperror_action = accept\nstrict_domains = bank.example",
                       "every *_action is accept"));
    EXPECT_TRUE(warns("softfail_action = reject", "softfail_action = reject"));
    EXPECT_TRUE(warns("dry_run = yes\nheaders = none", "dry_run = yes and headers = none"));
    EXPECT_TRUE(warns("strict_domains = bank.example\nskip_sender_domains = bank.example",
                      "strict_domains and skip_sender_domains both list bank.example"));
}

TEST(ConfigWarnings, LeaveTheDefaultsAloneButForSendmailsReadTimeout) {
    const auto warnings = milter::config_warnings(config_from(""));
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_TRUE(warnings.front().starts_with("check_timeout = 20 is at or above Sendmail's")) << warnings.front();
}

}  // namespace
