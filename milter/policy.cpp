// milter/policy.cpp: see policy.hpp.
// Reply codes (RFC 7208 §8, RFC 7372): fail 550 5.7.23 with the domain's explanation
// or reject_text; temperror and permerror x.7.24; softfail, neutral and none x.7.1
// (RFC 3463: delivery not authorised). A "tempfail" action gives 451 and the 4.x.x
// form of the same enhanced code. When both identities call for an action, the
// stricter wins (reject over tempfail over accept), the HELO identity on a tie.
#include "milter/policy.hpp"

#include "milter/config_values.hpp"

#include <algorithm>
#include <chrono>
#include <future>
#include <system_error>

namespace milter {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

int severity(Action action) {
    switch (action) {
        case Action::accept: return 0;
        case Action::tempfail: return 1;
        case Action::reject: return 2;
    }
    return 0;
}

// domain is listed: equal to an entry, or below a ".example.com" one.
bool domain_listed(const std::vector<std::string>& list, std::string_view name) {
    if (name.empty()) return false;
    std::string domain = lower_case(name);
    if (domain.back() == '.') domain.pop_back();
    return std::any_of(list.begin(), list.end(), [&](const std::string& entry) {
        if (entry.front() != '.') return domain == entry;
        return domain.size() > entry.size() && domain.ends_with(entry);
    });
}

bool sender_domain_skipped(const Config& config, const ReversePath& path) {
    if (path.null_sender) return false;
    return domain_listed(config.skip_sender_domains, path.domain);
}

// The first trusted forwarder whose SPF passes the client, or "".
std::string passing_forwarder(const Config& config, const Session& session, spf::Resolver& resolver,
                              const spf::CheckOptions& options) {
    for (const std::string& domain : config.trusted_forwarders) {
        const spf::Request request{spf::Identity::mailfrom, session.client->unmapped(), "postmaster@" + domain,
                                   session.helo};
        if (spf::check_identity(request, resolver, options).result == spf::Result::pass) return domain;
    }
    return {};
}

spf::CheckOptions options_for(const Config& config, const Session& session, const spf::Clock& clock) {
    spf::CheckOptions options;
    options.deadline = clock.now() + std::chrono::seconds(config.check_timeout_s);
    options.clock = &clock;
    options.default_explanation = config.reject_text;
    options.receiver = receiver_name(config, session);
    options.prefetch = config.dns_prefetch;
    return options;
}

Reply reply_for(spf::Result result, Action action, const spf::Evaluation& evaluation, const spf::IpAddress& client,
                const std::string& prefix) {
    const bool temporary = action == Action::tempfail;
    const std::string domain = SafeText::from(evaluation.domain, SafeText::domain_cap).str();
    const std::string reason = SafeText::from(evaluation.reason).str();
    const std::string ip = client.to_string();
    std::string text;
    std::string detail = "7.1";
    switch (result) {
        case spf::Result::fail:
            detail = "7.23";
            text = !evaluation.explanation.empty() ? SafeText::from(evaluation.explanation, 4096).str()
                                                   : "SPF fail: " + ip + " is not allowed to send mail for " + domain;
            break;
        case spf::Result::softfail:
            text = "SPF softfail: " + domain + " does not designate " + ip + " as a permitted sender";
            break;
        case spf::Result::neutral: text = "SPF neutral: " + domain + " neither permits nor denies " + ip; break;
        case spf::Result::none: text = "SPF none: " + (reason.empty() ? "no SPF policy for " + domain : reason); break;
        case spf::Result::temperror:
            detail = "7.24";
            text = "SPF temperror: temporary DNS failure checking " + domain + ", try again later";
            break;
        case spf::Result::permerror:
            detail = "7.24";
            text = "SPF permerror for " + domain + ": " + reason;
            break;
        case spf::Result::pass: text = "SPF pass"; break;
    }
    return Reply{temporary ? "451" : "550", (temporary ? "4." : "5.") + detail,
                 ReplyText::from(SafeText::from(prefix + text, 4096))};
}

SpfReport report_of(spf::Identity identity, const spf::Evaluation& evaluation, const Session& session,
                    const Transaction& transaction) {
    return SpfReport{identity, evaluation.result,
                     SafeText::from(checked_sender(identity, session, transaction), SafeText::mailbox_cap),
                     SafeText::from(evaluation.matched_term), SafeText::from(evaluation.reason)};
}

std::vector<HeaderField> headers_for(const Config& config, const Session& session, const Transaction& transaction,
                                     const Checks& checks, const std::string& authserv_id) {
    std::vector<HeaderField> headers;
    if (!session.client) return headers;
    const HeaderContext context{
        SafeText::from(receiver_name(config, session), SafeText::domain_cap),
        SafeText::from(authserv_id, SafeText::domain_cap),
        *session.client,
        SafeText::from(transaction.reverse_path.null_sender ? "<>" : transaction.reverse_path.address,
                       SafeText::mailbox_cap),
        SafeText::from(session.helo, SafeText::domain_cap),
    };
    std::optional<SpfReport> helo;
    std::optional<SpfReport> mailfrom;
    if (checks.helo) helo = report_of(spf::Identity::helo, *checks.helo, session, transaction);
    if (checks.mailfrom) mailfrom = report_of(spf::Identity::mailfrom, *checks.mailfrom, session, transaction);
    if (config.add_authentication_results && (helo || mailfrom))
        headers.push_back(authentication_results(context, mailfrom ? &*mailfrom : nullptr, helo ? &*helo : nullptr));
    if (config.add_received_spf) {
        // The MAIL FROM identity first: it is the one DMARC and most readers use.
        if (mailfrom) headers.push_back(received_spf(context, *mailfrom));
        if (helo) headers.push_back(received_spf(context, *helo));
    }
    return headers;
}

}  // namespace

