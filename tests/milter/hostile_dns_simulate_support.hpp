// tests/milter/hostile_dns_simulate_support.hpp: spf-milter --simulate, the real
// program, against spf-test-dns, the real program, made to misbehave for one
// name with --behaviour (rfc7208-suite/dns_behaviour.hpp). What an administrator
// would see: the mailfrom result line and the SMTP reply, word for word. The
// milter's own CPU time and peak memory come from wait4(), with generous
// limits. Used by hostile_dns_simulate_test.cpp.
#pragma once

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace milter_test {

struct SimulateCase {
    std::string label;        // the test's name: letters, digits and underscores
    std::string zone;         // the zone file spf-test-dns serves
    std::string name;         // the name that misbehaves
    std::string behaviour;    // "wrong-id", "delay:1500", ...
    std::string client;       // --ip; the sender is alice@hostile.example.com
    std::string result_line;  // how the "mailfrom identity:" line starts
    std::string reason_has;   // a word of its reason: "timeout", "server failure"
    std::string reply;        // the "reply at MAIL FROM:" line, exactly
    unsigned dns_timeout_s = 1;
};

inline std::ostream& operator<<(std::ostream& out, const SimulateCase& c) {
    return out << c.name << " " << c.behaviour << ", client " << c.client;
}

inline std::string case_label(const ::testing::TestParamInfo<SimulateCase>& info) { return info.param.label; }

inline const std::string hostile = "hostile.example.com";
inline const std::string allows_client = "v=spf1 ip4:192.0.2.1 -all";
inline const char* const allowed_client = "192.0.2.1";
inline const char* const other_client = "203.0.113.9";

inline const std::string temperror_reply =
    "451 4.7.24 SPF temperror: temporary DNS failure checking hostile.example.com, try again later";
inline const std::string fail_reply =
    "550 5.7.23 SPF fail: 203.0.113.9 is not allowed to send mail for hostile.example.com";

inline std::string zone_with(const std::string& name, const std::string& record) {
    return name + " TXT \"" + record + "\"\n";
}

inline void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// fork + exec with stdout and stderr into `output_fd` (or /dev/null for -1).
inline pid_t start(const std::vector<std::string>& argv, int output_fd) {
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int out = output_fd >= 0 ? output_fd : ::open("/dev/null", O_WRONLY);
        ::dup2(out, 1);
        ::dup2(out, 2);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    return pid;
}

// spf-test-dns for the test's lifetime: started with the case's zone and
// behaviour, stopped (SIGTERM to its own pid) at the end.
class TestDns {
public:
    TestDns(const std::string& directory, const SimulateCase& c) {
        const std::string zone_file = directory + "/world.zone";
        const std::string port_file = directory + "/port";
        write_file(zone_file, c.zone);
        pid_ = start({std::string(SPF_BINARY_DIR) + "/rfc7208-suite/spf-test-dns", "--zone", zone_file, "--port-file",
                      port_file, "--behaviour", c.name + "=" + c.behaviour},
                     -1);
        // The port file appears (by rename) once the server listens.
        for (int i = 0; i < 200 && port_ == 0; ++i) {
            const std::string text = read_file(port_file);
            if (!text.empty()) port_ = static_cast<std::uint16_t>(std::stoul(text));
            if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    ~TestDns() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
    }
    TestDns(const TestDns&) = delete;
    TestDns& operator=(const TestDns&) = delete;
    std::uint16_t port() const { return port_; }

private:
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

struct Run {
    int status = -1;
    std::string output;
    double cpu_seconds = 0;
    long max_rss_kb = 0;
};

inline Run simulate(const std::vector<std::string>& arguments) {
    int pipe_fds[2];
    Run run;
    if (::pipe(pipe_fds) != 0) return run;
    std::vector<std::string> argv{std::string(SPF_BINARY_DIR) + "/milter/spf-milter"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    const pid_t pid = start(argv, pipe_fds[1]);
    ::close(pipe_fds[1]);
    char buffer[4096];
    for (ssize_t got; (got = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;)
        run.output.append(buffer, static_cast<std::size_t>(got));
    ::close(pipe_fds[0]);
    int status = 0;
    rusage usage{};
    if (pid > 0 && ::wait4(pid, &status, 0, &usage) == pid && WIFEXITED(status)) run.status = WEXITSTATUS(status);
    const auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
    run.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    run.max_rss_kb = usage.ru_maxrss;
    return run;
}

// The line that starts with prefix, without it; "(no such line)" if none.
inline std::string line_after(const std::string& text, const std::string& prefix) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
    return "(no such line)";
}

constexpr double max_cpu_seconds = 3.0;
constexpr long max_rss_kb = 128 * 1024;

inline void expect_simulation(const SimulateCase& c) {
    std::string directory = ::testing::TempDir() + "/hostile-dns-XXXXXX";
    ASSERT_NE(::mkdtemp(directory.data()), nullptr);
    const TestDns dns(directory, c);
    ASSERT_NE(dns.port(), 0) << "spf-test-dns did not start";
    const std::string config = directory + "/spf-milter.conf";
    write_file(config, "dns_timeout = " + std::to_string(c.dns_timeout_s) + "\ncheck_timeout = 30\n");

    const Run run = simulate({"--simulate", "-c", config, "--dns-server", "127.0.0.1:" + std::to_string(dns.port()),
                              "--ip", c.client, "--helo", "mail.example.org", "--from", "alice@" + hostile});
    EXPECT_EQ(run.status, 0) << run.output;
    const std::string result = line_after(run.output, "mailfrom identity: ");
    EXPECT_TRUE(result.starts_with(c.result_line + " (")) << "mailfrom identity: " << result;
    EXPECT_NE(result.find(c.reason_has), std::string::npos) << "mailfrom identity: " << result;
    EXPECT_EQ(line_after(run.output, "reply at MAIL FROM: "), c.reply) << run.output;
    EXPECT_FALSE(result.starts_with("pass")) << "a hostile server made the check pass:\n" << run.output;
    EXPECT_FALSE(line_after(run.output, "action: ").starts_with("accept")) << run.output;
    EXPECT_LT(run.cpu_seconds, max_cpu_seconds);
    EXPECT_LT(run.max_rss_kb, max_rss_kb) << "kB of peak memory";
    std::filesystem::remove_all(directory);
}

}  // namespace milter_test
