// tests/milter/service_notify_test.cpp: milter/service_notify.cpp, the texts sent
// to systemd. The protocol itself (a real NOTIFY_SOCKET) is tested end to end
// by tests/e2e/milter-notify.sh.
#include "milter/service_notify.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace {

TEST(ServiceNotify, StatusSaysGenerationSessionsAndTransactions) {
    EXPECT_EQ(milter::status_message({1, "", 1, 0}), "STATUS=generation 1, 1 session open, 0 MAIL FROM checked");
    EXPECT_EQ(milter::status_message({3, "failed at 2026-12-01 18:20:01", 12, 1523}),
              "STATUS=generation 3 (reload failed at 2026-12-01 18:20:01), 12 sessions open, 1523 MAIL FROM checked");
}

TEST(ServiceNotify, ReadyCarriesTheStatusAndReloadingTheMonotonicTime) {
    EXPECT_EQ(milter::ready_message({2, "ok at T", 0, 5}),
              "READY=1\nSTATUS=generation 2 (reload ok at T), 0 sessions open, 5 MAIL FROM checked");
    EXPECT_EQ(milter::reloading_message(std::chrono::microseconds(123456789)), "RELOADING=1\nMONOTONIC_USEC=123456789");
    EXPECT_EQ(milter::stopping_message(), "STOPPING=1");
}

TEST(ServiceNotify, SendsNothingWithoutANotifySocket) {
    unsetenv("NOTIFY_SOCKET");
    EXPECT_FALSE(milter::service_manager_listens());
    EXPECT_FALSE(milter::notify_service("READY=1"));
}

}  // namespace
