// tests/milter/daemon_test.cpp: the spf-milter executable itself: exit codes,
// --check-config, the signals of a running daemon (SIGHUP and SIGUSR1 reload, a
// bad file keeps the old configuration, SIGTERM stops with status 0), and start-up
// failures that must say why (a busy port, a symbolic link at the pid file). The
// daemon logs to stderr with -f; the test reads that pipe line by line, so it waits
// for events, never for a time. The milter protocol itself is tested end to end in
// tests/e2e.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

const std::string binary = std::string(SPF_BINARY_DIR) + "/milter/spf-milter";

struct Child {
    pid_t pid = -1;
    FILE* out = nullptr;  // stdout and stderr together
};

Child start(std::vector<std::string> arguments) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return {};
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(pipe_fds[1], STDOUT_FILENO);
        dup2(pipe_fds[1], STDERR_FILENO);
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        std::vector<char*> argv{const_cast<char*>(binary.c_str())};
        for (std::string& argument : arguments) argv.push_back(argument.data());
        argv.push_back(nullptr);
        execv(binary.c_str(), argv.data());
        _exit(127);
    }
    close(pipe_fds[1]);
    return Child{pid, fdopen(pipe_fds[0], "r")};
}

// Reads lines until one contains text; returns it ("" at end of output).
std::string read_until(Child& child, const std::string& text, std::string* all = nullptr) {
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, child.out) != nullptr) {
        const std::string line = buffer;
        if (all != nullptr) *all += line;
        if (line.find(text) != std::string::npos) return line;
    }
    return {};
}

int finish(Child& child, std::string* output = nullptr) {
    read_until(child, "\x01never\x01", output);
    std::fclose(child.out);
    int status = 0;
    waitpid(child.pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run(std::vector<std::string> arguments, std::string* output = nullptr) {
    Child child = start(std::move(arguments));
    return finish(child, output);
}

class Daemon : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(std::filesystem::exists(binary)) << "build the spf-milter target first: " << binary;
        directory_ = std::filesystem::path("/tmp") / ("spfd-" + std::to_string(::getpid()));
        std::filesystem::create_directories(directory_);
        config_ = (directory_ / "spf-milter.conf").string();
        socket_ = (directory_ / "s.sock").string();
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }
    void write_config(const std::string& text) {
        std::ofstream(config_, std::ios::trunc) << "socket = unix:" << socket_ << "\ndns_servers = 127.0.0.1:9\n"
                                                << text;
    }
    std::filesystem::path directory_;
    std::string config_;
    std::string socket_;
};

TEST_F(Daemon, PrintsItsVersionAndUsage) {
    std::string output;
    EXPECT_EQ(run({"--version"}, &output), 0);
    EXPECT_TRUE(output.starts_with("spf-milter ")) << output;
    EXPECT_EQ(run({"--help"}, &output), 0);
    EXPECT_NE(output.find("usage: spf-milter"), std::string::npos);
}

TEST_F(Daemon, ExitsWithTwoOnAUsageError) {
    std::string output;
    EXPECT_EQ(run({"--no-such-option"}, &output), 2);
    EXPECT_NE(output.find("spf-milter: unknown option --no-such-option"), std::string::npos) << output;
}

TEST_F(Daemon, ExitsWithSeventyEightOnABadConfiguration) {
    write_config("fail_action = bounce\n");
    std::string output;
    EXPECT_EQ(run({"-c", config_}, &output), 78);
    EXPECT_NE(output.find(config_ + ":3: key 'fail_action': 'bounce' is not accept, reject or tempfail"),
              std::string::npos)
        << output;
    EXPECT_EQ(run({"-n", "-c", config_}), 78);
    EXPECT_EQ(run({"-c", (directory_ / "missing.conf").string()}), 78);
}

TEST_F(Daemon, RefusesAnUnknownUser) {
    write_config("user = no-such-user-spf-milter-test\n");
    std::string output;
    EXPECT_EQ(run({"--check-config", "-c", config_}, &output), 78);
    EXPECT_NE(output.find("unknown user 'no-such-user-spf-milter-test'"), std::string::npos) << output;
    EXPECT_EQ(run({"-f", "-c", config_}, &output), 78);
    EXPECT_FALSE(std::filesystem::exists(socket_));
}

TEST_F(Daemon, ChecksTheConfigurationAndPrintsEveryKey) {
    write_config("reject_at = rcpt\n");
    std::string output;
    EXPECT_EQ(run({"-n", "-c", config_, "-p", "inet:8893@127.0.0.1"}, &output), 0);
    EXPECT_NE(output.find(config_ + ": configuration OK"), std::string::npos) << output;
    EXPECT_NE(output.find("\nreject_at = rcpt\n"), std::string::npos) << output;
    EXPECT_NE(output.find("\nsocket = inet:8893@127.0.0.1\n"), std::string::npos) << output;
    EXPECT_NE(output.find("\nsyslog_facility = mail\n"), std::string::npos) << output;
}

