// milter/signals.cpp: see signals.hpp.
#include "milter/signals.hpp"

#include <cerrno>
#include <utility>

namespace milter {

int sigwait_passing_reloads(SigwaitinfoFunction wait_for_signal, const sigset_t* set, int* signal_number,
                            const std::function<void(const ReloadSignal& signal)>& on_reload) {
    // libmilter's set has no SIGUSR1: without it here the signal, blocked in every
    // thread, would stay pending for ever.
    sigset_t with_reloads = *set;
    sigaddset(&with_reloads, SIGUSR1);
    while (true) {
        siginfo_t info{};
        const int received = wait_for_signal(&with_reloads, &info);
        if (received < 0) {
            if (errno == EINTR) continue;
            return errno;  // as sigwait() reports errors
        }
        *signal_number = received;
        if (received != SIGHUP && received != SIGUSR1) return 0;
        ReloadSignal signal{received, 0};
        if (info.si_code == SI_QUEUE && info.si_value.sival_int == reload_request_value) signal.requester = info.si_pid;
        on_reload(signal);
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

void ReloadRequests::post(int signal_number, std::optional<ReloadRequester> requester) {
    {
        const std::lock_guard lock(mutex_);
        if (!pending_) pending_.emplace();
        pending_->signal_number = signal_number;
        if (requester && pending_->requesters.size() < max_requesters)
            pending_->requesters.push_back(std::move(*requester));
    }
    changed_.notify_one();
}

std::optional<ReloadRequest> ReloadRequests::wait() {
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
    sigaddset(&set, reload_answer_signal());
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace milter
