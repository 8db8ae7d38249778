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
// in the signal thread. The logic lives here, apart from the link trick, so a
// test can drive it.
#pragma once

#include <signal.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>

namespace milter {

using SigwaitFunction = int (*)(const sigset_t* set, int* signal_number);

// Like sigwait() on set plus SIGUSR1, but a SIGHUP or a SIGUSR1 calls
// on_reload(that signal) and is not returned.
int sigwait_passing_reloads(SigwaitFunction real_sigwait, const sigset_t* set, int* signal_number,
                            const std::function<void(int signal_number)>& on_reload);

// "SIGHUP", "SIGUSR1", ...: for log lines.
const char* signal_name(int signal_number);

// Requests from the signal thread to the reload thread. Requests that arrive
// while a reload runs are merged into one more reload.
class ReloadRequests {
public:
    void post(int signal_number);
    // Blocks until a request (the signal of the latest one) or stop() (nullopt).
    std::optional<int> wait();
    // True while a request waits to be taken by wait().
    bool pending();
    void stop();

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<int> pending_;
    bool stopped_ = false;
};

// Blocks SIGHUP, SIGUSR1, SIGTERM, SIGINT (and SIGPIPE) in the calling thread, so
// that every thread started afterwards inherits the mask and only libmilter's
// signal thread receives them. Call before starting any thread.
void block_daemon_signals();

}  // namespace milter
