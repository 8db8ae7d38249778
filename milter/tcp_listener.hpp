// milter/tcp_listener.hpp: TCP_NODELAY for the connections libmilter accepts.
// libmilter writes a reply in several small segments (a header insertion,
// then the final answer at end of message) and never sets TCP_NODELAY, so
// over TCP the last segment waits for the MTA's delayed ACK: about 40 ms per
// message. libmilter gives no descriptor of an accepted connection, but on
// Linux an accepted socket inherits TCP_NODELAY from its listener, so the
// option is set once on the socket smfi_opensocket() listens on.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace milter {

// Sets TCP_NODELAY on every listening TCP socket of this process bound to
// `port`; returns how many there were, or an error text.
std::variant<unsigned, std::string> set_nodelay_on_listeners(std::uint16_t port);

}  // namespace milter