std::string_view to_string(SkipReason reason) {
    switch (reason) {
        case SkipReason::none: return "none";
        case SkipReason::local: return "local";
        case SkipReason::trusted_network: return "trusted-network";
        case SkipReason::skip_network: return "skip-network";
        case SkipReason::authenticated: return "authenticated";
        case SkipReason::sender_domain: return "sender-domain";
        case SkipReason::trusted_forwarder: return "trusted-forwarder";
    }
    return "?";
}

std::string receiver_name(const Config& config, const Session& session) {
    if (!config.receiver.empty()) return config.receiver;
    return session.mta_hostname.empty() ? "unknown" : session.mta_hostname;
}

std::string authserv_id_of(const Config& config, const Session& session) {
    if (!config.authserv_id.empty()) return config.authserv_id;
    return session.mta_hostname.empty() ? "unknown" : session.mta_hostname;
}

std::string checked_sender(spf::Identity identity, const Session& session, const Transaction& transaction) {
    return spf::sender_for(identity, transaction.reverse_path.address, session.helo);
}

std::string Reply::to_string() const { return code + " " + enhanced_code + " " + text.wire(); }

SkipReason skip_reason(const Config& config, const Session& session, const Transaction& transaction) {
    if (!session.client) return SkipReason::local;
    const spf::IpAddress client = session.client->unmapped();
    if (contains(config.trusted_networks, client)) return SkipReason::trusted_network;
    if (contains(config.skip_networks, client)) return SkipReason::skip_network;
    if (config.skip_authenticated && !transaction.auth_authen.empty()) return SkipReason::authenticated;
    if (sender_domain_skipped(config, transaction.reverse_path)) return SkipReason::sender_domain;
    return SkipReason::none;
}

bool traced(const Config& config, const Session& session, const Transaction& transaction) {
    if (session.client && contains(config.trace_clients, session.client->unmapped())) return true;
    const std::string_view domain =
        transaction.reverse_path.null_sender ? std::string_view(session.helo) : transaction.reverse_path.domain;
    return domain_listed(config.trace_senders, domain);
}

