// milter/policy.hpp: what to do with one transaction. No libmilter here.
// decide() = run_checks() (which identities to evaluate, and evaluating them with
// one shared deadline) + verdict_for() (every result x setting -> SMTP code,
// enhanced code, text and headers). The daemon, --simulate and the tests all call
// decide(), so what --simulate prints is what the daemon does.
//
// The order of RFC 7208 §2.3: the HELO identity first (check_helo), then MAIL FROM.
// A HELO result is final only when it is a fail that helo_fail_action rejects at
// MAIL FROM (then MAIL FROM is not evaluated); a HELO none, or any other HELO
// result, never decides anything alone. For the null sender the MAIL FROM identity
// is postmaster@<helo> (§2.4), which is the HELO check: it is evaluated once.
#pragma once

#include "milter/config.hpp"
#include "milter/connection.hpp"
#include "milter/envelope.hpp"
#include "milter/headers.hpp"
#include "milter/sanitize.hpp"
#include "spf/check_host.hpp"
#include "spf/resolver.hpp"
#include "spf/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace milter {

// Why a transaction was not checked.
enum class SkipReason : std::uint8_t {
    none,               // checked
    local,              // no client address: a local submission
    trusted_network,    // trusted_networks
    skip_network,       // skip_networks
    authenticated,      // {auth_authen} with skip_authenticated
    sender_domain,      // skip_sender_domains
    trusted_forwarder,  // trusted_forwarders: one of those domains' SPF passes the client
};
std::string_view to_string(SkipReason reason);  // "trusted-network", ...

SkipReason skip_reason(const Config& config, const Session& session, const Transaction& transaction);

// trace_clients has the client, or trace_senders the MAIL FROM domain (the
// HELO name for the null sender).
bool traced(const Config& config, const Session& session, const Transaction& transaction);

struct Checks {
    SkipReason skip = SkipReason::none;
    std::optional<spf::Evaluation> helo;      // the HELO identity, when evaluated
    std::optional<spf::Evaluation> mailfrom;  // the MAIL FROM identity, when evaluated
    bool mailfrom_is_helo = false;            // null sender: one evaluation served both (§2.4)
    std::string forwarder;                    // trusted_forwarder: the domain whose SPF passed
    bool traced = false;                      // trace_senders / trace_clients: evaluations carry their trace
    unsigned elapsed_ms = 0;                  // both checks together
};

// Evaluates what the configuration asks for. All DNS of the transaction shares
// one deadline: clock.now() + check_timeout. trusted_forwarders are evaluated
// first, in their order, each as MAIL FROM postmaster@DOMAIN for the client
// (policyd-spf's Domain_Whitelist): the first pass skips the checks. Unlike
// skip_sender_domains this cannot be claimed by a sender: it depends on the
// client's address only. The forwarders share a quarter of check_timeout (at
// least 1 s), so a forwarder that does not pass, temperror included, leaves
// the checks at least three quarters of it.
Checks run_checks(const Config& config, const Session& session, const Transaction& transaction, spf::Resolver& resolver,
                  const spf::Clock& clock);

struct Reply {
    std::string code;           // "550", "451"
    std::string enhanced_code;  // "5.7.23" (RFC 7372), "4.7.24", "5.7.1"
    ReplyText text;
    std::string to_string() const;  // "550 5.7.23 text", as the client reads it
};

struct Verdict {
    Action action = Action::accept;         // what the MTA is told
    Action policy_action = Action::accept;  // what the settings ask for; differs with dry_run only
    RejectStage stage = RejectStage::mail;  // where a reject or tempfail is given
    std::optional<Reply> reply;             // set when policy_action is not accept
    spf::Identity decided_by = spf::Identity::mailfrom;
    bool strict_domain = false;          // refused because the sender domain is in strict_domains
    std::vector<HeaderField> headers;    // top-down order, added at end of message
    bool remove_forged_results = false;  // remove incoming A-R that claim authserv_id
    std::string authserv_id;
};

// strict_domains: for a MAIL FROM domain listed there, any result but pass is
// refused (a temperror with 451 4.7.24, the others with 550 and their code),
// whatever the *_action keys say; dry_run still only logs.
Verdict verdict_for(const Config& config, const Session& session, const Transaction& transaction, const Checks& checks);

struct Decision {
    Checks checks;
    Verdict verdict;
};

Decision decide(const Config& config, const Session& session, const Transaction& transaction, spf::Resolver& resolver,
                const spf::Clock& clock = spf::system_clock());

// reject_at = rcpt (RFC 5321 §4.5.1): exempt recipients are accepted, others get
// the verdict's action. With reject_at = mail every recipient is accepted (a
// rejection has already been given at MAIL FROM).
bool is_exempt(const Config& config, const ForwardPath& recipient);
Action action_for_recipient(const Config& config, const Verdict& verdict, const ForwardPath& recipient);

// The <sender> an identity was checked as (spf::sender_for(): postmaster@<helo> for
// HELO and the null sender, postmaster@domain for "@domain"): what headers and
// --simulate name.
std::string checked_sender(spf::Identity identity, const Session& session, const Transaction& transaction);

// receiver / authserv_id, or the MTA's {j}, or "unknown" (RFC 7208 §7.3) when neither is known.
std::string receiver_name(const Config& config, const Session& session);
std::string authserv_id_of(const Config& config, const Session& session);

}  // namespace milter
