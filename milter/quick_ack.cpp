// milter/quick_ack.cpp: see quick_ack.hpp.
#include "milter/quick_ack.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstddef>

namespace milter {

namespace {

// One flag per descriptor number; a number is reused only after close, and
// the next accept() that returns it sets its flag again. Descriptors beyond
// the table (a process with more than 65,536 open) keep delayed ACKs.
std::array<std::atomic<bool>, 65'536> tcp_connection{};

bool in_table(int fd) { return fd >= 0 && static_cast<std::size_t>(fd) < tcp_connection.size(); }

bool is_tcp(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return false;
    return address.ss_family == AF_INET || address.ss_family == AF_INET6;
}

}  // namespace

void note_accepted(int fd) {
    if (!in_table(fd)) return;
    const bool tcp = is_tcp(fd);
    tcp_connection[static_cast<std::size_t>(fd)].store(tcp, std::memory_order_relaxed);
    if (tcp) acknowledge_read(fd);
}

void acknowledge_read(int fd) {
    if (!in_table(fd) || !tcp_connection[static_cast<std::size_t>(fd)].load(std::memory_order_relaxed)) return;
    const int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);  // a failure only leaves delayed ACKs
}

bool acknowledges_at_once(int fd) {
    return in_table(fd) && tcp_connection[static_cast<std::size_t>(fd)].load(std::memory_order_relaxed);
}

}  // namespace milter