TEST_F(Daemon, ReloadsOnSighupKeepsTheOldConfigurationOnErrorAndStopsOnSigterm) {
    write_config("");
    Child daemon = start({"-f", "-c", config_});
    std::string log;
    ASSERT_NE(read_until(daemon, "started", &log), "") << log;
    EXPECT_TRUE(std::filesystem::is_socket(socket_));

    write_config("fail_action = tempfail\n");
    kill(daemon.pid, SIGHUP);
    EXPECT_NE(read_until(daemon, "reloaded", &log).find("(generation 2)"), std::string::npos) << log;

    write_config("fail_action = tempfail\ncheck_timeout = soon\n");
    kill(daemon.pid, SIGHUP);
    const std::string failed = read_until(daemon, "reload failed", &log);
    EXPECT_NE(failed.find("error: reload failed, keeping the previous configuration: " + config_ +
                          ":4: key 'check_timeout': 'soon' is not a number of seconds"),
              std::string::npos)
        << log;

    write_config("fail_action = accept\n");
    kill(daemon.pid, SIGHUP);
    EXPECT_NE(read_until(daemon, "reloaded", &log).find("(generation 3)"), std::string::npos) << log;

    kill(daemon.pid, SIGTERM);
    EXPECT_EQ(finish(daemon, &log), 0) << log;
    EXPECT_NE(log.find("stopped"), std::string::npos) << log;
    EXPECT_FALSE(std::filesystem::exists(socket_));
}

TEST_F(Daemon, ReloadsOnSigusr1AsOpenDkimAndOpenDmarcDo) {
    write_config("");
    Child daemon = start({"-f", "-c", config_});
    std::string log;
    ASSERT_NE(read_until(daemon, "started", &log), "") << log;
    write_config("fail_action = tempfail\n");
    kill(daemon.pid, SIGUSR1);
    EXPECT_NE(read_until(daemon, "reloaded", &log).find("(generation 2)"), std::string::npos) << log;
    EXPECT_NE(log.find("SIGUSR1: reloading " + config_), std::string::npos) << log;
    kill(daemon.pid, SIGTERM);
    EXPECT_EQ(finish(daemon, &log), 0) << log;
}

TEST_F(Daemon, SaysWhyItCannotListen) {
    // libmilter's smfi_opensocket() reports only that it failed.
    const int busy = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(busy, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(busy, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(listen(busy, 1), 0);
    socklen_t length = sizeof address;
    ASSERT_EQ(getsockname(busy, reinterpret_cast<sockaddr*>(&address), &length), 0);
    const std::string socket = "inet:" + std::to_string(ntohs(address.sin_port)) + "@127.0.0.1";

    write_config("");
    std::string output;
    EXPECT_EQ(run({"-f", "-c", config_, "-p", socket}, &output), 1);
    close(busy);
    EXPECT_NE(output.find("fatal: cannot listen on " + socket + ": Address already in use"), std::string::npos)
        << output;
}

TEST_F(Daemon, RefusesASymbolicLinkAtThePidFileAndLeavesItsTargetAlone) {
    const auto target = directory_ / "precious";
    std::ofstream(target) << "precious\n";
    const std::string pid_file = (directory_ / "spf-milter.pid").string();
    std::filesystem::create_symlink(target, pid_file);
    write_config("pid_file = " + pid_file + "\n");
    Child daemon = start({"-f", "-c", config_});
    std::string log;
    std::string line;
    do line = read_until(daemon, "spf-milter[", &log);
    while (!line.empty() && line.find("started") == std::string::npos && line.find("fatal") == std::string::npos);
    if (line.find("started") != std::string::npos) kill(daemon.pid, SIGTERM);
    EXPECT_EQ(finish(daemon, &log), 1) << log;
    EXPECT_NE(log.find("fatal: pid file " + pid_file + " is a symbolic link; not following it"), std::string::npos)
        << log;
    std::ifstream file(target);
    std::string content;
    std::getline(file, content);
    EXPECT_EQ(content, "precious");
}

TEST_F(Daemon, RefusesToStartOverAFileThatIsNotASocket) {
    write_config("");
    std::ofstream(socket_) << "not a socket\n";
    std::string output;
    EXPECT_EQ(run({"-f", "-c", config_}, &output), 1);
    EXPECT_NE(output.find("fatal: " + socket_ + " exists and is not a socket"), std::string::npos) << output;
}

}  // namespace
