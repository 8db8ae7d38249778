// milter/callbacks.cpp: the libmilter callbacks. Read the arguments and macros,
// hand them to the connection's Conversation (conversation.hpp: the transaction's
// life, logging, header bookkeeping), apply what it answers. Nothing is decided
// here. The only file that includes <libmilter/mfapi.h>.
//
//   negotiate  the Connection is made, with the Runtime snapshot; ask for the
//              macros we read (smfi_setsymlist): {j} at connect,
//              {i} and {auth_authen} from MAIL FROM on (Postfix sends {i} only from
//              DATA unless asked, and even then only once it has a queue file);
//              no reply at the stages that cannot refuse (reply_stages.hpp), no
//              header fields when none can be removed
//   connect    the client address from hostaddr (never {client_addr}); NULL = local
//   eom        remove forged Authentication-Results, then add ours at the top
// guarded(): an exception in any callback is logged with the queue id and the
// message is tempfailed, never lost and never accepted unchecked; at a stage
// without reply, by the next stage that has one.
#include "milter/callbacks.hpp"

#include "milter/metrics.hpp"

#include "milter/conversation.hpp"
#include "milter/reply_stages.hpp"

#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace milter {

namespace {

Daemon* the_daemon = nullptr;  // set once, before smfi_main(); callbacks have no user data

enum class Stage : std::uint8_t { negotiate, connect, helo, mail, rcpt, data, header, eoh, eom, abort, close };

const char* name_of(Stage stage) {
    static constexpr std::array<const char*, 11> names = {"negotiate", "connect", "helo", "envfrom", "envrcpt", "data",
                                                          "header",    "eoh",     "eom",  "abort",   "close"};
    return names[static_cast<std::size_t>(stage)];
}

// The "no reply" flag of a stage, 0 for a stage that always replies.
unsigned long no_reply_flag(Stage stage) {
    switch (stage) {
        case Stage::connect: return SMFIP_NR_CONN;
        case Stage::helo: return SMFIP_NR_HELO;
        case Stage::mail: return SMFIP_NR_MAIL;
        case Stage::rcpt: return SMFIP_NR_RCPT;
        case Stage::data: return SMFIP_NR_DATA;
        case Stage::header: return SMFIP_NR_HDR;
        case Stage::eoh: return SMFIP_NR_EOH;
        default: return 0;
    }
}

// What libmilter keeps for us per connection (smfi_setpriv).
struct Connection {
    Connection(std::shared_ptr<const Runtime> runtime, Logger& log) : conversation(std::move(runtime), log) {}

    Conversation conversation;
    unsigned long steps = 0;  // the protocol steps negotiated (SMFIP_*)
    bool failed = false;      // a stage without a reply failed: tempfail at the next that has one

