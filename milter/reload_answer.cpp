// milter/reload_answer.cpp: see reload_answer.hpp.
#include "milter/reload_answer.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <utility>

namespace milter {

// Bit 0: a key waits for a restart; bits 1..30: the generation; -1: kept.
int encode_reload_answer(const ReloadAnswer& answer) {
    if (!answer.reloaded) return -1;
    const auto generation = static_cast<int>(answer.generation & 0x3fffffffU);
    return generation << 1 | (answer.restart_needed ? 1 : 0);
}

ReloadAnswer decode_reload_answer(int value) {
    if (value < 0) return {};
    return {true, static_cast<std::uint64_t>(value >> 1), (value & 1) != 0};
}

// Through syscall(): the pidfd wrappers of glibc 2.36 are declared in
// <sys/pidfd.h> only, and the numbers are the same on every Linux since 5.3.
std::optional<ReloadRequester> ReloadRequester::open(pid_t pid) {
    if (pid <= 0 || pid == getpid()) return std::nullopt;
    const long fd = syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) return std::nullopt;
    return ReloadRequester(static_cast<int>(fd), pid);
}

ReloadRequester::ReloadRequester(ReloadRequester&& other) noexcept
    : pidfd_(std::exchange(other.pidfd_, -1)), pid_(other.pid_) {}

ReloadRequester& ReloadRequester::operator=(ReloadRequester&& other) noexcept {
    if (this != &other) {
        if (pidfd_ >= 0) close(pidfd_);
        pidfd_ = std::exchange(other.pidfd_, -1);
        pid_ = other.pid_;
    }
    return *this;
}

ReloadRequester::~ReloadRequester() {
    if (pidfd_ >= 0) close(pidfd_);
}

bool ReloadRequester::answer(const ReloadAnswer& answer) const {
    // A value travels only with si_code SI_QUEUE, as sigqueue() would send it;
    // the kernel accepts that from a process for another one it may signal.
    siginfo_t info;
    std::memset(&info, 0, sizeof info);
    info.si_signo = reload_answer_signal();
    info.si_code = SI_QUEUE;
    info.si_pid = getpid();
    info.si_uid = getuid();
    info.si_value.sival_int = encode_reload_answer(answer);
    return syscall(SYS_pidfd_send_signal, pidfd_, reload_answer_signal(), &info, 0) == 0;
}

}  // namespace milter
