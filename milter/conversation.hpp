// milter/conversation.hpp: one MTA connection, stage by stage, without libmilter.
// callbacks.cpp reads each callback's arguments and macros, hands them to the
// Conversation and applies what comes back (a refusal, header edits); every
// decision about the transaction's life is made here, so that it is unit-tested
// stage by stage (tests/milter/conversation_test.cpp).
//
//   connect      the client address (none = a local submission) and the MTA's {j}
//   helo         the last name given wins
//   mail_from    a new transaction (any earlier one ends first: RSET or a second
//                MAIL FROM); decide(); refused here when reject_at = mail
//   recipient    reject_at = rcpt: each recipient refused but exempt ones
//   header       Authentication-Results that claim our authserv-id are noted
//   end_of_message  the edits: forged fields to remove, our fields to insert
//
// The decision is logged once, at the first stage where the queue id {i} is
// known, or when the transaction ends without one (refused at MAIL FROM, every
// recipient refused, RSET, abort, close): then as NOQUEUE, as Postfix does.
// The queue id arguments are the {i} macro as the MTA sent it at that stage,
// empty when it did not.
#pragma once

#include "milter/connection.hpp"
#include "milter/headers.hpp"
#include "milter/log.hpp"
#include "milter/policy.hpp"
#include "milter/runtime.hpp"
#include "spf/check_host.hpp"
#include "spf/ip_address.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace milter {

// What a stage that can refuse answers: continue (accept), or the action and
// the reply to give. reply points into the Conversation's decision and is valid
// until the next stage.
struct StageAnswer {
    Action action = Action::accept;
    const Reply* reply = nullptr;  // set when action is not accept
};

// What end of message changes in the header.
struct MessageEdits {
    // 1-based indexes among the Authentication-Results fields, highest first:
    // removing them in this order shifts no index still to come (RFC 8601 §5).
    std::vector<int> forged_results;
    // Ours, top-down. They go above the MTA's own Received: (RFC 7208 §9.1), so
    // each is inserted at index 0, the last one first. Empty without a decision.
    const std::vector<HeaderField>* headers = nullptr;
};

class Conversation {
public:
    // runtime: the snapshot taken when the MTA connected; it stays for the whole
    // connection, so a reload never changes the rules in mid-transaction.
    Conversation(std::shared_ptr<const Runtime> runtime, Logger& log, const spf::Clock& clock = spf::system_clock());

    const Runtime& runtime() const { return *runtime_; }
    const Session& session() const { return session_; }
    const std::optional<Decision>& decision() const { return decision_; }

    void connect(std::optional<spf::IpAddress> client, std::string_view mta_hostname);
    void helo(std::string_view name);
    StageAnswer mail_from(std::string_view reverse_path, std::string_view auth_authen, std::string_view queue_id);
    StageAnswer recipient(std::string_view forward_path, std::string_view queue_id);
    void data(std::string_view queue_id);
    void header(std::string_view name, std::string_view value);
    void end_of_headers(std::string_view queue_id);

    // The edits of this message; the caller applies them, reports what failed
    // (forged_result_removed, header_refused), then calls message_done().
    MessageEdits end_of_message(std::string_view queue_id);
    void forged_result_removed(int index);
    void header_refused(std::string_view name);
    void message_done() { end_transaction(); }

    // ABORT (the MTA gave up on the message) and the end of the connection.
    void abort();
    void close();

private:
    void learn_queue_id(std::string_view queue_id);
    std::string client_text() const;
    void log_when_known();
    void log_decision();
    void end_transaction();

    std::shared_ptr<const Runtime> runtime_;
    Logger& log_;
    const spf::Clock& clock_;
    Session session_;
    std::optional<Transaction> transaction_;
    std::optional<Decision> decision_;
    int results_seen_ = 0;             // Authentication-Results fields in this message
    std::vector<int> forged_results_;  // their 1-based indexes that claim our authserv-id
    bool logged_ = false;
    unsigned transactions_ = 0;  // MAIL FROM commands on this connection, for the debug line at close
};

}  // namespace milter
