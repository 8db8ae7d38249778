// tests/milter/reload_command_test.cpp: milter/reload_command.cpp and
// reload_answer.cpp, `spf-milter --reload`, against a forked process that
// answers as the daemon's reload thread does (or does not answer).
#include "milter/reload_command.hpp"

#include "milter/options.hpp"
#include "milter/reload_answer.hpp"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>

namespace {

using milter::ReloadAnswer;

TEST(ReloadAnswer, SurvivesItsTripThroughASignalValue) {
    for (const ReloadAnswer answer :
         {ReloadAnswer{true, 1, false}, ReloadAnswer{true, 2, true}, ReloadAnswer{true, 0x3fffffff, false}}) {
        const ReloadAnswer back = milter::decode_reload_answer(milter::encode_reload_answer(answer));
        EXPECT_TRUE(back.reloaded);
        EXPECT_EQ(back.generation, answer.generation);
        EXPECT_EQ(back.restart_needed, answer.restart_needed);
    }
    EXPECT_FALSE(milter::decode_reload_answer(milter::encode_reload_answer({false, 7, false})).reloaded);
}

// What the stand-in daemon does with the request it gets.
enum class Behaviour { reload, reload_needing_restart, keep, stay_silent, stray_signal_first };

// Forks a process that waits for one queued SIGHUP and answers it as the
// daemon would. SIGHUP is blocked before the fork, so none is lost.
struct StandInDaemon {
    pid_t pid = -1;
    explicit StandInDaemon(Behaviour behaviour) {
        sigset_t hup;
        sigemptyset(&hup);
        sigaddset(&hup, SIGHUP);
        sigset_t previous;
        sigprocmask(SIG_BLOCK, &hup, &previous);
        // Named spf-milter from the start (--reload signals nothing else): the
        // child inherits the name, so no check can see it before it has it.
        char own_name[17] = {};
        prctl(PR_GET_NAME, own_name);
        prctl(PR_SET_NAME, "spf-milter");
        pid = fork();
        if (pid != 0) prctl(PR_SET_NAME, own_name);
        if (pid == 0) {
            siginfo_t info{};
            if (sigwaitinfo(&hup, &info) != SIGHUP) _exit(3);
            if (info.si_code != SI_QUEUE || info.si_value.sival_int != milter::reload_request_value) _exit(4);
            auto requester = milter::ReloadRequester::open(info.si_pid);
            if (!requester) _exit(5);
            switch (behaviour) {
                case Behaviour::reload: requester->answer({true, 2, false}); break;
                case Behaviour::reload_needing_restart: requester->answer({true, 3, true}); break;
                case Behaviour::keep: requester->answer({false, 1, false}); break;
                case Behaviour::stay_silent: break;
                case Behaviour::stray_signal_first:
                    kill(info.si_pid, milter::reload_answer_signal());  // SI_USER: not an answer
                    requester->answer({true, 9, false});
                    break;
            }
            pause();  // until killed, like a daemon
            _exit(0);
        }
        sigprocmask(SIG_SETMASK, &previous, nullptr);
    }
    ~StandInDaemon() {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    }
};

struct Outcome {
    int status = -1;
    std::string out, err;
};

Outcome reload(const milter::Config& config, std::optional<long> pid,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::ostringstream out, err;
    Outcome outcome;
    outcome.status = milter::request_reload(config, pid, out, err, timeout);
    outcome.out = out.str();
    outcome.err = err.str();
    return outcome;
}

milter::Config config_named(const std::string& source) {
    milter::Config config;
    config.source = source;
    return config;
}

TEST(ReloadCommand, SaysTheDaemonReloadedAndWhichGenerationRuns) {
    const StandInDaemon daemon(Behaviour::reload);
    const Outcome outcome = reload(config_named("/etc/spf-milter.conf"), daemon.pid);
    EXPECT_EQ(outcome.status, milter::exit_ok) << outcome.err;
    EXPECT_EQ(outcome.out,
              "spf-milter: pid " + std::to_string(daemon.pid) + " reloaded /etc/spf-milter.conf (generation 2)\n");
}

TEST(ReloadCommand, SaysWhenAChangedKeyWaitsForARestart) {
    const StandInDaemon daemon(Behaviour::reload_needing_restart);
    const Outcome outcome = reload(config_named("x.conf"), daemon.pid);
    EXPECT_EQ(outcome.status, milter::exit_ok) << outcome.err;
    EXPECT_NE(outcome.out.find("(generation 3); a changed restart-only key takes effect after a restart"),
              std::string::npos)
        << outcome.out;
}

TEST(ReloadCommand, FailsWhenTheDaemonKeptItsPreviousConfiguration) {
    const StandInDaemon daemon(Behaviour::keep);
    const Outcome outcome = reload(config_named("x.conf"), daemon.pid);
    EXPECT_EQ(outcome.status, milter::exit_failure);
    EXPECT_NE(outcome.err.find("kept its previous configuration"), std::string::npos) << outcome.err;
    EXPECT_EQ(outcome.out, "");
}

TEST(ReloadCommand, FailsWhenNoAnswerComesInTime) {
    const StandInDaemon daemon(Behaviour::stay_silent);
    const Outcome outcome = reload(config_named("x.conf"), daemon.pid, std::chrono::milliseconds(300));
    EXPECT_EQ(outcome.status, milter::exit_failure);
    EXPECT_NE(outcome.err.find("did not answer within 0.3 s"), std::string::npos) << outcome.err;
}

TEST(ReloadCommand, TakesOnlyAQueuedAnswerFromTheDaemonItAsked) {
    const StandInDaemon daemon(Behaviour::stray_signal_first);
    const Outcome outcome = reload(config_named("x.conf"), daemon.pid);
    EXPECT_EQ(outcome.status, milter::exit_ok) << outcome.err;
    EXPECT_NE(outcome.out.find("(generation 9)"), std::string::npos) << outcome.out;
}

TEST(ReloadCommand, FindsTheDaemonThroughThePidFile) {
    const StandInDaemon daemon(Behaviour::reload);
    char path[] = "/tmp/reload_command_test.XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    const std::string text = std::to_string(daemon.pid) + "\n";
    ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fd);
    milter::Config config = config_named("x.conf");
    config.pid_file = path;
    const Outcome outcome = reload(config, std::nullopt);
    std::remove(path);
    EXPECT_EQ(outcome.status, milter::exit_ok) << outcome.err;
}

