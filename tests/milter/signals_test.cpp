// tests/milter/signals_test.cpp: milter/signals.cpp. What __wrap_sigwait does with
// the signals libmilter's signal thread waits for: SIGHUP becomes a reload request
// and the wait goes on; SIGTERM and SIGINT go back to libmilter, which stops.
#include "milter/signals.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <future>
#include <thread>

namespace {

// Stands in for the real sigwait(): hands out a scripted list of signals.
std::deque<int> script;
int scripted_sigwait(const sigset_t*, int* signal_number) {
    if (script.empty()) return EINVAL;
    *signal_number = script.front();
    script.pop_front();
    return 0;
}

TEST(SigwaitFilter, TurnsEachSighupIntoAReloadAndWaitsOn) {
    script = {SIGHUP, SIGHUP, SIGTERM};
    int reloads = 0;
    int signal_number = 0;
    sigset_t set;
    sigemptyset(&set);
    EXPECT_EQ(milter::sigwait_passing_reloads(scripted_sigwait, &set, &signal_number, [&] { ++reloads; }), 0);
    EXPECT_EQ(signal_number, SIGTERM);
    EXPECT_EQ(reloads, 2);
    EXPECT_TRUE(script.empty());
}

TEST(SigwaitFilter, PassesSigintStraightThrough) {
    script = {SIGINT, SIGHUP};
    int reloads = 0;
    int signal_number = 0;
    sigset_t set;
    sigemptyset(&set);
    EXPECT_EQ(milter::sigwait_passing_reloads(scripted_sigwait, &set, &signal_number, [&] { ++reloads; }), 0);
    EXPECT_EQ(signal_number, SIGINT);
    EXPECT_EQ(reloads, 0);
}

TEST(SigwaitFilter, ReturnsAnErrorOfTheRealSigwait) {
    script = {SIGHUP};
    int reloads = 0;
    int signal_number = 0;
    sigset_t set;
    sigemptyset(&set);
    EXPECT_EQ(milter::sigwait_passing_reloads(scripted_sigwait, &set, &signal_number, [&] { ++reloads; }), EINVAL);
    EXPECT_EQ(reloads, 1);
}

TEST(ReloadRequests, DeliverARequestPostedBeforeTheWait) {
    milter::ReloadRequests requests;
    requests.post();
    EXPECT_TRUE(requests.wait());
}

TEST(ReloadRequests, MergeRequestsThatArriveTogether) {
    milter::ReloadRequests requests;
    requests.post();
    requests.post();
    EXPECT_TRUE(requests.wait());
    requests.stop();
    EXPECT_FALSE(requests.wait());  // the second post was merged into the first
}

TEST(ReloadRequests, WakeTheReloadThreadFromAnotherThreadUntilStopped) {
    milter::ReloadRequests requests;
    int reloads = 0;
    std::promise<void> first_reload;
    std::future<void> reloaded = first_reload.get_future();
    std::thread reloader([&] {
        while (requests.wait())
            if (++reloads == 1) first_reload.set_value();
    });
    requests.post();  // as __wrap_sigwait does on SIGHUP
    reloaded.wait();
    requests.stop();  // as the daemon does once smfi_main() returns
    reloader.join();
    EXPECT_EQ(reloads, 1);
}

}  // namespace
