// milter/memory.cpp: see memory.hpp.
#include "milter/memory.hpp"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <utility>

namespace milter {

void limit_malloc_arenas(unsigned cpus) {
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (std::getenv("MALLOC_ARENA_MAX") != nullptr ||
        (tunables != nullptr && std::strstr(tunables, "arena_max") != nullptr))
        return;
    mallopt(M_ARENA_MAX, static_cast<int>(std::max(2U, cpus)));
}

void SessionCounts::open() {
    opened.fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t now = open_now();
    std::uint64_t seen = peak.load(std::memory_order_relaxed);
    while (now > seen && !peak.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
    }
}

std::uint64_t SessionCounts::open_now() const {
    const std::uint64_t gone = ended.load(std::memory_order_relaxed);
    const std::uint64_t come = opened.load(std::memory_order_relaxed);
    return come > gone ? come - gone : 0;
}

MemoryTrimmer::MemoryTrimmer(SessionCounts& sessions, std::chrono::milliseconds period, Trim trim)
    : sessions_(sessions), period_(period), trim_(std::move(trim)) {
    if (!trim_) trim_ = [] { malloc_trim(0); };
    try {
        thread_ = std::thread([this] { run(); });
    } catch (const std::system_error&) {  // memory is then only returned as glibc itself does
    }
}

MemoryTrimmer::~MemoryTrimmer() {
    {
        const std::lock_guard lock(mutex_);
        stopped_ = true;
    }
    stopping_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void MemoryTrimmer::run() {
    std::uint64_t ended_before = sessions_.ended.load(std::memory_order_relaxed);
    std::unique_lock lock(mutex_);
    while (!stopping_.wait_for(lock, period_, [this] { return stopped_; })) {
        const std::uint64_t ended_now = sessions_.ended.load(std::memory_order_relaxed);
        const std::uint64_t open = sessions_.open_now();
        if (ended_now == ended_before || open * 2 > sessions_.peak.load(std::memory_order_relaxed)) continue;
        ended_before = ended_now;
        sessions_.peak.store(open, std::memory_order_relaxed);
        lock.unlock();
        trim_();
        lock.lock();
    }
}

}  // namespace milter
