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

// Caps glibc's malloc arenas at max(2, cpus), unless the administrator chose a
// number (MALLOC_ARENA_MAX, or arena_max in GLIBC_TUNABLES). Call before
// starting threads.
void limit_malloc_arenas(unsigned cpus);

// Sessions opened and ended so far, and the most open at once since the
// trimmer last looked (the callbacks count them); and the MAIL FROM commands
// seen, for the service status line.
struct SessionCounts {
    std::atomic<std::uint64_t> opened{0};
    std::atomic<std::uint64_t> ended{0};
    std::atomic<std::uint64_t> peak{0};
    std::atomic<std::uint64_t> transactions{0};

    void open();  // opened, and the peak raised to what is open now
    void end() { ended.fetch_add(1, std::memory_order_relaxed); }
    std::uint64_t open_now() const;
};

// Every period, if sessions ended since the last look and at most half of the
// peak is still open (a burst is over), returns freed memory to the system
// (trim, by default malloc_trim(0)) and starts a new peak. Under steady load
// the sessions open stay near their peak: no trim. Without a thread to be had,
// it does nothing.
class MemoryTrimmer {
public:
    using Trim = std::function<void()>;
    MemoryTrimmer(SessionCounts& sessions, std::chrono::milliseconds period, Trim trim = {});
    ~MemoryTrimmer();  // stops the thread
    MemoryTrimmer(const MemoryTrimmer&) = delete;
    MemoryTrimmer& operator=(const MemoryTrimmer&) = delete;

private:
    void run();

    SessionCounts& sessions_;
    const std::chrono::milliseconds period_;
    Trim trim_;
    std::mutex mutex_;
    std::condition_variable stopping_;
    bool stopped_ = false;
    std::thread thread_;
};

}  // namespace milter
