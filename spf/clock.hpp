// spf/clock.hpp: time as the SPF library sees it, injected so that tests move
// it: deadlines and elapsed times (now), %{t} (unix_time), cache expiry.
#pragma once

#include <chrono>
#include <cstdint>

namespace spf {

class Clock {
public:
    virtual ~Clock() = default;
    virtual std::chrono::steady_clock::time_point now() const = 0;  // deadlines, elapsed time, expiry
    virtual std::int64_t unix_time() const = 0;                     // %{t} (§7.3)
};
const Clock& system_clock();  // the real one

}  // namespace spf
