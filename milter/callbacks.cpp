// milter/callbacks.cpp: the libmilter callbacks. Read, call, apply; nothing is
// decided here (policy.cpp decides). The only file that includes <libmilter/mfapi.h>.
//
// Per connection a Connection (below) holds the Runtime snapshot taken at connect,
// the Session and the current Transaction with its Decision. Stages:
//   negotiate  the Connection is made, with the Runtime snapshot; ask for the
//              macros we read (smfi_setsymlist): {j} at connect,
//              {i} and {auth_authen} from MAIL FROM on (Postfix sends {i} only from
//              DATA unless asked, and even then only once it has a queue file);
//              no reply at the stages that cannot refuse (reply_stages.hpp)
//   connect    the client address from hostaddr (never {client_addr}); NULL = local
//   helo       keep the last name given
//   envfrom    decide(); reject or tempfail here when reject_at = mail
//   envrcpt    reject_at = rcpt: reject or tempfail each recipient but exempt ones
//   header     note incoming Authentication-Results that claim our authserv-id
//   eom        remove those, then add our headers at the top (index 0, above the
//              MTA's own Received: RFC 7208 §9.1, RFC 8601 §5)
// The decision is logged once, at the first stage where the queue id {i} is known;
// a transaction rejected at MAIL FROM or RCPT TO before that, or one that ends
// early (RSET, a new MAIL FROM, abort, close), is logged with NOQUEUE.
// guarded(): an exception in any callback is logged with the queue id and the
// message is tempfailed, never lost and never accepted unchecked; at a stage
// without reply, by the next stage that has one.
#include "milter/callbacks.hpp"

#include "milter/decision_log.hpp"
#include "milter/envelope.hpp"
#include "milter/policy.hpp"
#include "milter/reply_stages.hpp"

#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace milter {

