// milter/tcp_listener.cpp: see tcp_listener.hpp. The listener is found among
// the process's descriptors (/proc/self/fd): a stream socket that accepts
// connections, of family AF_INET or AF_INET6, whose local port is ours.
#include "milter/tcp_listener.hpp"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

namespace milter {

namespace {

struct CloseDir {
    void operator()(DIR* directory) const { ::closedir(directory); }
};

bool int_option(int fd, int level, int name, int& value) {
    socklen_t length = sizeof value;
    return ::getsockopt(fd, level, name, &value, &length) == 0;
}

std::optional<std::uint16_t> local_port(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return std::nullopt;
    if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
    if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
    return std::nullopt;
}

bool is_tcp_listener_on(int fd, std::uint16_t port) {
    int type = 0;
    int accepting = 0;
    if (!int_option(fd, SOL_SOCKET, SO_TYPE, type) || type != SOCK_STREAM) return false;
    if (!int_option(fd, SOL_SOCKET, SO_ACCEPTCONN, accepting) || accepting == 0) return false;
    return local_port(fd) == port;
}

}  // namespace

std::variant<unsigned, std::string> set_nodelay_on_listeners(std::uint16_t port) {
    const std::unique_ptr<DIR, CloseDir> directory(::opendir("/proc/self/fd"));
    if (!directory) return std::string("cannot read /proc/self/fd: ") + std::strerror(errno);
    const int own = ::dirfd(directory.get());
    unsigned set = 0;
    while (const dirent* entry = ::readdir(directory.get())) {
        const std::string_view name = entry->d_name;
        int fd = -1;
        const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), fd);
        if (error != std::errc() || end != name.data() + name.size() || fd == own) continue;
        if (!is_tcp_listener_on(fd, port)) continue;
        const int on = 1;
        if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0)
            return "setsockopt TCP_NODELAY: " + std::string(std::strerror(errno));
        ++set;
    }
    return set;
}

}  // namespace milter
