// milter/daemon.hpp: the long-running mode of spf-milter: start-up in a fixed
// order, the reload thread, and libmilter's loop until SIGTERM.
#pragma once

#include "milter/config.hpp"
#include "milter/options.hpp"

namespace milter {

// Returns the exit status (options.hpp). The process stays in the foreground.
int run_daemon(const Options& options, Config config);

}  // namespace milter
