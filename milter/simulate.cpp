// milter/simulate.cpp: see simulate.hpp.
// Which headers are shown: the daemon adds them at end of message, so they are
// shown when the message would get there: accepted at MAIL FROM, or (reject_at =
// rcpt) accepted for at least the recipient given (without --rcpt, for exempt
// recipients). A reply is shown for the stage where it would be given.
#include "milter/simulate.hpp"

#include "milter/headers.hpp"
#include "spf/cli/trace_format.hpp"
#include "spf/cli/zone_file.hpp"
#include "spf/zone.hpp"

namespace milter {

namespace {

std::string stage_name(RejectStage stage) { return stage == RejectStage::mail ? "MAIL FROM" : "RCPT TO"; }

// True if the message would reach end of message, where headers are added.
bool headers_added(const Simulation& simulation) {
    const Verdict& verdict = simulation.decision.verdict;
    if (verdict.action == Action::accept) return true;
    if (verdict.stage == RejectStage::mail) return false;
    return !simulation.recipient || simulation.recipient_action == Action::accept;
}

// --- JSON -------------------------------------------------------------------

using spf::cli::json_string;

class JsonObject {
public:
    JsonObject& add(std::string_view key, std::string_view raw_value) {
        text_ += (text_.empty() ? "{" : ",") + json_string(key) + ":" + std::string(raw_value);
        return *this;
    }
    JsonObject& text(std::string_view key, std::string_view value) { return add(key, json_string(value)); }
    JsonObject& number(std::string_view key, unsigned value) { return add(key, std::to_string(value)); }
    JsonObject& boolean(std::string_view key, bool value) { return add(key, value ? "true" : "false"); }
    std::string str() const { return text_.empty() ? "{}" : text_ + "}"; }

private:
    std::string text_;
};

// spf-query's JSON of the Evaluation (spf/cli/trace_format.hpp), with the sender checked added first.
std::string json_evaluation(const std::optional<spf::Evaluation>& evaluation, const std::string& mailbox) {
    if (!evaluation) return "null";
    std::string json = spf::cli::format_json(*evaluation);
    while (!json.empty() && json.back() == '\n') json.pop_back();
    return "{\"sender\":" + json_string(mailbox) + "," + json.substr(1);
}

std::string json_reply(const std::optional<Reply>& reply) {
    if (!reply) return "null";
    return JsonObject()
        .text("code", reply->code)
        .text("enhanced_code", reply->enhanced_code)
        .text("text", reply->text.wire())
        .text("line", reply->to_string())
        .str();
}

// --- text -------------------------------------------------------------------

// Text from DNS (reasons, explanations) may hold terminal escapes: shown as SafeText.
std::string shown(std::string_view text) { return SafeText::from(text, 4096).str(); }

std::string text_evaluation(std::string_view label, const spf::Evaluation& evaluation, const std::string& mailbox) {
    std::string text = std::string(label) + std::string(spf::to_string(evaluation.result));
    if (!evaluation.reason.empty()) text += " (" + shown(evaluation.reason) + ")";
    text += "\n    sender " + shown(mailbox) + ", domain " + shown(evaluation.domain);
    text += "\n    mechanism " + (evaluation.matched_term.empty() ? std::string("-") : shown(evaluation.matched_term));
    text += ", lookups " + std::to_string(evaluation.counters.dns_terms) + ", void lookups " +
            std::to_string(evaluation.counters.void_lookups) + ", DNS queries " +
            std::to_string(evaluation.counters.dns_queries) + ", from the cache " +
            std::to_string(evaluation.counters.cache_hits);
    if (!evaluation.explanation.empty()) text += "\n    explanation: " + shown(evaluation.explanation);
    return text + "\n";
}

std::string mailbox_for(spf::Identity identity, const Simulation& simulation) {
    return checked_sender(identity, simulation.session, simulation.transaction);
}

std::string action_line(const Simulation& simulation) {
    const Verdict& verdict = simulation.decision.verdict;
    if (verdict.policy_action == Action::accept) return "accept";
    std::string text = std::string(to_string(verdict.action));
    if (verdict.action == Action::accept)
        text += " (dry run: would " + std::string(to_string(verdict.policy_action)) + ")";
    else
        text += " at " + stage_name(verdict.stage);
    if (verdict.stage == RejectStage::rcpt && verdict.action != Action::accept) {
        text += ", except exempt recipients";
        if (simulation.recipient)
            text += "; RCPT TO:<" + shown(simulation.recipient->address) + "> gets " +
                    std::string(to_string(simulation.recipient_action));
    }
    return text;
}

}  // namespace

std::variant<Simulation, std::string> simulate(const Config& config, const SimulateOptions& request,
                                               spf::Resolver& resolver, const spf::Clock& clock,
                                               const std::string& mta_hostname) {
    const auto client = spf::IpAddress::parse(request.ip);
    if (!client) return "--ip '" + request.ip + "' is not an IP address";
    Simulation simulation;
    simulation.session.client = client->unmapped();
    simulation.session.helo = request.helo;
    simulation.session.mta_hostname = mta_hostname;
    simulation.transaction.reverse_path = parse_reverse_path(request.from);
    simulation.decision = decide(config, simulation.session, simulation.transaction, resolver, clock);
    if (request.rcpt) {
        simulation.recipient = parse_forward_path(*request.rcpt);
        simulation.recipient_action = action_for_recipient(config, simulation.decision.verdict, *simulation.recipient);
    }
    return simulation;
}

std::variant<ResolverFactory, std::string> simulation_resolvers(const SimulateOptions& request) {
    if (!request.zone_file) return ResolverFactory(make_ldns_resolver);
    auto zone = spf::cli::read_zone_file(*request.zone_file);
    if (auto* error = std::get_if<std::string>(&zone)) return std::move(*error);
    // Read once; the configuration's dns_servers and dns_timeout do not apply.
    auto resolver = std::make_shared<spf::ZoneResolver>(std::get<spf::Zone>(std::move(zone)));
    return ResolverFactory([resolver](const Config&) -> std::variant<std::shared_ptr<spf::Resolver>, std::string> {
        return std::shared_ptr<spf::Resolver>(resolver);
    });
}

std::string format_text(const Config& config, const Simulation& simulation) {
    const Checks& checks = simulation.decision.checks;
    const Verdict& verdict = simulation.decision.verdict;
    const ReversePath& path = simulation.transaction.reverse_path;
    std::string text = "configuration: " + config.source + "\n";
    text += "client: " + simulation.session.client->to_string() + "\n";
    text += "helo: " + shown(simulation.session.helo) + "\n";
    text += "envelope-from: <" + shown(path.address) + ">" + (path.null_sender ? " (null sender)" : "") + "\n";
    if (checks.skip != SkipReason::none) {
        text += "skip: " + std::string(to_string(checks.skip)) + " (not checked, no headers)\n";
    } else {
        text += "skip: no\n";
        if (checks.helo)
            text += text_evaluation("helo identity: ", *checks.helo, mailbox_for(spf::Identity::helo, simulation));
        if (checks.mailfrom_is_helo)
            text += "mailfrom identity: the helo check (null sender, RFC 7208 section 2.4)\n";
        else if (checks.mailfrom)
            text += text_evaluation("mailfrom identity: ", *checks.mailfrom,
                                    mailbox_for(spf::Identity::mailfrom, simulation));
        else
            text += "mailfrom identity: not checked (the HELO fail is rejected at MAIL FROM)\n";
    }
    text += "action: " + action_line(simulation) + "\n";
    if (verdict.reply) {
        const bool given = verdict.action != Action::accept &&
                           (!simulation.recipient || simulation.recipient_action != Action::accept ||
                            verdict.stage == RejectStage::mail);
        text += std::string(given ? "reply at " : "reply that would be given at ") + stage_name(verdict.stage) + ": " +
                verdict.reply->to_string() + "\n";
    }
    if (!headers_added(simulation) || verdict.headers.empty()) {
        text += "headers: none\n";
    } else {
        text += "headers:\n";
        for (const HeaderField& header : verdict.headers) text += header.name + ": " + header.value + "\n";
    }
    return text;
}

std::string format_json(const Config& config, const Simulation& simulation) {
    const Checks& checks = simulation.decision.checks;
    const Verdict& verdict = simulation.decision.verdict;
    std::string headers = "[";
    if (headers_added(simulation)) {
        for (const HeaderField& header : verdict.headers)
            headers += (headers.size() > 1 ? "," : "") +
                       JsonObject().text("name", header.name).text("value", header.value).str();
    }
    headers += "]";
    std::string recipient = "null";
    if (simulation.recipient)
        recipient = JsonObject()
                        .text("address", simulation.recipient->address)
                        .boolean("exempt", is_exempt(config, *simulation.recipient))
                        .text("action", to_string(simulation.recipient_action))
                        .str();
    return JsonObject()
               .text("configuration", config.source)
               .text("client_ip", simulation.session.client->to_string())
               .text("helo", simulation.session.helo)
               .text("envelope_from", simulation.transaction.reverse_path.address)
               .boolean("null_sender", simulation.transaction.reverse_path.null_sender)
               .add("skip", checks.skip == SkipReason::none ? "null" : json_string(to_string(checks.skip)))
               .add("helo_check", json_evaluation(checks.helo, mailbox_for(spf::Identity::helo, simulation)))
               .add("mailfrom_check",
                    json_evaluation(checks.mailfrom, mailbox_for(spf::Identity::mailfrom, simulation)))
               .boolean("mailfrom_is_helo", checks.mailfrom_is_helo)
               .number("elapsed_ms", checks.elapsed_ms)
               .text("action", to_string(verdict.action))
               .text("policy_action", to_string(verdict.policy_action))
               .boolean("dry_run", config.dry_run)
               .text("stage", verdict.stage == RejectStage::mail ? "mail" : "rcpt")
               .add("reply", json_reply(verdict.reply))
               .add("rcpt", recipient)
               .add("headers", headers)
               .str() +
           "\n";
}

}  // namespace milter
