// milter/decision_log.hpp: the one info line logged per decision.
// "QUEUEID: client=192.0.2.10 helo=mail.example.com envelope-from=<alice@example.com>
//  identity=mailfrom result=fail mechanism=-all lookups=1 void=0 ms=12 helo-result=none
//  action=reject at=mail reply="550 5.7.23 ..."" (one line). Values from the network
// go through log_value() (quoted, escaped, capped). The queue id is the MTA's {i};
// a transaction that ends before the MTA gives one is logged as NOQUEUE, as Postfix
// itself does.
#pragma once

#include "milter/connection.hpp"
#include "milter/policy.hpp"

#include <string>
#include <vector>

namespace milter {

std::string format_decision(const Session& session, const Transaction& transaction, const Decision& decision);

// log_format = json: the same decision as one JSON object on one line, every
// value a JSON string, number or true ({"queue_id":"4BqR5x1Z2Pz","client":...}),
// network text capped as in the text line ("truncated":true when cut).
// A traced decision has "traced":true; its trace is in the lines before it.
std::string format_decision_json(const Session& session, const Transaction& transaction, const Decision& decision);

// trace_senders / trace_clients: the text spf-query --trace prints for each
// identity evaluated, one log line each, prefixed with the queue id and the
// identity ("4BqR5x1Z2Pz: trace mailfrom:   dns    TXT example.com -> ...").
// Control characters from DNS are shown as '?', so a line stays one line.
std::vector<std::string> format_trace_lines(const Transaction& transaction, const Decision& decision);

// "NOQUEUE" when the id is not known yet.
std::string queue_id_or_noqueue(const Transaction& transaction);

}  // namespace milter