    bool silent(Stage stage) const { return (steps & no_reply_flag(stage)) != 0; }
};

Connection* connection_of(SMFICTX* ctx) { return static_cast<Connection*>(smfi_getpriv(ctx)); }

// A macro's value as the MTA sent it at this stage, empty when it did not;
// valid until the callback returns.
std::string_view macro(SMFICTX* ctx, const char* name) {
    const char* value = smfi_getsymval(ctx, const_cast<char*>(name));
    return value == nullptr ? std::string_view() : std::string_view(value);
}

std::string_view argument(char* const* argv) { return argv[0] == nullptr ? std::string_view() : argv[0]; }

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

// libmilter's char* arguments are only read (it copies them into its reply).
char* writable(const std::string& text) { return const_cast<char*>(text.c_str()); }

sfsistat answer(SMFICTX* ctx, const StageAnswer& given) {
    if (given.action == Action::accept) return SMFIS_CONTINUE;
    const Reply& reply = *given.reply;
    if (smfi_setreply(ctx, writable(reply.code), writable(reply.enhanced_code), writable(reply.text.for_setreply())) !=
        MI_SUCCESS)
        the_daemon->log.warning("smfi_setreply refused the reply " + log_value(reply.to_string()));
    return given.action == Action::reject ? SMFIS_REJECT : SMFIS_TEMPFAIL;
}

sfsistat internal_error_reply(SMFICTX* ctx) {
    std::string code = "451", enhanced = "4.3.0", text = "Internal error in the SPF check, try again later";
    smfi_setreply(ctx, code.data(), enhanced.data(), text.data());
    return SMFIS_TEMPFAIL;
}

template <class Body>
sfsistat guarded(SMFICTX* ctx, Stage stage, Body body) {
    std::string what;
    try {
        return body();
    } catch (const std::exception& error) {
        what = error.what();
    } catch (...) {
        what = "unknown exception";
    }
    metrics().internal_error();
    Connection* connection = connection_of(ctx);
    const bool no_reply = connection != nullptr && connection->silent(stage);
    try {
        const std::string_view queue_id = macro(ctx, "i");
        the_daemon->log.error((queue_id.empty() ? std::string("NOQUEUE") : log_value(queue_id, 64)) +
                              ": internal error at " + name_of(stage) + ": " + log_value(what, 300) +
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
// negotiation), or after a failure at a stage without reply, a stage that
// replies tempfails. A stage negotiated without reply returns SMFIS_NOREPLY, as
// libmilter requires, whatever body decided (it can only continue there).
template <class Body>
sfsistat with_connection(SMFICTX* ctx, Stage stage, Body body) {
    return guarded(ctx, stage, [&]() -> sfsistat {
        Connection* connection = connection_of(ctx);
        if (connection == nullptr) return no_reply_flag(stage) == 0 ? internal_error_reply(ctx) : SMFIS_CONTINUE;
        const bool no_reply = connection->silent(stage);
        if (connection->failed && !no_reply) {
            the_daemon->log.error(std::string("internal error earlier in the session; tempfailed at ") +
                                  name_of(stage));
            return internal_error_reply(ctx);
        }
        const sfsistat status = body(connection->conversation);
        return no_reply ? SMFIS_NOREPLY : status;
    });
}

// The protocol steps we ask for with this configuration: no body and no
// unknown commands (never looked at), no header fields when none can be
// removed, and no reply at every stage whose answer is always "continue" (the
// MTA then sends the next command at once: a round trip saved each).
unsigned long wanted_steps(const Config& config) {
    const ReplyStages replies = reply_stages(config);
    unsigned long steps = SMFIP_NOBODY | SMFIP_NOUNKNOWN;
    steps |= replies.connect ? 0 : SMFIP_NR_CONN;
    steps |= replies.helo ? 0 : SMFIP_NR_HELO;
    steps |= replies.mail ? 0 : SMFIP_NR_MAIL;
    steps |= replies.rcpt ? 0 : SMFIP_NR_RCPT;
    steps |= replies.data ? 0 : SMFIP_NR_DATA;
    steps |= replies.header ? 0 : SMFIP_NR_HDR;
    steps |= replies.end_of_headers ? 0 : SMFIP_NR_EOH;
    steps |= reads_header_fields(config) ? 0 : SMFIP_NOHDRS;
    return steps;
}

// Asks for the actions we use, the macros we read and the steps above. Only
// what the MTA offers is asked for (libmilter offers the SMFIP_NR_* flags even
// to an MTA that lacks them, and then answers "continue" for us). The
// Connection is made here, with the runtime the steps were chosen for.
sfsistat on_negotiate(SMFICTX* ctx, unsigned long actions, unsigned long steps, unsigned long, unsigned long,
                      unsigned long* our_actions, unsigned long* our_steps, unsigned long* flags2,
                      unsigned long* flags3) {
    return guarded(ctx, Stage::negotiate, [&] {
        auto connection = std::make_unique<Connection>(the_daemon->runtimes.current(), the_daemon->log);
        *our_actions = actions & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_SETSYMLIST);
        *our_steps = steps & wanted_steps(connection->conversation.runtime().config);
        connection->steps = *our_steps;
        if (the_daemon->log.enabled(LogLevel::debug)) {
            char text[200];
            std::snprintf(text, sizeof text,
                          "negotiated: the MTA offers actions 0x%lx and protocol steps 0x%lx; we take 0x%lx and 0x%lx",
                          actions, steps, *our_actions, *our_steps);
            the_daemon->log.debug(text);
        }
        if (smfi_setpriv(ctx, connection.get()) != MI_SUCCESS) throw std::runtime_error("smfi_setpriv failed");
        connection.release();
        the_daemon->sessions.open();
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
    return with_connection(ctx, Stage::connect, [&](Conversation& conversation) {
        conversation.connect(address_of(hostaddr), macro(ctx, "j"));
        return SMFIS_CONTINUE;
    });
}

sfsistat on_helo(SMFICTX* ctx, char* name) {
    return with_connection(ctx, Stage::helo, [&](Conversation& conversation) {
        conversation.helo(name == nullptr ? std::string_view() : name);
        return SMFIS_CONTINUE;
    });
}

sfsistat on_envfrom(SMFICTX* ctx, char** argv) {
    return with_connection(ctx, Stage::mail, [&](Conversation& conversation) {
        the_daemon->sessions.transactions.fetch_add(1, std::memory_order_relaxed);
        return answer(ctx, conversation.mail_from(argument(argv), macro(ctx, "{auth_authen}"), macro(ctx, "i")));
    });
}

sfsistat on_envrcpt(SMFICTX* ctx, char** argv) {
    return with_connection(ctx, Stage::rcpt, [&](Conversation& conversation) {
        return answer(ctx, conversation.recipient(argument(argv), macro(ctx, "i")));
    });
}

sfsistat on_data(SMFICTX* ctx) {
    return with_connection(ctx, Stage::data, [&](Conversation& conversation) {
        conversation.data(macro(ctx, "i"));
        return SMFIS_CONTINUE;
    });
}

sfsistat on_header(SMFICTX* ctx, char* name, char* value) {
    return with_connection(ctx, Stage::header, [&](Conversation& conversation) {
        conversation.header(name == nullptr ? std::string_view() : name, value == nullptr ? std::string_view() : value);
        return SMFIS_CONTINUE;
    });
}

sfsistat on_eoh(SMFICTX* ctx) {
    return with_connection(ctx, Stage::eoh, [&](Conversation& conversation) {
        conversation.end_of_headers(macro(ctx, "i"));
        return SMFIS_CONTINUE;
    });
}

// A forged field that cannot be removed must not reach readers that trust our
// authserv-id: the message is tempfailed (by guarded()). A header of ours the
// MTA refuses is logged and the message goes on: the check itself was done,
// and refusing the mail for its trace field would lose more than it saves.
sfsistat on_eom(SMFICTX* ctx) {
    return with_connection(ctx, Stage::eom, [&](Conversation& conversation) {
        const MessageEdits edits = conversation.end_of_message(macro(ctx, "i"));
        if (edits.headers == nullptr) return SMFIS_CONTINUE;
        static const std::string results = "Authentication-Results";
        for (int index : edits.forged_results) {
            if (smfi_chgheader(ctx, writable(results), index, nullptr) != MI_SUCCESS)
                throw std::runtime_error("smfi_chgheader could not remove Authentication-Results #" +
                                         std::to_string(index));
            conversation.forged_result_removed(index);
        }
        for (auto header = edits.headers->rbegin(); header != edits.headers->rend(); ++header)
            if (smfi_insheader(ctx, 0, writable(header->name), writable(header->value)) != MI_SUCCESS)
                conversation.header_refused(header->name);
        conversation.message_done();
        return SMFIS_CONTINUE;
    });
}

sfsistat on_abort(SMFICTX* ctx) {
    return with_connection(ctx, Stage::abort, [&](Conversation& conversation) {
        conversation.abort();
        return SMFIS_CONTINUE;
    });
}

sfsistat on_close(SMFICTX* ctx) {
    return guarded(ctx, Stage::close, [&] {
        std::unique_ptr<Connection> connection(connection_of(ctx));
        smfi_setpriv(ctx, nullptr);
        if (!connection) return SMFIS_CONTINUE;
        the_daemon->sessions.end();
        connection->conversation.close();
        return SMFIS_CONTINUE;
    });
}

}  // namespace

std::optional<std::string> open_milter_socket(Daemon& daemon, const SocketSpec& socket, unsigned listen_backlog) {
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
    if (smfi_setbacklog(static_cast<int>(listen_backlog)) != MI_SUCCESS)
        return "smfi_setbacklog refused " + std::to_string(listen_backlog);
    if (smfi_opensocket(false) != MI_SUCCESS) return "cannot listen on " + socket.text;
    return std::nullopt;
}

bool run_milter() { return smfi_main() == MI_SUCCESS; }

}  // namespace milter
