// milter/process.hpp: what the daemon does to the system around it at start-up:
// the unix socket file, the pid file, and dropping root for `user`.
// The order (main.cpp): look the user up (unknown: refuse to start), prepare the
// socket path, let libmilter bind (smfi_opensocket), set the socket's mode and
// owner, write the pid file, then drop privileges. Errors are text for a fatal line.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <variant>

namespace milter {

struct UserIds {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;  // the user's primary group
};

std::variant<UserIds, std::string> lookup_user(const std::string& name);

// initgroups, setgid, setuid; then checks that root cannot be regained.
// A no-op when already running as that user.
std::optional<std::string> drop_privileges(const UserIds& user);

// Before binding a unix socket: a socket file that nobody listens on is stale and
// removed; a socket someone answers on means another daemon runs (error); any
// other kind of file is never removed (error). A missing path is fine; a missing
// last directory of it is created (mode 0755).
std::optional<std::string> prepare_unix_socket(const std::string& path);

// After binding: chmod to mode and, with a user, chown to the user and its group,
// so that the MTA (a member of that group) can connect with the default 0660.
std::optional<std::string> set_socket_permissions(const std::string& path, unsigned mode,
                                                  const std::optional<UserIds>& owner);

std::optional<std::string> write_pid_file(const std::string& path, const std::optional<UserIds>& owner);

}  // namespace milter
