// milter/reload_command.cpp: see reload_command.hpp.
#include "milter/reload_command.hpp"

#include "milter/options.hpp"
#include "milter/reload_answer.hpp"

#include <grp.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <string>
#include <variant>

namespace milter {

namespace {

std::string errno_text() { return std::strerror(errno); }

std::optional<long> parse_pid(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    long pid = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), pid);
    if (error != std::errc{} || end != text.data() + text.size() || pid <= 0) return std::nullopt;
    return pid;
}

// The pid in the pid file, or why there is none.
std::variant<long, std::string> pid_from_file(const Config& config) {
    if (config.pid_file.empty())
        return "no --pid given and " + config.source + " sets no pid_file: give the daemon's pid with --pid";
    std::ifstream file(config.pid_file);
    std::string line;
    if (!file || !std::getline(file, line)) return "cannot read the pid file " + config.pid_file;
    if (auto pid = parse_pid(line)) return *pid;
    return "the pid file " + config.pid_file + " holds no pid";
}

struct Ids {
    uid_t uid = 0;
    gid_t gid = 0;
};

// The real user and group of a process, from /proc/PID/status.
std::optional<Ids> ids_of(long pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
    while (std::getline(status, line)) {
        const auto first_number = [&](std::size_t from) {
            std::size_t begin = line.find_first_not_of(" \t", from);
            if (begin == std::string::npos) begin = line.size();
            std::size_t end = line.find_first_of(" \t", begin);
            if (end == std::string::npos) end = line.size();
            unsigned long value = 0;
            const auto [stop, error] = std::from_chars(line.data() + begin, line.data() + end, value);
            return error == std::errc{} && stop == line.data() + end ? std::optional<unsigned long>(value)
                                                                     : std::nullopt;
        };
        if (line.starts_with("Uid:")) {
            if (auto value = first_number(4)) uid = static_cast<uid_t>(*value);
        } else if (line.starts_with("Gid:")) {
            if (auto value = first_number(4)) gid = static_cast<gid_t>(*value);
        }
    }
    if (!uid || !gid) return std::nullopt;
    return Ids{*uid, *gid};
}

// The process's command name (/proc/PID/comm), "" if it cannot be read.
std::string command_of(long pid) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    std::getline(file, name);
    return name;
}

// Root becomes the daemon's user (see reload_command.hpp), for good: nothing
// after this needs root.
std::optional<std::string> become_user_of(long pid) {
    if (geteuid() != 0) return std::nullopt;
    const auto ids = ids_of(pid);
    if (!ids) return "cannot read the user of pid " + std::to_string(pid) + " from /proc";
    if (ids->uid == 0) return std::nullopt;
    if (setgroups(0, nullptr) != 0 || setresgid(ids->gid, ids->gid, ids->gid) != 0 ||
        setresuid(ids->uid, ids->uid, ids->uid) != 0)
        return "cannot become uid " + std::to_string(ids->uid) + ": " + errno_text();
    return std::nullopt;
}

}  // namespace

int request_reload(const Config& config, std::optional<long> pid_option, std::ostream& out, std::ostream& err,
                   std::chrono::milliseconds timeout) {
    long pid = 0;
    if (pid_option) {
        pid = *pid_option;
    } else {
        auto found = pid_from_file(config);
        if (auto* error = std::get_if<std::string>(&found)) {
            err << "spf-milter: " << *error << "\n";
            return exit_usage;
        }
        pid = std::get<long>(found);
    }
    const auto target = static_cast<pid_t>(pid);
    const std::string who = "pid " + std::to_string(pid);
    if (kill(target, 0) != 0 && errno == ESRCH) {
        err << "spf-milter: no process has " << who << "\n";
        return exit_failure;
    }
    // A stale pid file or a mistyped --pid must not send SIGHUP to another
    // program (most die of it; for pid 1 it means something else entirely).
    if (const std::string name = command_of(pid); name != "spf-milter") {
        err << "spf-milter: " << who << " is " << (name.empty() ? "unknown" : "'" + name + "'")
            << ", not spf-milter: not signalled\n";
        return exit_failure;
    }
    if (auto error = become_user_of(pid)) {
        err << "spf-milter: " << *error << "\n";
        return exit_failure;
    }
    // The answer is taken with sigtimedwait(): blocked before the request goes
    // out, so that an early answer waits instead of ending this process.
    sigset_t answers;
    sigemptyset(&answers);
    sigaddset(&answers, reload_answer_signal());
    sigset_t previous;
    sigprocmask(SIG_BLOCK, &answers, &previous);
    struct Restore {
        sigset_t mask;
        ~Restore() { sigprocmask(SIG_SETMASK, &mask, nullptr); }
    } restore{previous};

    sigval value{};
    value.sival_int = reload_request_value;
    if (sigqueue(target, SIGHUP, value) != 0) {
        err << "spf-milter: cannot signal " << who << ": " << errno_text()
            << (errno == EPERM ? " (run --reload as root or as the daemon's user)" : "") << "\n";
        return exit_failure;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto left =
            std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        timespec wait{};
        wait.tv_sec = static_cast<time_t>(left.count() / 1'000'000'000);
        wait.tv_nsec = static_cast<long>(left.count() % 1'000'000'000);
        siginfo_t info{};
        if (sigtimedwait(&answers, &info, &wait) < 0) {
            if (errno == EINTR) continue;
            break;  // EAGAIN: the time is up
        }
        if (info.si_code != SI_QUEUE || info.si_pid != target) continue;  // not the daemon's answer
        const ReloadAnswer answer = decode_reload_answer(info.si_value.sival_int);
        if (!answer.reloaded) {
            err << "spf-milter: " << who << " kept its previous configuration: the reload failed; its log says "
                << "why (it reads the file it was started with, here " << config.source << ")\n";
            return exit_failure;
        }
        out << "spf-milter: " << who << " reloaded " << config.source << " (generation " << answer.generation << ")"
            << (answer.restart_needed ? "; a changed restart-only key takes effect after a restart" : "") << "\n";
        return exit_ok;
    }
    err << "spf-milter: " << who << " did not answer within " << std::chrono::duration<double>(timeout).count()
        << " s (an spf-milter too old to answer reloads all the same): its log says whether it reloaded\n";
    return exit_failure;
}

}  // namespace milter