TEST(ReloadCommand, NeedsAPidFromTheCommandLineOrThePidFile) {
    const Outcome outcome = reload(config_named("/etc/spf-milter.conf"), std::nullopt);
    EXPECT_EQ(outcome.status, milter::exit_usage);
    EXPECT_NE(outcome.err.find("no --pid given and /etc/spf-milter.conf sets no pid_file"), std::string::npos)
        << outcome.err;

    milter::Config config = config_named("x.conf");
    config.pid_file = "/nonexistent/spf-milter.pid";
    const Outcome unreadable = reload(config, std::nullopt);
    EXPECT_EQ(unreadable.status, milter::exit_usage);
    EXPECT_NE(unreadable.err.find("cannot read the pid file /nonexistent/spf-milter.pid"), std::string::npos);
}

TEST(ReloadCommand, SignalsNoProcessThatIsNotSpfMilter) {
    // This test program itself: it would die of the SIGHUP.
    const Outcome outcome = reload(config_named("x.conf"), getpid());
    EXPECT_EQ(outcome.status, milter::exit_failure);
    EXPECT_NE(outcome.err.find(", not spf-milter: not signalled"), std::string::npos) << outcome.err;
}

TEST(ReloadCommand, SaysWhenNoProcessHasThePid) {
    pid_t gone = fork();
    if (gone == 0) _exit(0);
    waitpid(gone, nullptr, 0);
    const Outcome outcome = reload(config_named("x.conf"), gone);
    EXPECT_EQ(outcome.status, milter::exit_failure);
    EXPECT_NE(outcome.err.find("no process has pid " + std::to_string(gone)), std::string::npos) << outcome.err;
}

}  // namespace
