// milter/memory.cpp: see memory.hpp.
#include "milter/memory.hpp"

#include <malloc.h>

#include <algorithm>
#include <utility>

namespace milter {

void limit_malloc_arenas(unsigned cpus) { mallopt(M_ARENA_MAX, static_cast<int>(std::max(2U, cpus))); }

MemoryTrimmer::MemoryTrimmer(const SessionCounts& sessions, std::chrono::milliseconds period, Trim trim)
    : sessions_(sessions), period_(period), trim_(std::move(trim)) {
    if (!trim_) trim_ = [] { malloc_trim(0); };
    thread_ = std::thread([this] { run(); });
}

MemoryTrimmer::~MemoryTrimmer() {
    {
        const std::lock_guard lock(mutex_);
        stopped_ = true;
    }
    stopping_.notify_all();
    thread_.join();
}

void MemoryTrimmer::run() {
    std::uint64_t ended_before = sessions_.ended.load(std::memory_order_relaxed);
    std::unique_lock lock(mutex_);
    while (!stopping_.wait_for(lock, period_, [this] { return stopped_; })) {
        const std::uint64_t ended_now = sessions_.ended.load(std::memory_order_relaxed);
        if (ended_now == ended_before) continue;
        ended_before = ended_now;
        lock.unlock();
        trim_();
        lock.lock();
    }
}

}  // namespace milter
