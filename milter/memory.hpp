// milter/memory.hpp: keeping the daemon's memory near its idle size after a burst.
// libmilter serves each active session on a thread of its worker pool, which
// grows to the number of sessions active at once (hundreds in a burst) and
// shrinks when they end. glibc gives threads that contend for malloc arenas of
// their own (up to 8 per core) and keeps what was freed in each: after a burst
// of 500 sessions the process stayed at 1.6 times its idle size. Two measures:
// fewer arenas (the callbacks allocate little, so contention is not the cost),
// and malloc_trim() once sessions have ended, from a thread of ours.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace milter {

// Caps glibc's malloc arenas at max(2, cpus). Call before starting threads.
void limit_malloc_arenas(unsigned cpus);

// Sessions opened and ended so far (the callbacks count them).
struct SessionCounts {
    std::atomic<std::uint64_t> opened{0};
    std::atomic<std::uint64_t> ended{0};
};

// Every period, if a session ended since the last look, returns freed memory
// to the system (trim, by default malloc_trim(0)). Under steady load that is one
// trim per period, a few hundred microseconds; when idle, none.
class MemoryTrimmer {
public:
    using Trim = std::function<void()>;
    MemoryTrimmer(const SessionCounts& sessions, std::chrono::milliseconds period, Trim trim = {});
    ~MemoryTrimmer();  // stops the thread
    MemoryTrimmer(const MemoryTrimmer&) = delete;
    MemoryTrimmer& operator=(const MemoryTrimmer&) = delete;

private:
    void run();

    const SessionCounts& sessions_;
    const std::chrono::milliseconds period_;
    Trim trim_;
    std::mutex mutex_;
    std::condition_variable stopping_;
    bool stopped_ = false;
    std::thread thread_;
};

}  // namespace milter
