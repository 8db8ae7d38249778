// tests/milter/memory_test.cpp: milter/memory.cpp: the trimmer trims once per
// period in which a session ended, never while none did, and stops at once.
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

TEST(MemoryTrimmer, TrimsOnlyAfterASessionEnded) {
    milter::SessionCounts sessions;
    std::atomic<int> trims{0};
    milter::MemoryTrimmer trimmer(sessions, 2ms, [&] { ++trims; });
    std::this_thread::sleep_for(30ms);  // about 15 periods, nothing ended
    EXPECT_EQ(trims.load(), 0);
    sessions.ended += 3;
    EXPECT_TRUE(reaches(trims, 1));
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(trims.load(), 1);  // one trim for what ended, not one per period
    ++sessions.ended;
    EXPECT_TRUE(reaches(trims, 2));
}

TEST(MemoryTrimmer, StopsWithoutWaitingForThePeriod) {
    milter::SessionCounts sessions;
    const auto started = std::chrono::steady_clock::now();
    { milter::MemoryTrimmer trimmer(sessions, 1h); }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10min);  // returns: the thread was woken
}

}  // namespace
