// milter/connection.hpp: per-connection and per-transaction state, plain data.
// Session is what the connection told us (xxfi_connect, xxfi_helo, the {j} macro);
// Transaction is one MAIL FROM and what follows it. policy.hpp reads both; the
// daemon's callbacks (callbacks.cpp) fill them in; --simulate builds them from the
// command line. No libmilter types here.
#pragma once

#include "milter/envelope.hpp"
#include "spf/ip_address.hpp"

#include <optional>
#include <string>

namespace milter {

struct Session {
    // The client's address from xxfi_connect's hostaddr, v4-mapped already unmapped.
    // Empty when the MTA gave none: a local submission (sendmail -bs), never checked.
    std::optional<spf::IpAddress> client;
    std::string helo;          // the last HELO/EHLO argument, as received
    std::string mta_hostname;  // the MTA's {j} macro: default authserv-id and receiver
};

struct Transaction {
    ReversePath reverse_path;
    std::string auth_authen;  // the {auth_authen} macro: the SASL login, if any
    std::string queue_id;     // the {i} macro, once the MTA gives it
};

}  // namespace milter
