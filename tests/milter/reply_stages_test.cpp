// tests/milter/reply_stages_test.cpp: the stages negotiated with or without a
// reply, per configuration (milter/reply_stages.cpp). The end-to-end protocol
// tests (tests/e2e/protocol/) show the same on the wire.
#include "milter/reply_stages.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

namespace {

using milter::ReplyStages;

ReplyStages stages_for(const std::string& text) { return milter::reply_stages(milter::test::config_from(text)); }

TEST(ReplyStages, RejectAtMailWaitsForMailFromOnly) {
    const ReplyStages stages = stages_for("");
    EXPECT_TRUE(stages.mail);
    EXPECT_FALSE(stages.rcpt);
    EXPECT_FALSE(stages.connect);
    EXPECT_FALSE(stages.helo);
    EXPECT_FALSE(stages.data);
    EXPECT_FALSE(stages.header);
    EXPECT_FALSE(stages.end_of_headers);
}

TEST(ReplyStages, RejectAtRcptWaitsForEachRecipientOnly) {
    const ReplyStages stages = stages_for("reject_at = rcpt");
    EXPECT_FALSE(stages.mail);
    EXPECT_TRUE(stages.rcpt);
}

TEST(ReplyStages, ADryRunRefusesNothingBeforeTheEndOfTheMessage) {
    for (const char* text : {"dry_run = yes", "dry_run = yes\nreject_at = rcpt"}) {
        const ReplyStages stages = stages_for(text);
        EXPECT_FALSE(stages.mail) << text;
        EXPECT_FALSE(stages.rcpt) << text;
    }
}

TEST(ReplyStages, TcpNegotiatesWhatAUnixSocketDoes) {
    // Each read from a TCP connection is acknowledged at once (quick_ack.hpp),
    // so no MTA packet waits for a reply that carries the ACK.
    for (const char* options : {"", "\nreject_at = rcpt", "\ndry_run = yes"}) {
        const std::string tail = options;
        EXPECT_EQ(stages_for("socket = inet:8893@127.0.0.1" + tail),
                  stages_for("socket = unix:/run/spf-milter/spf-milter.sock" + tail))
            << tail;
        EXPECT_EQ(stages_for("socket = inet6:8893@::1" + tail), stages_for(tail)) << tail;
    }
    EXPECT_FALSE(stages_for("socket = inet:8893@127.0.0.1").helo);
}

TEST(ReplyStages, TheHeaderIsReadOnlyToRemoveForgedResults) {
    EXPECT_TRUE(milter::reads_header_fields(milter::test::config_from("")));
    EXPECT_TRUE(milter::reads_header_fields(milter::test::config_from("headers = none")));  // forged ones still go
    EXPECT_FALSE(milter::reads_header_fields(milter::test::config_from("remove_forged_results = no")));
}

}  // namespace