Checks run_checks(const Config& config, const Session& session, const Transaction& transaction, spf::Resolver& resolver,
                  const spf::Clock& clock) {
    Checks checks;
    checks.skip = skip_reason(config, session, transaction);
    if (checks.skip != SkipReason::none) return checks;

    const auto started = clock.now();
    spf::CheckOptions options = options_for(config, session, clock);
    checks.traced = traced(config, session, transaction);
    options.trace = checks.traced;
    const auto elapsed = [&] {
        return static_cast<unsigned>(duration_cast<milliseconds>(clock.now() - started).count());
    };
    if (!config.trusted_forwarders.empty()) {
        // A quarter of check_timeout at most, so that a forwarder whose DNS
        // does not answer cannot spend the real checks' time and turn every
        // message into a temperror.
        spf::CheckOptions forwarder_options = options;
        forwarder_options.trace = false;
        const auto budget = std::max<std::chrono::milliseconds>(
            std::chrono::seconds(1), std::chrono::milliseconds(config.check_timeout_s * 1000U / 4U));
        forwarder_options.deadline = std::min(options.deadline, clock.now() + budget);
        checks.forwarder = passing_forwarder(config, session, resolver, forwarder_options);
        if (!checks.forwarder.empty()) {
            checks.skip = SkipReason::trusted_forwarder;
            checks.elapsed_ms = elapsed();
            return checks;
        }
    }
    spf::Request request{spf::Identity::helo, session.client->unmapped(), transaction.reverse_path.address,
                         session.helo};
    // A client that never said HELO (Postfix allows it by default) has no HELO
    // identity to check: only MAIL FROM is reported.
    const bool check_helo = config.check_helo && !session.helo.empty();
    const bool mailfrom_own = !transaction.reverse_path.null_sender;  // else the HELO check is reused
    // The two identities are independent (§2.3): with prefetch on they are
    // checked at the same time, so that the slower decides the wait, not the
    // sum. MAIL FROM may then be checked in vain when the HELO fail ends the
    // transaction below; serially it would not have been asked. When both
    // records are kept by the cache, the checks take microseconds each: a thread
    // would cost more than it saves, and under load its start waits for a core.
    // (Should a kept record's terms need lookups that are not, the two checks
    // share the deadline one after the other, as with dns_prefetch = no.)
    const auto both_kept = [&] {
        return resolver.keeps({session.helo, spf::RrType::txt}) &&
               resolver.keeps({transaction.reverse_path.domain, spf::RrType::txt});
    };
    std::future<spf::Evaluation> helo_running;
    if (check_helo && mailfrom_own && config.dns_prefetch && !both_kept()) {
        try {
            helo_running = std::async(std::launch::async, [request, &resolver, &options] {
                return spf::check_identity(request, resolver, options);
            });
        } catch (const std::system_error&) {  // no thread to be had: one after the other
        }
    }
    std::optional<spf::Evaluation> mailfrom_early;
    if (helo_running.valid()) {
        spf::Request mailfrom = request;
        mailfrom.identity = spf::Identity::mailfrom;
        mailfrom_early = spf::check_identity(mailfrom, resolver, options);
        checks.helo = helo_running.get();
    } else if (check_helo) {
        checks.helo = spf::check_identity(request, resolver, options);
    }

    // §2.3: a HELO fail that will be rejected at MAIL FROM ends the transaction, so
    // MAIL FROM is not worth its DNS. With dry_run or reject_at = rcpt the message
    // may still be delivered and its headers need the MAIL FROM result.
    const bool helo_final = checks.helo && checks.helo->result == spf::Result::fail &&
                            config.helo_fail_action != Action::accept && !config.dry_run &&
                            config.reject_at == RejectStage::mail;
    if (checks.helo && !mailfrom_own) {
        checks.mailfrom = checks.helo;
        checks.mailfrom_is_helo = true;
    } else if (!helo_final) {
        if (mailfrom_early) {
            checks.mailfrom = std::move(mailfrom_early);
        } else {
            request.identity = spf::Identity::mailfrom;
            checks.mailfrom = spf::check_identity(request, resolver, options);
        }
    }
    checks.elapsed_ms = elapsed();
    return checks;
}