namespace {

Daemon* the_daemon = nullptr;  // set once, before smfi_main(); callbacks have no user data

struct Connection {
    std::shared_ptr<const Runtime> runtime;  // taken at negotiation: the flags were chosen for it
    unsigned long steps = 0;                 // the protocol steps negotiated (SMFIP_*)
    bool failed = false;                     // a stage without a reply failed: tempfail at the next that has one
    Session session;
    std::optional<Transaction> transaction;
    std::optional<Decision> decision;
    int results_seen = 0;             // Authentication-Results fields in this message
    std::vector<int> forged_results;  // their 1-based indexes that claim our authserv-id
    bool logged = false;
};

Connection* connection_of(SMFICTX* ctx) { return static_cast<Connection*>(smfi_getpriv(ctx)); }

std::string macro(SMFICTX* ctx, const char* name) {
    const char* value = smfi_getsymval(ctx, const_cast<char*>(name));
    return value == nullptr ? std::string() : std::string(value);
}

std::optional<spf::IpAddress> address_of(const sockaddr* address) {
    if (address == nullptr) return std::nullopt;
    if (address->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(address);
        std::array<std::uint8_t, 4> bytes{};
        std::memcpy(bytes.data(), &in->sin_addr, bytes.size());
        return spf::IpAddress::v4(bytes);
    }
    if (address->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
        std::array<std::uint8_t, 16> bytes{};
        std::memcpy(bytes.data(), &in6->sin6_addr, bytes.size());
        return spf::IpAddress::v6(bytes).unmapped();
    }
    return std::nullopt;
}

void learn_queue_id(SMFICTX* ctx, Connection& connection) {
    if (connection.transaction && connection.transaction->queue_id.empty())
        connection.transaction->queue_id = macro(ctx, "i");
}

void log_decision(Connection& connection) {
    if (connection.logged || !connection.transaction || !connection.decision) return;
    connection.logged = true;
    the_daemon->log.info(format_decision(connection.session, *connection.transaction, *connection.decision));
}

// Logs the decision now if the queue id is known (or force), else waits for a later stage.
void log_when_known(SMFICTX* ctx, Connection& connection, bool force = false) {
    learn_queue_id(ctx, connection);
    if (force || (connection.transaction && !connection.transaction->queue_id.empty())) log_decision(connection);
}

void end_transaction(Connection& connection) {
    log_decision(connection);
    connection.transaction.reset();
    connection.decision.reset();
    connection.results_seen = 0;
    connection.forged_results.clear();
    connection.logged = false;
}

sfsistat refuse(SMFICTX* ctx, Action action, const Reply& reply) {
    std::string code = reply.code;
    std::string enhanced = reply.enhanced_code;
    std::string text = reply.text.for_setreply();
    if (smfi_setreply(ctx, code.data(), enhanced.data(), text.data()) != MI_SUCCESS)
        the_daemon->log.warning("smfi_setreply refused the reply " + log_value(reply.to_string()));
    return action == Action::reject ? SMFIS_REJECT : SMFIS_TEMPFAIL;
}

// The "no reply" flag of a stage, 0 for a stage that always replies (eom).
unsigned long no_reply_flag(const char* stage) {
    static constexpr std::array<std::pair<std::string_view, unsigned long>, 7> flags = {{
        {"connect", SMFIP_NR_CONN},
        {"helo", SMFIP_NR_HELO},
        {"envfrom", SMFIP_NR_MAIL},
        {"envrcpt", SMFIP_NR_RCPT},
        {"data", SMFIP_NR_DATA},
        {"header", SMFIP_NR_HDR},
        {"eoh", SMFIP_NR_EOH},
    }};
    for (const auto& [name, flag] : flags)
        if (name == stage) return flag;
    return 0;
}

// True when the MTA waits for no reply at this stage (negotiated SMFIP_NR_*).
bool silent(const Connection* connection, const char* stage) {
    return connection != nullptr && (connection->steps & no_reply_flag(stage)) != 0;
}

sfsistat internal_error_reply(SMFICTX* ctx) {
    std::string code = "451", enhanced = "4.3.0", text = "Internal error in the SPF check, try again later";
    smfi_setreply(ctx, code.data(), enhanced.data(), text.data());
    return SMFIS_TEMPFAIL;
}

template <class Body>
sfsistat guarded(SMFICTX* ctx, const char* stage, Body body) {
    std::string what;
    try {
        return body();
    } catch (const std::exception& error) {
        what = error.what();
    } catch (...) {
        what = "unknown exception";
    }
    Connection* connection = connection_of(ctx);
    const bool no_reply = silent(connection, stage);
    try {
        std::string queue_id = macro(ctx, "i");
        the_daemon->log.error((queue_id.empty() ? std::string("NOQUEUE") : log_value(queue_id, 64)) +
                              ": internal error at " + stage + ": " + log_value(what, 300) +
                              (no_reply ? "; the message will be tempfailed" : "; the message is tempfailed"));
        if (!no_reply) return internal_error_reply(ctx);
    } catch (...) {  // nothing more can be done; the tempfail below still protects the mail
    }
    // A stage the MTA expects no reply for cannot refuse: the next stage that
    // replies does (with_connection()), so the mail is never accepted unchecked.
    if (no_reply) {
        connection->failed = true;
        return SMFIS_NOREPLY;
    }
    return SMFIS_TEMPFAIL;
}

// Runs body with the connection. Without one (a callback after a failed
// connect), or after a failure at a stage without reply, a stage that replies
// tempfails. A stage negotiated without reply returns SMFIS_NOREPLY, as
// libmilter requires, whatever body decided (it can only continue there).
template <class Body>
sfsistat with_connection(SMFICTX* ctx, const char* stage, Body body) {
    return guarded(ctx, stage, [&]() -> sfsistat {
        Connection* connection = connection_of(ctx);
        if (connection == nullptr) return no_reply_flag(stage) == 0 ? internal_error_reply(ctx) : SMFIS_CONTINUE;
        const bool no_reply = silent(connection, stage);
        if (connection->failed && !no_reply) {
            the_daemon->log.error(std::string("internal error earlier in the session; tempfailed at ") + stage);
            return internal_error_reply(ctx);
        }
        const sfsistat status = body(*connection);
        return no_reply ? SMFIS_NOREPLY : status;
    });
}

// Asks for the actions we use and the macros we read; drops the body and unknown
// commands, which we never look at; asks for no reply at every stage whose
// answer is always "continue" with this configuration (the MTA then sends the
// next command at once: 5 round trips a message fewer). Only what the MTA
// offers is asked for (libmilter offers the SMFIP_NR_* flags even to an MTA
// that lacks them, and then answers "continue" for us). The Connection is made
// here, with the runtime the flags were chosen for.
// The SMFIP_NR_* flags of the stages that need no reply (reply_stages.hpp).
unsigned long silent_steps(const Config& config) {
    const ReplyStages replies = reply_stages(config);
    unsigned long steps = 0;
    steps |= replies.connect ? 0 : SMFIP_NR_CONN;
    steps |= replies.helo ? 0 : SMFIP_NR_HELO;
    steps |= replies.mail ? 0 : SMFIP_NR_MAIL;
    steps |= replies.rcpt ? 0 : SMFIP_NR_RCPT;
    steps |= replies.data ? 0 : SMFIP_NR_DATA;
    steps |= replies.header ? 0 : SMFIP_NR_HDR;
    steps |= replies.end_of_headers ? 0 : SMFIP_NR_EOH;
    return steps;
}

sfsistat on_negotiate(SMFICTX* ctx, unsigned long actions, unsigned long steps, unsigned long, unsigned long,
                      unsigned long* our_actions, unsigned long* our_steps, unsigned long* flags2,
                      unsigned long* flags3) {
    return guarded(ctx, "negotiate", [&] {
        auto connection = std::make_unique<Connection>();
        connection->runtime = the_daemon->runtimes.current();
        *our_actions = actions & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_SETSYMLIST);
        *our_steps = steps & (SMFIP_NOBODY | SMFIP_NOUNKNOWN | silent_steps(connection->runtime->config));
        connection->steps = *our_steps;
        if (smfi_setpriv(ctx, connection.get()) != MI_SUCCESS) throw std::runtime_error("smfi_setpriv failed");
        connection.release();
        *flags2 = 0;
        *flags3 = 0;
        if ((actions & SMFIF_SETSYMLIST) == 0) return SMFIS_CONTINUE;
        const std::array<std::pair<int, const char*>, 6> lists = {{
            {SMFIM_CONNECT, "j"},
            {SMFIM_ENVFROM, "i {auth_authen}"},
            {SMFIM_ENVRCPT, "i"},
            {SMFIM_DATA, "i"},
            {SMFIM_EOH, "i"},
            {SMFIM_EOM, "i"},
        }};
        for (const auto& [stage, names] : lists) {
            std::string list = names;
            if (smfi_setsymlist(ctx, stage, list.data()) != MI_SUCCESS)
                the_daemon->log.debug("the MTA refused the macro list for stage " + std::to_string(stage));
        }
        return SMFIS_CONTINUE;
    });
}

