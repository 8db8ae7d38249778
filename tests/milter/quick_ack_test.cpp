// tests/milter/quick_ack_test.cpp: milter/quick_ack.cpp: which accepted
// descriptors are acknowledged at once (TCP, not unix sockets), also when a
// descriptor number is reused by the other kind.
#include "milter/quick_ack.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <utility>

namespace {

// A connected pair over TCP on loopback: {accepted side, client side}.
std::pair<int, int> tcp_pair() {
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    EXPECT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(listen(listener, 1), 0);
    EXPECT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
    const int client = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    const int accepted = accept(listener, nullptr, nullptr);
    close(listener);
    return {accepted, client};
}

TEST(QuickAck, OnlyAcceptedTcpConnectionsAreAcknowledgedAtOnce) {
    auto [accepted, client] = tcp_pair();
    ASSERT_GE(accepted, 0);
    EXPECT_FALSE(milter::acknowledges_at_once(accepted)) << "not noted yet";
    milter::note_accepted(accepted);
    EXPECT_TRUE(milter::acknowledges_at_once(accepted));
    milter::acknowledge_read(accepted);  // must not disturb the connection
    ASSERT_EQ(write(client, "x", 1), 1);
    char byte = 0;
    EXPECT_EQ(read(accepted, &byte, 1), 1);
    EXPECT_EQ(byte, 'x');

    // The number reused by a unix socket: noted again, it is not TCP.
    close(accepted);
    int pair[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    const int reused = dup2(pair[0], accepted);
    ASSERT_EQ(reused, accepted);
    milter::note_accepted(reused);
    EXPECT_FALSE(milter::acknowledges_at_once(reused));
    milter::acknowledge_read(reused);  // a no-op, not an error
    close(reused);
    close(pair[0]);
    close(pair[1]);
    close(client);
}

TEST(QuickAck, DescriptorsOutsideTheTableAreIgnored) {
    milter::note_accepted(-1);
    milter::note_accepted(1 << 20);
    milter::acknowledge_read(1 << 20);
    EXPECT_FALSE(milter::acknowledges_at_once(-1));
    EXPECT_FALSE(milter::acknowledges_at_once(1 << 20));
}

}  // namespace
