// milter/signals.hpp: SIGHUP and SIGUSR1 reload, SIGTERM and SIGINT stop.
// libmilter runs its own signal thread that sigwait()s for SIGHUP, SIGTERM and
// SIGINT, and stops the milter on any of them, SIGHUP included. The daemon links
// the static libmilter.a with -Wl,--wrap=sigwait, so that thread's sigwait() goes
// through __wrap_sigwait (daemon.cpp), which calls sigwait_passing_reloads():
// a SIGHUP becomes a reload request and the wait goes on; any other signal is
// returned to libmilter, which then stops cleanly. SIGUSR1 is the reload signal
// of OpenDKIM and OpenDMARC, and an administrator who sends it out of habit must
// not kill the daemon (its default action): it is added to the set waited for and
// reloads too. The reload itself runs on a thread of ours (ReloadRequests), never
// in the signal thread. A SIGHUP sent by `spf-milter --reload` carries
// reload_request_value and its sender waits for an answer (reload_answer.hpp).
// The logic lives here, apart from the link trick, so a test can drive it.
#pragma once

#include "milter/reload_answer.hpp"

#include <signal.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace milter {

// sigwaitinfo(): the signal, or -1 and errno.
using SigwaitinfoFunction = int (*)(const sigset_t* set, siginfo_t* info);

// A reload signal as received: requester is the pid of a `spf-milter --reload`
// that waits for the answer, 0 for a plain kill.
struct ReloadSignal {
    int signal_number = SIGHUP;
    pid_t requester = 0;
};

// Like sigwait() on set plus SIGUSR1, but a SIGHUP or a SIGUSR1 calls
// on_reload(that signal) and is not returned. Waits through EINTR.
int sigwait_passing_reloads(SigwaitinfoFunction wait_for_signal, const sigset_t* set, int* signal_number,
                            const std::function<void(const ReloadSignal& signal)>& on_reload);

// What the reload thread takes: the latest signal, and every requester that
// asked since the last reload began (each gets the outcome of this one).
struct ReloadRequest {
    int signal_number = SIGHUP;
    std::vector<ReloadRequester> requesters;
};

// "SIGHUP", "SIGUSR1", ...: for log lines.
const char* signal_name(int signal_number);

// Requests from the signal thread to the reload thread. Requests that arrive
// while a reload runs are merged into one more reload.
class ReloadRequests {
public:
    // Requesters beyond this many waiting at once get no answer (their command
    // times out): a flood of requests must not cost the daemon its descriptors.
    static constexpr std::size_t max_requesters = 32;

    void post(int signal_number, std::optional<ReloadRequester> requester = std::nullopt);
    // Blocks until a request or stop() (nullopt).
    std::optional<ReloadRequest> wait();
    // True while a request waits to be taken by wait().
    bool pending();
    void stop();

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<ReloadRequest> pending_;
    bool stopped_ = false;
};

// Blocks SIGHUP, SIGUSR1, SIGTERM, SIGINT (and SIGPIPE, and the reload answer
// signal, whose default action would end the daemon) in the calling thread, so
// that every thread started afterwards inherits the mask and only libmilter's
// signal thread receives them. Call before starting any thread.
void block_daemon_signals();

}  // namespace milter
