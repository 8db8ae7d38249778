// milter/config_warnings.hpp: settings that are valid but will misbehave, for
// `spf-milter -n` and the daemon's start (logged as warnings; never fatal).
// The MTA side cannot be read from here, so the warnings name the defaults of
// the MTAs: Postfix's milter_command_timeout is 30 s, Sendmail's read timeout
// of a milter (T=R:) 10 s; a check that outlasts them has its answer thrown
// away and the message handled by the MTA's default action instead. A socket
// inside Postfix's queue directory is taken to serve Postfix, and gets no
// warning about Sendmail's timeout.
#pragma once

#include "milter/config.hpp"

#include <string>
#include <vector>

namespace milter {

inline constexpr unsigned postfix_milter_timeout_s = 30;   // milter_command_timeout
inline constexpr unsigned sendmail_milter_timeout_s = 10;  // T=R:10s

// One sentence a warning, naming the key.
std::vector<std::string> config_warnings(const Config& config);

}  // namespace milter
