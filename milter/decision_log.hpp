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

namespace milter {

std::string format_decision(const Session& session, const Transaction& transaction, const Decision& decision);

// "NOQUEUE" when the id is not known yet.
std::string queue_id_or_noqueue(const Transaction& transaction);

}  // namespace milter
