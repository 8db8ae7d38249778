// milter/signals.cpp: see signals.hpp.
#include "milter/signals.hpp"

#include <utility>

namespace milter {

int sigwait_passing_reloads(SigwaitFunction real_sigwait, const sigset_t* set, int* signal_number,
                            const std::function<void(int signal_number)>& on_reload) {
    // libmilter's set has no SIGUSR1: without it here the signal, blocked in every
    // thread, would stay pending for ever.
    sigset_t with_reloads = *set;
    sigaddset(&with_reloads, SIGUSR1);
    while (true) {
        const int status = real_sigwait(&with_reloads, signal_number);
        if (status != 0 || (*signal_number != SIGHUP && *signal_number != SIGUSR1)) return status;
        on_reload(*signal_number);
    }
}

const char* signal_name(int signal_number) {
    switch (signal_number) {
        case SIGHUP: return "SIGHUP";
        case SIGUSR1: return "SIGUSR1";
        case SIGTERM: return "SIGTERM";
        case SIGINT: return "SIGINT";
        default: return "a signal";
    }
}

void ReloadRequests::post(int signal_number) {
    {
        const std::lock_guard lock(mutex_);
        pending_ = signal_number;
    }
    changed_.notify_one();
}

std::optional<int> ReloadRequests::wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return pending_ || stopped_; });
    if (stopped_) return std::nullopt;
    return std::exchange(pending_, std::nullopt);
}

bool ReloadRequests::pending() {
    const std::lock_guard lock(mutex_);
    return pending_.has_value();
}

void ReloadRequests::stop() {
    {
        const std::lock_guard lock(mutex_);
        stopped_ = true;
    }
    changed_.notify_all();
}

void block_daemon_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace milter