sfsistat on_connect(SMFICTX* ctx, char*, _SOCK_ADDR* hostaddr) {
    return with_connection(ctx, "connect", [&](Connection& connection) {
        connection.session.client = address_of(hostaddr);
        connection.session.mta_hostname = macro(ctx, "j");
        return SMFIS_CONTINUE;
    });
}

sfsistat on_helo(SMFICTX* ctx, char* name) {
    return with_connection(ctx, "helo", [&](Connection& connection) {
        connection.session.helo = name == nullptr ? "" : name;
        return SMFIS_CONTINUE;
    });
}

sfsistat on_envfrom(SMFICTX* ctx, char** argv) {
    return with_connection(ctx, "envfrom", [&](Connection& connection) {
        end_transaction(connection);  // RSET or a second MAIL FROM: a new transaction
        connection.transaction = Transaction{parse_reverse_path(argv[0] == nullptr ? "" : argv[0]),
                                             macro(ctx, "{auth_authen}"), macro(ctx, "i")};
        const Runtime& runtime = *connection.runtime;
        connection.decision = decide(runtime.config, connection.session, *connection.transaction, *runtime.resolver);
        const Verdict& verdict = connection.decision->verdict;
        const bool refused_here = verdict.stage == RejectStage::mail && verdict.action != Action::accept;
        log_when_known(ctx, connection, refused_here);
        return refused_here ? refuse(ctx, verdict.action, *verdict.reply) : SMFIS_CONTINUE;
    });
}

sfsistat on_envrcpt(SMFICTX* ctx, char** argv) {
    return with_connection(ctx, "envrcpt", [&](Connection& connection) {
        if (!connection.decision) return SMFIS_CONTINUE;
        const Verdict& verdict = connection.decision->verdict;
        const ForwardPath recipient = parse_forward_path(argv[0] == nullptr ? "" : argv[0]);
        const Action action = action_for_recipient(connection.runtime->config, verdict, recipient);
        log_when_known(ctx, connection, action != Action::accept);
        if (action != Action::accept) return refuse(ctx, action, *verdict.reply);
        if (verdict.stage == RejectStage::rcpt && verdict.action != Action::accept)
            the_daemon->log.info(queue_id_or_noqueue(*connection.transaction) +
                                 ": to=" + log_value("<" + recipient.address + ">", 300) + " exempt from the SPF " +
                                 std::string(to_string(verdict.action)));
        return SMFIS_CONTINUE;
    });
}

sfsistat on_data(SMFICTX* ctx) {
    return with_connection(ctx, "data", [&](Connection& connection) {
        log_when_known(ctx, connection);
        return SMFIS_CONTINUE;
    });
}

