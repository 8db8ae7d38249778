// milter/signals.hpp: SIGHUP reloads, SIGTERM and SIGINT stop.
// libmilter runs its own signal thread that sigwait()s for SIGHUP, SIGTERM and
// SIGINT, and stops the milter on any of them, SIGHUP included. The daemon links
// the static libmilter.a with -Wl,--wrap=sigwait, so that thread's sigwait() goes
// through __wrap_sigwait (callbacks.cpp), which calls sigwait_passing_reloads():
// a SIGHUP becomes a reload request and the wait goes on; any other signal is
// returned to libmilter, which then stops cleanly. The reload itself runs on a
// thread of ours (ReloadRequests), never in the signal thread.
// The logic lives here, apart from the link trick, so a test can drive it.
#pragma once

#include <signal.h>

#include <condition_variable>
#include <functional>
#include <mutex>

namespace milter {

using SigwaitFunction = int (*)(const sigset_t* set, int* signal_number);

// Like sigwait(), but a SIGHUP calls on_reload() and is not returned.
int sigwait_passing_reloads(SigwaitFunction real_sigwait, const sigset_t* set, int* signal_number,
                            const std::function<void()>& on_reload);

// Requests from the signal thread to the reload thread. Requests that arrive
// while a reload runs are merged into one more reload.
class ReloadRequests {
public:
    void post();
    // Blocks until a request (true) or stop() (false).
    bool wait();
    void stop();

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool pending_ = false;
    bool stopped_ = false;
};

// Blocks SIGHUP, SIGTERM, SIGINT (and SIGPIPE) in the calling thread, so that
// every thread started afterwards inherits the mask and only libmilter's signal
// thread receives them. Call before starting any thread.
void block_daemon_signals();

}  // namespace milter
