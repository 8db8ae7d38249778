// milter/callbacks.hpp: the libmilter side of the daemon, behind plain functions,
// so that callbacks.cpp stays the only file that includes <libmilter/mfapi.h>.
#pragma once

#include "milter/config.hpp"
#include "milter/log.hpp"
#include "milter/memory.hpp"
#include "milter/runtime.hpp"

#include <optional>
#include <string>

namespace milter {

// What the callbacks share: the current snapshot (each connection keeps the one
// it started with) and the log.
struct Daemon {
    RuntimeHolder& runtimes;
    Logger& log;
    SessionCounts& sessions;  // counted at negotiation and at close
};

// Registers the filter (smfi_register), sets the socket (smfi_setconn) and its
// listen backlog (smfi_setbacklog) and binds it (smfi_opensocket). Call once, as
// the user that may bind, before dropping privileges. daemon must outlive
// run_milter(). Sessions are served by libmilter's pool of worker threads, which
// grows with the sessions active at once and shrinks when they end; libmilter
// offers no limit on it.
std::optional<std::string> open_milter_socket(Daemon& daemon, const SocketSpec& socket, unsigned listen_backlog);

// libmilter's loop (smfi_main), until SIGTERM or SIGINT. False if it failed.
bool run_milter();

}  // namespace milter