sfsistat on_header(SMFICTX* ctx, char* name, char* value) {
    return with_connection(ctx, "header", [&](Connection& connection) {
        if (name == nullptr || strcasecmp(name, "Authentication-Results") != 0) return SMFIS_CONTINUE;
        ++connection.results_seen;
        if (connection.decision && connection.decision->verdict.remove_forged_results &&
            claims_authserv_id(value == nullptr ? "" : value, connection.decision->verdict.authserv_id))
            connection.forged_results.push_back(connection.results_seen);
        return SMFIS_CONTINUE;
    });
}

sfsistat on_eoh(SMFICTX* ctx) {
    return with_connection(ctx, "eoh", [&](Connection& connection) {
        log_when_known(ctx, connection);
        return SMFIS_CONTINUE;
    });
}

// RFC 8601 §5: fields that claim our authserv-id came from outside and are forged.
// Removed from the last to the first, so no removal shifts an index still to come,
// and before ours are inserted, which would shift them all. One that cannot be
// removed must not reach readers that trust our authserv-id: the message is
// tempfailed (by guarded()).
void remove_forged_results(SMFICTX* ctx, Connection& connection) {
    std::string name = "Authentication-Results";
    std::sort(connection.forged_results.rbegin(), connection.forged_results.rend());
    for (int index : connection.forged_results) {
        if (smfi_chgheader(ctx, name.data(), index, nullptr) != MI_SUCCESS)
            throw std::runtime_error("smfi_chgheader could not remove Authentication-Results #" +
                                     std::to_string(index));
        the_daemon->log.info(queue_id_or_noqueue(*connection.transaction) +
                             ": removed a forged Authentication-Results field (#" + std::to_string(index) + ")");
    }
}

// Ours go on top, in the verdict's order: inserting each at index 0, last first.
// A header the MTA refuses is logged, and the message goes on: the check itself
// was done, and refusing the mail for its trace field would lose more than it saves.
void add_headers(SMFICTX* ctx, const Connection& connection) {
    const Verdict& verdict = connection.decision->verdict;
    for (auto header = verdict.headers.rbegin(); header != verdict.headers.rend(); ++header) {
        std::string name = header->name;
        std::string value = header->value;
        if (smfi_insheader(ctx, 0, name.data(), value.data()) != MI_SUCCESS)
            the_daemon->log.error(queue_id_or_noqueue(*connection.transaction) + ": the MTA refused to add " + name);
    }
}

sfsistat on_eom(SMFICTX* ctx) {
    return with_connection(ctx, "eom", [&](Connection& connection) {
        if (!connection.decision) return SMFIS_CONTINUE;
        log_when_known(ctx, connection, true);
        remove_forged_results(ctx, connection);
        add_headers(ctx, connection);
        end_transaction(connection);
        return SMFIS_CONTINUE;
    });
}

sfsistat on_abort(SMFICTX* ctx) {
    return with_connection(ctx, "abort", [&](Connection& connection) {
        end_transaction(connection);
        return SMFIS_CONTINUE;
    });
}

sfsistat on_close(SMFICTX* ctx) {
    return guarded(ctx, "close", [&] {
        std::unique_ptr<Connection> connection(connection_of(ctx));
        smfi_setpriv(ctx, nullptr);
        if (connection) end_transaction(*connection);
        return SMFIS_CONTINUE;
    });
}

}  // namespace

std::optional<std::string> open_milter_socket(Daemon& daemon, const SocketSpec& socket) {
    the_daemon = &daemon;
    static std::string name = "spf-milter";
    smfiDesc description{};
    description.xxfi_name = name.data();
    description.xxfi_version = SMFI_VERSION;
    description.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_SETSYMLIST;
    description.xxfi_connect = on_connect;
    description.xxfi_helo = on_helo;
    description.xxfi_envfrom = on_envfrom;
    description.xxfi_envrcpt = on_envrcpt;
    description.xxfi_header = on_header;
    description.xxfi_eoh = on_eoh;
    description.xxfi_eom = on_eom;
    description.xxfi_abort = on_abort;
    description.xxfi_close = on_close;
    description.xxfi_data = on_data;
    description.xxfi_negotiate = on_negotiate;
    if (smfi_register(description) != MI_SUCCESS) return "smfi_register failed";
    std::string connection = socket.text;
    if (smfi_setconn(connection.data()) != MI_SUCCESS) return "smfi_setconn failed for " + socket.text;
    if (smfi_opensocket(false) != MI_SUCCESS) return "cannot listen on " + socket.text;
    return std::nullopt;
}

bool run_milter() { return smfi_main() == MI_SUCCESS; }

}  // namespace milter
