// spf/posix_socket.hpp: the little POSIX plumbing the resolver and the test DNS
// server share: a descriptor that closes itself, a sockaddr for an address and
// port, errno as text. Header-only so that both link it without a library.
#pragma once

#include "spf/ip_address.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

namespace spf::posix {

// Owns one file descriptor; -1 is "none".
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
    int family() const { return storage.ss_family; }
};

inline SocketAddress socket_address(const IpAddress& address, std::uint16_t port) {
    SocketAddress result;
    if (address.is_v4()) {
        sockaddr_in v4{};
        v4.sin_family = AF_INET;
        v4.sin_port = htons(port);
        std::memcpy(&v4.sin_addr, address.data(), 4);
        std::memcpy(&result.storage, &v4, sizeof v4);
        result.length = sizeof v4;
    } else {
        sockaddr_in6 v6{};
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(port);
        std::memcpy(&v6.sin6_addr, address.data(), 16);
        std::memcpy(&result.storage, &v6, sizeof v6);
        result.length = sizeof v6;
    }
    return result;
}

inline std::string error_text(int error) { return std::strerror(error); }

}  // namespace spf::posix
