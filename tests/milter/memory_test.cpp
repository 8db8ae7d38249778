// tests/milter/memory_test.cpp: milter/memory.cpp: the trimmer trims once a
// burst is over (sessions ended and at most half of the peak still open),
// never while none ended or while the sessions stay near their peak, and
// stops at once.
#include "milter/memory.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace {

using namespace std::chrono_literals;

// Waits (bounded) until trims reaches at least `count`.
bool reaches(const std::atomic<int>& trims, int count) {
    for (int i = 0; i < 2000 && trims.load() < count; ++i) std::this_thread::sleep_for(1ms);
    return trims.load() >= count;
}

void open(milter::SessionCounts& sessions, int count) {
    for (int i = 0; i < count; ++i) sessions.open();
}

void end(milter::SessionCounts& sessions, int count) {
    for (int i = 0; i < count; ++i) sessions.end();
}

TEST(SessionCounts, ThePeakIsTheMostOpenAtOnce) {
    milter::SessionCounts sessions;
    open(sessions, 5);
    end(sessions, 3);
    open(sessions, 2);
    EXPECT_EQ(sessions.open_now(), 4U);
    EXPECT_EQ(sessions.peak.load(), 5U);
}

TEST(MemoryTrimmer, TrimsOnceABurstIsOver) {
    milter::SessionCounts sessions;
    std::atomic<int> trims{0};
    milter::MemoryTrimmer trimmer(sessions, 2ms, [&] { ++trims; });
    open(sessions, 100);
    std::this_thread::sleep_for(30ms);  // about 15 periods, nothing ended
    EXPECT_EQ(trims.load(), 0);
    end(sessions, 20);  // 80 of 100 still open: steady load, not the end of a burst
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(trims.load(), 0);
    end(sessions, 40);  // 40 of 100 open
    EXPECT_TRUE(reaches(trims, 1));
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(trims.load(), 1);  // one trim for the burst, not one per period
    end(sessions, 1);            // 39 open against the new peak of 40
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(trims.load(), 1);
    end(sessions, 39);  // all gone
    EXPECT_TRUE(reaches(trims, 2));
}

TEST(MemoryTrimmer, StopsWithoutWaitingForThePeriod) {
    milter::SessionCounts sessions;
    const auto started = std::chrono::steady_clock::now();
    { milter::MemoryTrimmer trimmer(sessions, 1h); }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

}  // namespace
