// tests/milter/signals_test.cpp: milter/signals.cpp. What __wrap_sigwait does with
// the signals libmilter's signal thread waits for: SIGHUP (and SIGUSR1, which
// libmilter does not wait for) becomes a reload request and the wait goes on;
// SIGTERM and SIGINT go back to libmilter, which stops. A SIGHUP queued with
// reload_request_value names its sender, who waits for the answer.
#include "milter/signals.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <deque>
#include <future>
#include <thread>
#include <vector>

namespace {

// Stands in for the real sigwaitinfo(): hands out a scripted list of signals,
// each only if it is in the set waited for (as the real one would). EINTR in
// the script is an interrupted wait.
struct Scripted {
    int signal_number = 0;
    int code = SI_USER;
    int value = 0;
    pid_t sender = 4242;
};
std::deque<Scripted> script;
int scripted_sigwait(const sigset_t* set, siginfo_t* info) {
    if (!script.empty() && script.front().signal_number == -EINTR) {
        script.pop_front();
        errno = EINTR;
        return -1;
    }
    if (script.empty() || sigismember(set, script.front().signal_number) != 1) {
        errno = EINVAL;
        return -1;
    }
    const Scripted next = script.front();
    script.pop_front();
    info->si_signo = next.signal_number;
    info->si_code = next.code;
    info->si_pid = next.sender;
    info->si_value.sival_int = next.value;
    return next.signal_number;
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

using milter::ReloadSignal;

TEST(SigwaitFilter, TurnsEachSighupIntoAReloadAndWaitsOn) {
    script = {{SIGHUP}, {SIGHUP}, {SIGTERM}};
    int reloads = 0;
    int signal_number = 0;
    const sigset_t set = libmilter_set();
    EXPECT_EQ(milter::sigwait_passing_reloads(scripted_sigwait, &set, &signal_number,
                                              [&](const ReloadSignal& signal) {
                                                  EXPECT_EQ(signal.requester, 0);  // a plain kill wants no answer
                                                  ++reloads;
                                              }),
              0);
    EXPECT_EQ(signal_number, SIGTERM);
    EXPECT_EQ(reloads, 2);
    EXPECT_TRUE(script.empty());
}

TEST(SigwaitFilter, WaitsForSigusr1TooAndReloadsOnIt) {
    // OpenDKIM's and OpenDMARC's reload signal; its default action would kill us.
    script = {{SIGUSR1}, {SIGHUP}, {SIGTERM}};
    std::vector<int> reloads;
    int signal_number = 0;
    const sigset_t set = libmilter_set();
    EXPECT_EQ(
        milter::sigwait_passing_reloads(scripted_sigwait, &set, &signal_number,
                                        [&](const ReloadSignal& signal) { reloads.push_back(signal.signal_number); }),
        0);
    EXPECT_EQ(signal_number, SIGTERM);
    EXPECT_EQ(reloads, (std::vector<int>{SIGUSR1, SIGHUP}));
}

TEST(SigwaitFilter, NamesTheSenderOfAQueuedReloadRequestOnly) {
    script = {{SIGHUP, SI_QUEUE, milter::reload_request_value, 1001},
              {SIGHUP, SI_QUEUE, 7, 1002},                            // another value: not ours
              {SIGHUP, SI_USER, milter::reload_request_value, 1003},  // not queued: no value
              {SIGTERM}};
    std::vector<pid_t> requesters;
    int signal_number = 0;
    const sigset_t set = libmilter_set();
    EXPECT_EQ(
        milter::sigwait_passing_reloads(scripted_sigwait, &set, &signal_number,
                                        [&](const ReloadSignal& signal) { requesters.push_back(signal.requester); }),
        0);
    EXPECT_EQ(requesters, (std::vector<pid_t>{1001, 0, 0}));
}

TEST(SigwaitFilter, WaitsOnThroughAnInterruptedWait) {
    script = {{-EINTR}, {SIGHUP}, {-EINTR}, {SIGTERM}};
    int reloads = 0;
    int signal_number = 0;
    const sigset_t set = libmilter_set();
    EXPECT_EQ(milter::sigwait_passing_reloads(scripted_sigwait, &set, &signal_number,
                                              [&](const ReloadSignal&) { ++reloads; }),
              0);
    EXPECT_EQ(signal_number, SIGTERM);
    EXPECT_EQ(reloads, 1);
}

TEST(SigwaitFilter, PassesSigintStraightThrough) {
    script = {{SIGINT}, {SIGHUP}};
    int reloads = 0;
    int signal_number = 0;
    const sigset_t set = libmilter_set();
    EXPECT_EQ(milter::sigwait_passing_reloads(scripted_sigwait, &set, &signal_number,
                                              [&](const ReloadSignal&) { ++reloads; }),
              0);
    EXPECT_EQ(signal_number, SIGINT);
    EXPECT_EQ(reloads, 0);
}

TEST(SigwaitFilter, ReturnsAnErrorOfTheRealSigwait) {
    script = {{SIGHUP}};
    int reloads = 0;
    int signal_number = 0;
    const sigset_t set = libmilter_set();
    EXPECT_EQ(milter::sigwait_passing_reloads(scripted_sigwait, &set, &signal_number,
                                              [&](const ReloadSignal&) { ++reloads; }),
              EINVAL);
    EXPECT_EQ(reloads, 1);
}

TEST(ReloadRequests, DeliverARequestPostedBeforeTheWait) {
    milter::ReloadRequests requests;
    requests.post(SIGHUP);
    const auto request = requests.wait();
    ASSERT_TRUE(request);
    EXPECT_EQ(request->signal_number, SIGHUP);
    EXPECT_TRUE(request->requesters.empty());
    EXPECT_FALSE(requests.pending());
}

TEST(ReloadRequests, MergeRequestsThatArriveTogether) {
    milter::ReloadRequests requests;
    requests.post(SIGHUP);
    requests.post(SIGUSR1);
    EXPECT_TRUE(requests.pending());
    const auto request = requests.wait();
    ASSERT_TRUE(request);
    EXPECT_EQ(request->signal_number, SIGUSR1);  // one reload, named after the latest signal
    EXPECT_FALSE(requests.pending());            // the first post was merged into it
}

// A child that waits to be killed: a process to hold as a requester.
struct Child {
    pid_t pid = fork();
    Child() {
        if (pid == 0) {
            pause();
            _exit(0);
        }
    }
    ~Child() {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
    }
};

TEST(ReloadRequests, KeepEveryRequesterOfAMergedRequestUpToTheCap) {
    const Child first, second;
    ASSERT_GT(first.pid, 0);
    ASSERT_GT(second.pid, 0);
    milter::ReloadRequests requests;
    requests.post(SIGHUP, milter::ReloadRequester::open(first.pid));
    requests.post(SIGHUP);
    requests.post(SIGHUP, milter::ReloadRequester::open(second.pid));
    for (std::size_t i = 0; i < milter::ReloadRequests::max_requesters; ++i)
        requests.post(SIGHUP, milter::ReloadRequester::open(second.pid));
    const auto request = requests.wait();
    ASSERT_TRUE(request);
    ASSERT_EQ(request->requesters.size(), milter::ReloadRequests::max_requesters);
    EXPECT_EQ(request->requesters[0].pid(), first.pid);
    EXPECT_EQ(request->requesters[1].pid(), second.pid);
}

TEST(ReloadRequests, NeverTakeTheDaemonItselfOrAPidThatIsGoneAsARequester) {
    EXPECT_FALSE(milter::ReloadRequester::open(getpid()));  // its answer would end the daemon
    EXPECT_FALSE(milter::ReloadRequester::open(0));
    pid_t gone = fork();
    if (gone == 0) _exit(0);
    waitpid(gone, nullptr, 0);
    EXPECT_FALSE(milter::ReloadRequester::open(gone));
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
