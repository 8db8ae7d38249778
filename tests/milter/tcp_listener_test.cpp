// tests/milter/tcp_listener_test.cpp: milter/tcp_listener.cpp finds the process's
// listening socket by its port and sets TCP_NODELAY, which the connections it
// accepts inherit; other sockets are left alone.
#include "milter/tcp_listener.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

struct Fd {
    int fd = -1;
    explicit Fd(int value) : fd(value) {}
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

// A socket on 127.0.0.1 with a port the kernel picks; listening if asked.
int bound_socket(bool listening, std::uint16_t& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return -1;
    if (listening && ::listen(fd, 4) != 0) return -1;
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
    return fd;
}

int nodelay(int fd) {
    int value = -1;
    socklen_t length = sizeof value;
    ::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &length);
    return value;
}

TEST(TcpListener, SetsNodelayOnTheListenerAndItsAcceptedConnectionsInheritIt) {
    std::uint16_t port = 0;
    const Fd listener(bound_socket(true, port));
    ASSERT_GE(listener.fd, 0);
    std::uint16_t other_port = 0;
    const Fd other(bound_socket(true, other_port));
    ASSERT_GE(other.fd, 0);
    ASSERT_EQ(nodelay(listener.fd), 0);

    const auto set = milter::set_nodelay_on_listeners(port);
    ASSERT_TRUE(std::holds_alternative<unsigned>(set)) << std::get<std::string>(set);
    EXPECT_EQ(std::get<unsigned>(set), 1U);
    EXPECT_NE(nodelay(listener.fd), 0);
    EXPECT_EQ(nodelay(other.fd), 0) << "another port is not ours";

    const Fd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    ASSERT_EQ(::connect(client.fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    const Fd accepted(::accept(listener.fd, nullptr, nullptr));
    ASSERT_GE(accepted.fd, 0);
    EXPECT_NE(nodelay(accepted.fd), 0) << "what libmilter accepts has it too";
}

TEST(TcpListener, FindsNothingWhereNothingListens) {
    std::uint16_t port = 0;
    const Fd bound(bound_socket(false, port));  // bound, not listening
    ASSERT_GE(bound.fd, 0);
    const auto set = milter::set_nodelay_on_listeners(port);
    ASSERT_TRUE(std::holds_alternative<unsigned>(set));
    EXPECT_EQ(std::get<unsigned>(set), 0U);
    EXPECT_EQ(nodelay(bound.fd), 0);
}

}  // namespace