Verdict verdict_for(const Config& config, const Session& session, const Transaction& transaction,
                    const Checks& checks) {
    Verdict verdict;
    verdict.stage = config.reject_at;
    verdict.authserv_id = authserv_id_of(config, session);
    if (checks.skip != SkipReason::none) {
        // A skipped sender domain does not make the client trusted: A-R fields that
        // claim to be ours are still forged; nor does a forwarder (it is not ours).
        // Trusted and authenticated clients are ours.
        verdict.remove_forged_results = config.remove_forged_results && (checks.skip == SkipReason::sender_domain ||
                                                                         checks.skip == SkipReason::trusted_forwarder);
        return verdict;
    }
    verdict.remove_forged_results = config.remove_forged_results;

    const Action helo_action =
        checks.helo && checks.helo->result == spf::Result::fail ? config.helo_fail_action : Action::accept;
    Action mailfrom_action = checks.mailfrom ? action_for(config, checks.mailfrom->result) : Action::accept;
    const std::string_view mailfrom_domain =
        transaction.reverse_path.null_sender ? std::string_view(session.helo) : transaction.reverse_path.domain;
    if (checks.mailfrom && checks.mailfrom->result != spf::Result::pass &&
        domain_listed(config.strict_domains, mailfrom_domain)) {
        verdict.strict_domain = true;
        mailfrom_action = checks.mailfrom->result == spf::Result::temperror ? Action::tempfail : Action::reject;
    }
    const bool by_helo = severity(helo_action) >= severity(mailfrom_action) && helo_action != Action::accept;
    verdict.decided_by = by_helo || !checks.mailfrom ? spf::Identity::helo : spf::Identity::mailfrom;
    verdict.policy_action = by_helo ? helo_action : mailfrom_action;
    verdict.action = config.dry_run ? Action::accept : verdict.policy_action;
    if (verdict.policy_action != Action::accept) {
        const spf::Evaluation& deciding = by_helo ? *checks.helo : *checks.mailfrom;
        // First in the text, which the client may see cut to 200 octets.
        const std::string prefix =
            verdict.strict_domain && !by_helo
                ? SafeText::from(mailfrom_domain, SafeText::domain_cap).str() + " accepts only SPF pass here: "
                : std::string();
        verdict.reply = reply_for(deciding.result, verdict.policy_action, deciding, session.client->unmapped(), prefix);
    }
    verdict.headers = headers_for(config, session, transaction, checks, verdict.authserv_id);
    return verdict;
}

Decision decide(const Config& config, const Session& session, const Transaction& transaction, spf::Resolver& resolver,
                const spf::Clock& clock) {
    Decision decision;
    decision.checks = run_checks(config, session, transaction, resolver, clock);
    decision.verdict = verdict_for(config, session, transaction, decision.checks);
    return decision;
}

bool is_exempt(const Config& config, const ForwardPath& recipient) {
    const std::string local_part = lower_case(recipient.local_part);
    const std::string address = recipient.domain.empty() ? local_part : local_part + "@" + lower_case(recipient.domain);
    return std::any_of(config.exempt_recipients.begin(), config.exempt_recipients.end(), [&](const std::string& entry) {
        return entry.find('@') == std::string::npos ? entry == local_part : entry == address;
    });
}

Action action_for_recipient(const Config& config, const Verdict& verdict, const ForwardPath& recipient) {
    if (verdict.stage != RejectStage::rcpt || is_exempt(config, recipient)) return Action::accept;
    return verdict.action;
}

}  // namespace milter
