// milter/process.cpp: see process.hpp.
#include "milter/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace milter {

namespace {

std::string system_error(const std::string& what) { return what + ": " + std::strerror(errno); }

// Closes a descriptor at the end of its scope.
class Descriptor {
public:
    explicit Descriptor(int fd) : fd_(fd) {}
    ~Descriptor() {
        if (fd_ >= 0) close(fd_);
    }
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }

private:
    int fd_;
};

// True if something accepts connections on the unix socket at path.
bool someone_listens(const std::string& path) {
    sockaddr_un address{};
    if (path.size() >= sizeof address.sun_path) return false;
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const Descriptor fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return false;
    return connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
}

// The directory mkdir() just made, checked and given to owner through a
// descriptor: between mkdir() and here the name could have been replaced.
std::optional<std::string> take_created_directory(const std::string& directory, const std::optional<UserIds>& owner) {
    const Descriptor fd(open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return system_error("cannot open the socket directory " + directory + " just created");
    struct stat status {};
    if (fstat(fd.get(), &status) != 0) return system_error("cannot inspect the socket directory " + directory);
    if (status.st_uid != geteuid())
        return "the socket directory " + directory + " was replaced right after it was created";
    if (owner && fchown(fd.get(), owner->uid, owner->gid) != 0)
        return system_error("cannot give the socket directory " + directory + " to user " + owner->name);
    return std::nullopt;
}

// What makes the file behind an O_NOFOLLOW descriptor not the socket bind() made.
const char* not_our_socket(const struct stat& status) {
    if (S_ISLNK(status.st_mode)) return "a symbolic link";
    if (!S_ISSOCK(status.st_mode)) return "not a socket";
    if (status.st_nlink != 1) return "more than one link";
    if (status.st_uid != geteuid()) return "owned by someone else";
    return nullptr;
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

std::optional<std::string> prepare_unix_socket(const std::string& path, const std::optional<UserIds>& owner) {
    struct stat status {};
    if (lstat(path.c_str(), &status) != 0) {
        if (errno != ENOENT) return system_error("cannot inspect socket " + path);
        // The default socket lives in /run/spf-milter, which systemd creates
        // (RuntimeDirectory=) but a start by hand does not: make the last level.
        const std::string directory = path.substr(0, path.find_last_of('/'));
        if (directory.empty() || directory == path) return std::nullopt;
        if (mkdir(directory.c_str(), 0755) == 0) return take_created_directory(directory, owner);
        if (errno == EEXIST) return std::nullopt;  // not made by us: left as it is
        return system_error("cannot create the socket directory " + directory);
    }
    if (!S_ISSOCK(status.st_mode)) return path + " exists and is not a socket; not removing it";
    if (someone_listens(path)) return "another process is listening on " + path;
    if (unlink(path.c_str()) != 0) return system_error("cannot remove stale socket " + path);
    return std::nullopt;
}

mode_t socket_umask(unsigned mode) { return static_cast<mode_t>(~mode & 0777U); }

std::optional<std::string> set_socket_permissions(const std::string& path, unsigned mode,
                                                  const std::optional<UserIds>& owner) {
    // A socket cannot be open()ed for reading or writing; O_PATH gives a
    // descriptor of the inode itself, and with O_NOFOLLOW of a symbolic link
    // rather than its target. The checks (fstat) and the chown (fchownat with
    // AT_EMPTY_PATH) go through it, so a name swapped after bind() changes
    // nothing outside. Linux has no fchmod() for O_PATH descriptors, and
    // fchmodat(AT_SYMLINK_NOFOLLOW) would still follow a hard link swapped in:
    // the mode comes from socket_umask() at bind(), and only if that did not give
    // it, chmod() of /proc/self/fd/N, which names our inode, not the path.
    const Descriptor fd(open(path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return system_error("cannot open socket " + path);
    struct stat status {};
    if (fstat(fd.get(), &status) != 0) return system_error("cannot inspect socket " + path);
    if (const char* wrong = not_our_socket(status))
        return "socket " + path + " is not the socket just bound (" + wrong + "); not changing it";
    if ((status.st_mode & 07777) != mode) {
        const std::string by_descriptor = "/proc/self/fd/" + std::to_string(fd.get());
        if (chmod(by_descriptor.c_str(), static_cast<mode_t>(mode)) != 0) return system_error("chmod " + path);
    }
    if (owner && fchownat(fd.get(), "", owner->uid, owner->gid, AT_EMPTY_PATH) != 0)
        return system_error("chown " + path);
    return std::nullopt;
}

std::optional<std::string> write_pid_file(const std::string& path, const std::optional<UserIds>& owner) {
    const std::string name = "pid file " + path;
    // No O_TRUNC: nothing is changed before the checks. O_NONBLOCK: a FIFO
    // planted there fails at once instead of blocking the start.
    const Descriptor fd(open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0644));
    if (!fd.valid()) {
        const int error = errno;
        struct stat link {};
        if (error == ELOOP && lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode))
            return name + " is a symbolic link; not following it";
        errno = error;
        return system_error("cannot write " + name);
    }
    struct stat status {};
    if (fstat(fd.get(), &status) != 0) return system_error("cannot inspect " + name);
    if (!S_ISREG(status.st_mode)) return name + " is not a regular file; not writing to it";
    if (status.st_nlink != 1)
        return name + " has " + std::to_string(status.st_nlink) + " hard links; not writing to it";
    if (status.st_uid != geteuid() && !(owner && status.st_uid == owner->uid))
        return name + " belongs to uid " + std::to_string(status.st_uid) + ", not to this process" +
               (owner ? " or user " + owner->name : "") + "; not writing to it";
    const std::string text = std::to_string(getpid()) + "\n";
    if (ftruncate(fd.get(), 0) != 0) return system_error("cannot truncate " + name);
    if (write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        return system_error("cannot write " + name);
    if (fchmod(fd.get(), 0644) != 0) return system_error("chmod " + path);
    // The file stays root's (or ours): root's tools trust what it says (systemd's
    // PIDFile=, start-stop-daemon, kill $(cat ...)), so the service user must not
    // be able to write another pid into it. Removing it at stop needs only the
    // directory. A file left by an older version, owned by the user, is taken back.
    if (status.st_uid != geteuid() && fchown(fd.get(), geteuid(), getegid()) != 0) return system_error("chown " + path);
    return std::nullopt;
}

std::optional<std::string> remove_at_stop(const std::string& path, const std::string& what) {
    if (unlink(path.c_str()) == 0 || errno == ENOENT) return std::nullopt;
    return system_error("cannot remove " + what + " " + path);
}

std::string listen_failure_reason(const SocketSpec& socket) {
    if (socket.kind == SocketSpec::Kind::unix_path) {
        sockaddr_un address{};
        if (socket.path.size() >= sizeof address.sun_path) return std::strerror(ENAMETOOLONG);
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path, socket.path.c_str(), socket.path.size() + 1);
        const Descriptor fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!fd.valid()) return std::strerror(errno);
        if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
            return std::strerror(errno);
        unlink(socket.path.c_str());  // the probe's own socket: nothing was there
        return "";
    }
    addrinfo hints{};
    hints.ai_family = socket.kind == SocketSpec::Kind::inet ? AF_INET : AF_INET6;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(socket.port);
    const char* host = socket.host.empty() ? nullptr : socket.host.c_str();  // none: any address
    if (const int error = getaddrinfo(host, port.c_str(), &hints, &found); error != 0)
        return "cannot look up " + socket.host + ": " + gai_strerror(error);
    std::string reason;
    const Descriptor fd(::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol));
    const int on = 1;  // as libmilter binds: an old connection in TIME_WAIT is no reason
    if (!fd.valid() || setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        bind(fd.get(), found->ai_addr, found->ai_addrlen) != 0 || listen(fd.get(), 1) != 0)
        reason = std::strerror(errno);
    freeaddrinfo(found);
    return reason;
}

}  // namespace milter
