// milter/signals.cpp: see signals.hpp.
#include "milter/signals.hpp"

namespace milter {

int sigwait_passing_reloads(SigwaitFunction real_sigwait, const sigset_t* set, int* signal_number,
                            const std::function<void()>& on_reload) {
    while (true) {
        const int status = real_sigwait(set, signal_number);
        if (status != 0 || *signal_number != SIGHUP) return status;
        on_reload();
    }
}

void ReloadRequests::post() {
    {
        const std::lock_guard lock(mutex_);
        pending_ = true;
    }
    changed_.notify_one();
}

bool ReloadRequests::wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return pending_ || stopped_; });
    if (stopped_) return false;
    pending_ = false;
    return true;
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
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace milter
