// milter/process.hpp: what the daemon does to the system around it at start-up
// and stop: the unix socket file and its directory, the pid file, dropping root
// for `user`, and removing the files again.
// The order (start() in daemon.cpp): look the user up (unknown: refuse to start),
// prepare the socket path, let libmilter bind (smfi_opensocket) under
// socket_umask(), give the socket to the user, write the pid file, then drop
// privileges. Errors are text for a fatal line.
//
// All of it runs as root, in directories the service user may write to (systemd's
// RuntimeDirectory= gives /run/spf-milter to that user). Such a user can put a
// symbolic link or a hard link where the daemon expects its own file, hoping root
// will write or chown through it (/etc/shadow). So nothing here opens, chmods or
// chowns by a path that user could replace: files are opened with O_NOFOLLOW,
// checked through the descriptor (kind, link count, owner) and changed through it.
#pragma once

#include "milter/config.hpp"

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
// last directory of it is created (mode 0755, less the umask) and, with an owner,
// given to that user and its group, so that the daemon can still remove its socket
// (and a pid file kept there) at stop, once it is no longer root.
std::optional<std::string> prepare_unix_socket(const std::string& path,
                                               const std::optional<UserIds>& owner = std::nullopt);

// The umask under which bind() creates the socket with exactly `mode`: the socket
// is never more open than asked, not even between bind() and the chown.
mode_t socket_umask(unsigned mode);

// After binding: checks that path is still the socket just bound (a socket, not a
// symbolic link, one link, ours), then, through a descriptor of it, sets mode if
// the umask did not and, with an owner, gives it to the user and its group, so
// that the MTA (a member of that group) can connect with the default 0660.
std::optional<std::string> set_socket_permissions(const std::string& path, unsigned mode,
                                                  const std::optional<UserIds>& owner);

// Writes "PID\n" to path, mode 0644, owned by us (root), never by owner: root's
// tools trust a pid file. Refuses a symbolic link at path (its target is never
// touched), anything but a regular file, a file with more than one link, and a
// file owned by anyone but us or owner (one of owner's is taken back).
std::optional<std::string> write_pid_file(const std::string& path, const std::optional<UserIds>& owner);

// At stop: unlinks path (what: "socket", "pid file"). Already gone is fine; any
// other failure (a root-owned directory once privileges are dropped) is the text
// of a warning: "cannot remove pid file PATH: Permission denied".
std::optional<std::string> remove_at_stop(const std::string& path, const std::string& what);

// Why socket cannot be listened on, as strerror() says it ("Address already in
// use"), by binding the address again; "" if that works now. libmilter's
// smfi_opensocket() reports only that it failed (its reason goes to syslog).
std::string listen_failure_reason(const SocketSpec& socket);

}  // namespace milter
