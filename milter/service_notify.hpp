// milter/service_notify.hpp: telling systemd where the daemon stands
// (Type=notify, sd_notify(3)). READY=1 once the socket is bound and privileges
// are dropped, so that units ordered after ours (postfix.service) start when
// mail can be checked; RELOADING=1 and READY=1 around each reload; STOPPING=1
// when a stop signal arrives; STATUS= a line for `systemctl status`, refreshed
// while the daemon runs. Without NOTIFY_SOCKET (started by hand, by another
// supervisor) every call does nothing. The message texts are pure functions,
// so a test can check them; notify() is the only I/O.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace milter {

// What the STATUS= line shows.
struct ServiceStatus {
    std::uint64_t generation = 1;  // configuration generation running
    std::string last_reload;       // "" before the first reload; else "ok at TIME" or "failed at TIME"
    std::uint64_t sessions_open = 0;
    std::uint64_t transactions = 0;  // MAIL FROM commands seen since the start
};

// "STATUS=generation 2 (reload ok at 18:20:01), 3 sessions open, 1523 MAIL FROM checked"
std::string status_message(const ServiceStatus& status);
std::string ready_message(const ServiceStatus& status);  // READY=1 and STATUS=
// RELOADING=1 with the CLOCK_MONOTONIC time systemd 253 and later want with it.
std::string reloading_message(std::chrono::microseconds monotonic_now);
std::string stopping_message();  // STOPPING=1

// Sends to $NOTIFY_SOCKET; false if there is none or it could not be sent.
bool notify_service(std::string_view message);
bool service_manager_listens();  // $NOTIFY_SOCKET is set

// Refreshes STATUS= every period from status(), while systemd listens.
class StatusRefresher {
public:
    StatusRefresher(std::function<ServiceStatus()> status, std::chrono::milliseconds period);
    ~StatusRefresher();  // stops the thread
    StatusRefresher(const StatusRefresher&) = delete;
    StatusRefresher& operator=(const StatusRefresher&) = delete;

private:
    void run();

    std::function<ServiceStatus()> status_;
    const std::chrono::milliseconds period_;
    std::mutex mutex_;
    std::condition_variable stopping_;
    bool stopped_ = false;
    std::thread thread_;
};

}  // namespace milter
