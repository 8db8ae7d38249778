// milter/reply_stages.hpp: which protocol stages need a reply from us with a
// configuration. A stage whose answer is always "continue" is negotiated with
// libmilter's SMFIP_NR_* flag (callbacks.cpp): the MTA then sends the next
// command at once instead of waiting for our "continue", a round trip saved.
// Pure, so that the choice per configuration is unit-tested.
#pragma once

#include "milter/config.hpp"

namespace milter {

struct ReplyStages {
    // true: the stage can refuse (or must answer) and the MTA waits for us.
    bool connect = false;
    bool helo = false;
    bool mail = true;
    bool rcpt = true;
    bool data = false;
    bool header = false;
    bool end_of_headers = false;
    // End of message always replies: our headers and the final answer go there.
    friend bool operator==(const ReplyStages&, const ReplyStages&) = default;
};

// MAIL FROM refuses only with reject_at = mail, RCPT TO only with reject_at =
// rcpt, and neither in a dry run; connect, HELO, DATA, the header fields and
// their end never refuse. The same over TCP: there an MTA with Nagle on would
// hold its next small packet until our delayed ACK of one we do not answer
// (Postfix at DATA, where smtpd hands the connection to cleanup: 47 ms a
// message), but every read from a TCP connection is acknowledged at once
// (quick_ack.hpp).
ReplyStages reply_stages(const Config& config);

// Whether the header fields are needed at all: only to find forged
// Authentication-Results (remove_forged_results). Without them the MTA is asked
// not to send the header (SMFIP_NOHDRS): one command per field fewer.
bool reads_header_fields(const Config& config);

}  // namespace milter
