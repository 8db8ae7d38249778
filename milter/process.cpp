// milter/process.cpp: see process.hpp.
#include "milter/process.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

namespace milter {

namespace {

std::string system_error(const std::string& what) { return what + ": " + std::strerror(errno); }

// True if something accepts connections on the unix socket at path.
bool someone_listens(const std::string& path) {
    sockaddr_un address{};
    if (path.size() >= sizeof address.sun_path) return false;
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const bool connected = connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    return connected;
}

}  // namespace

std::variant<UserIds, std::string> lookup_user(const std::string& name) {
    long size = sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(static_cast<std::size_t>(size > 0 ? size : 16384));
    passwd entry{};
    passwd* found = nullptr;
    const int status = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (status != 0) return "cannot look up user '" + name + "': " + std::strerror(status);
    if (found == nullptr) return "unknown user '" + name + "'";
    return UserIds{name, entry.pw_uid, entry.pw_gid};
}

std::optional<std::string> drop_privileges(const UserIds& user) {
    if (geteuid() == user.uid && getegid() == user.gid) return std::nullopt;
    if (geteuid() != 0) return "cannot become user '" + user.name + "': not running as root";
    if (initgroups(user.name.c_str(), user.gid) != 0) return system_error("initgroups(" + user.name + ")");
    if (setgid(user.gid) != 0) return system_error("setgid");
    if (setuid(user.uid) != 0) return system_error("setuid");
    if (user.uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) return "root privileges could be regained after setuid";
    return std::nullopt;
}

std::optional<std::string> prepare_unix_socket(const std::string& path) {
    struct stat status {};
    if (lstat(path.c_str(), &status) != 0) {
        if (errno != ENOENT) return system_error("cannot inspect socket " + path);
        // The default socket lives in /run/spf-milter, which systemd creates
        // (RuntimeDirectory=) but a start by hand does not: make the last level.
        const std::string directory = path.substr(0, path.find_last_of('/'));
        if (directory.empty() || directory == path) return std::nullopt;
        if (mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST)
            return system_error("cannot create the socket directory " + directory);
        return std::nullopt;
    }
    if (!S_ISSOCK(status.st_mode)) return path + " exists and is not a socket; not removing it";
    if (someone_listens(path)) return "another process is listening on " + path;
    if (unlink(path.c_str()) != 0) return system_error("cannot remove stale socket " + path);
    return std::nullopt;
}

std::optional<std::string> set_socket_permissions(const std::string& path, unsigned mode,
                                                  const std::optional<UserIds>& owner) {
    if (owner && chown(path.c_str(), owner->uid, owner->gid) != 0) return system_error("chown " + path);
    if (chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) return system_error("chmod " + path);
    return std::nullopt;
}

std::optional<std::string> write_pid_file(const std::string& path, const std::optional<UserIds>& owner) {
    {
        std::ofstream file(path, std::ios::trunc);
        if (!file) return system_error("cannot write pid file " + path);
        file << getpid() << '\n';
        if (!file.flush()) return system_error("cannot write pid file " + path);
    }
    if (owner && chown(path.c_str(), owner->uid, owner->gid) != 0) return system_error("chown " + path);
    return std::nullopt;
}

}  // namespace milter
