// milter/reload_answer.hpp: how `spf-milter --reload` learns whether the running
// daemon took the new configuration. A bare SIGHUP (kill -HUP, or an older
// ExecReload=) reloads and answers nothing. The reload command instead sends
// SIGHUP with sigqueue() and reload_request_value; the signal thread keeps the
// sender (as a pidfd, so that an answer can never reach another process that
// reused its pid), and once the reload that follows the request is over the
// daemon answers it with reload_answer_signal() and a value that says reloaded or
// kept, and the generation now running. Signals need no file or socket that
// systemd's sandbox, a chroot or the service user's rights would have to allow.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace milter {

inline constexpr int reload_request_value = 0x53504652;  // "SPFR": a request that wants an answer
// A real-time signal: those queue, so a stray signal of the same number that
// arrives first cannot swallow the answer (a standard signal pending twice is
// delivered once).
inline int reload_answer_signal() { return SIGRTMIN + 2; }

struct ReloadAnswer {
    bool reloaded = false;         // false: the previous configuration was kept
    std::uint64_t generation = 0;  // the configuration generation running now
    bool restart_needed = false;   // reloaded, but a changed key waits for a restart
};

// The answer in a signal's int value, and back. Generations beyond what fits
// (2^30 reloads) wrap; the value is only ever compared by the asking process
// with the answer it got.
int encode_reload_answer(const ReloadAnswer& answer);
ReloadAnswer decode_reload_answer(int value);

// A process that asked for a reload and waits for its answer. Move-only.
class ReloadRequester {
public:
    // nullopt if the process is gone already.
    static std::optional<ReloadRequester> open(pid_t pid);
    ReloadRequester(ReloadRequester&& other) noexcept;
    ReloadRequester& operator=(ReloadRequester&& other) noexcept;
    ReloadRequester(const ReloadRequester&) = delete;
    ReloadRequester& operator=(const ReloadRequester&) = delete;
    ~ReloadRequester();

    pid_t pid() const { return pid_; }
    // Sends the answer; false if it could not (the process has ended, or it
    // runs as a user this process may not signal).
    bool answer(const ReloadAnswer& answer) const;

private:
    ReloadRequester(int pidfd, pid_t pid) : pidfd_(pidfd), pid_(pid) {}
    int pidfd_ = -1;
    pid_t pid_ = 0;
};

}  // namespace milter
