// milter/reload_command.hpp: `spf-milter --reload [--pid PID]`, the client side
// of reload_answer.hpp. main() has already loaded and checked the file (a bad
// one ends there with exit 78, and the daemon is not disturbed); this finds the
// daemon, asks it to reload, and waits for its answer, so that systemd's
// ExecReload= (and so `systemctl reload`) fails when the daemon kept its old
// configuration.
#pragma once

#include "milter/config.hpp"

#include <chrono>
#include <optional>
#include <ostream>

namespace milter {

// pid: --pid, else the pid in config.pid_file; a process that is not named
// spf-milter (/proc/PID/comm) is not signalled. Run as root against a daemon
// that dropped root, the command first becomes the daemon's user: a process may
// only signal its own user's processes, and the answer must be able to reach it.
// Exit status: 0 reloaded; 1 kept the previous configuration, no answer within
// timeout, or the daemon cannot be signalled; 2 no pid to be had.
int request_reload(const Config& config, std::optional<long> pid, std::ostream& out, std::ostream& err,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace milter
