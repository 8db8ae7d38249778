// milter/service_notify.cpp: see service_notify.hpp.
#include "milter/service_notify.hpp"

#if SPF_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include <cstdlib>
#include <system_error>

namespace milter {

std::string status_message(const ServiceStatus& status) {
    std::string text = "STATUS=generation " + std::to_string(status.generation);
    if (!status.last_reload.empty()) text += " (reload " + status.last_reload + ")";
    text += ", " + std::to_string(status.sessions_open) + (status.sessions_open == 1 ? " session" : " sessions") +
            " open, " + std::to_string(status.transactions) + " MAIL FROM checked";
    return text;
}

std::string ready_message(const ServiceStatus& status) { return "READY=1\n" + status_message(status); }

std::string reloading_message(std::chrono::microseconds monotonic_now) {
    return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_now.count());
}

std::string stopping_message() { return "STOPPING=1"; }

bool service_manager_listens() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    return socket != nullptr && *socket != '\0';
}

bool notify_service(std::string_view message) {
#if SPF_HAVE_SYSTEMD
    if (!service_manager_listens()) return false;
    const std::string text(message);
    return sd_notify(0, text.c_str()) > 0;
#else
    (void)message;
    return false;
#endif
}

StatusRefresher::StatusRefresher(std::function<ServiceStatus()> status, std::chrono::milliseconds period)
    : status_(std::move(status)), period_(period) {
    if (!service_manager_listens()) return;
    try {
        thread_ = std::thread(&StatusRefresher::run, this);
    } catch (const std::system_error&) {
        // No thread to be had: the status stays as the last reload left it.
    }
}

StatusRefresher::~StatusRefresher() {
    {
        const std::lock_guard lock(mutex_);
        stopped_ = true;
    }
    stopping_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void StatusRefresher::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_.wait_for(lock, period_, [&] { return stopped_; })) {
        lock.unlock();
        notify_service(status_message(status_()));
        lock.lock();
    }
}

}  // namespace milter
