// tests/milter/signals_test.cpp: milter/signals.cpp. What __wrap_sigwait does with
// the signals libmilter's signal thread waits for: SIGHUP (and SIGUSR1, which
// libmilter does not wait for) becomes a reload request and the wait goes on;
// SIGTERM and SIGINT go back to libmilter, which stops.
#include "milter/signals.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <future>
#include <thread>
#include <vector>

namespace {

// Stands in for the real sigwait(): hands out a scripted list of signals, each
// only if it is in the set waited for (as the real one would).
std::deque<int> script;
int scripted_sigwait(const sigset_t* set, int* signal_number) {
    if (script.empty() || sigismember(set, script.front()) != 1) return EINVAL;
    *signal_number = script.front();
    script.pop_front();
    return 0;
}

// libmilter's own set: the one its signal thread passes to sigwait().
sigset_t libmilter_set() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

TEST(SigwaitFilter, TurnsEachSighupIntoAReloadAndWaitsOn) {
    script = {SIGHUP, SIGHUP, SIGTERM};
    int reloads = 0;
    int signal_number = 0;
    const sigset_t set = libmilter_set();
    EXPECT_EQ(milter::sigwait_passing_reloads(scripted_sigwait, &set, &signal_number, [&](int) { ++reloads; }), 0);
    EXPECT_EQ(signal_number, SIGTERM);
    EXPECT_EQ(reloads, 2);
    EXPECT_TRUE(script.empty());
}

TEST(SigwaitFilter, WaitsForSigusr1TooAndReloadsOnIt) {
    // OpenDKIM's and OpenDMARC's reload signal; its default action would kill us.
    script = {SIGUSR1, SIGHUP, SIGTERM};
    std::vector<int> reloads;
    int signal_number = 0;
    const sigset_t set = libmilter_set();
    EXPECT_EQ(milter::sigwait_passing_reloads(scripted_sigwait, &set, &signal_number,
                                              [&](int signal) { reloads.push_back(signal); }),
              0);
    EXPECT_EQ(signal_number, SIGTERM);
    EXPECT_EQ(reloads, (std::vector<int>{SIGUSR1, SIGHUP}));
}

TEST(SigwaitFilter, PassesSigintStraightThrough) {
    script = {SIGINT, SIGHUP};
    int reloads = 0;
    int signal_number = 0;
    const sigset_t set = libmilter_set();
    EXPECT_EQ(milter::sigwait_passing_reloads(scripted_sigwait, &set, &signal_number, [&](int) { ++reloads; }), 0);
    EXPECT_EQ(signal_number, SIGINT);
    EXPECT_EQ(reloads, 0);
}

TEST(SigwaitFilter, ReturnsAnErrorOfTheRealSigwait) {
    script = {SIGHUP};
    int reloads = 0;
    int signal_number = 0;
    const sigset_t set = libmilter_set();
    EXPECT_EQ(milter::sigwait_passing_reloads(scripted_sigwait, &set, &signal_number, [&](int) { ++reloads; }), EINVAL);
    EXPECT_EQ(reloads, 1);
}

TEST(ReloadRequests, DeliverARequestPostedBeforeTheWait) {
    milter::ReloadRequests requests;
    requests.post(SIGHUP);
    EXPECT_EQ(requests.wait(), SIGHUP);
    EXPECT_FALSE(requests.pending());
}

TEST(ReloadRequests, MergeRequestsThatArriveTogether) {
    milter::ReloadRequests requests;
    requests.post(SIGHUP);
    requests.post(SIGUSR1);
    EXPECT_TRUE(requests.pending());
    EXPECT_EQ(requests.wait(), SIGUSR1);  // one reload, named after the latest signal
    EXPECT_FALSE(requests.pending());     // the first post was merged into it
}

TEST(ReloadRequests, StopEvenWithARequestPending) {
    milter::ReloadRequests requests;
    requests.post(SIGHUP);
    requests.stop();
    EXPECT_EQ(requests.wait(), std::nullopt);  // no reload once the daemon stops
}

TEST(ReloadRequests, WakeTheReloadThreadFromAnotherThreadUntilStopped) {
    milter::ReloadRequests requests;
    int reloads = 0;
    std::promise<void> first_reload;
    std::future<void> reloaded = first_reload.get_future();
    std::thread reloader([&] {
        while (requests.wait().has_value())
            if (++reloads == 1) first_reload.set_value();
    });
    requests.post(SIGHUP);  // as __wrap_sigwait does
    reloaded.wait();
    requests.stop();  // as the daemon does once smfi_main() returns
    reloader.join();
    EXPECT_EQ(reloads, 1);
}

}  // namespace
