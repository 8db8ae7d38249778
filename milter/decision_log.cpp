// milter/decision_log.cpp: see decision_log.hpp.
#include "milter/decision_log.hpp"

#include "milter/sanitize.hpp"

namespace milter {

namespace {

void field(std::string& line, std::string_view key, std::string_view value) {
    line += ' ';
    line += key;
    line += '=';
    line += value;
}

void evaluation_fields(std::string& line, const spf::Evaluation& evaluation) {
    field(line, "result", spf::to_string(evaluation.result));
    if (!evaluation.matched_term.empty()) field(line, "mechanism", log_value(evaluation.matched_term, 200));
    field(line, "lookups", std::to_string(evaluation.counters.dns_terms));
    field(line, "void", std::to_string(evaluation.counters.void_lookups));
    if (evaluation.result == spf::Result::temperror || evaluation.result == spf::Result::permerror)
        field(line, "problem", log_value(evaluation.reason, 200));
}

}  // namespace

std::string queue_id_or_noqueue(const Transaction& transaction) {
    return transaction.queue_id.empty() ? "NOQUEUE" : log_value(transaction.queue_id, 64);
}

std::string format_decision(const Session& session, const Transaction& transaction, const Decision& decision) {
    const Checks& checks = decision.checks;
    const Verdict& verdict = decision.verdict;
    std::string line = queue_id_or_noqueue(transaction) + ":";
    field(line, "client", session.client ? session.client->unmapped().to_string() : "local");
    field(line, "helo", log_value(session.helo, 255));
    field(line, "envelope-from", log_value("<" + transaction.reverse_path.address + ">", 300));
    if (checks.skip != SkipReason::none) {
        field(line, "skip", to_string(checks.skip));
        if (!checks.forwarder.empty()) field(line, "forwarder", checks.forwarder);
        field(line, "action", "accept");
        return line;
    }
    const bool by_helo = verdict.decided_by == spf::Identity::helo;
    const spf::Evaluation& deciding = by_helo ? *checks.helo : *checks.mailfrom;
    field(line, "identity", by_helo ? "helo" : "mailfrom");
    evaluation_fields(line, deciding);
    field(line, "ms", std::to_string(checks.elapsed_ms));
    // The message's DNS, both identities: queries sent, answers from the cache.
    unsigned queries = 0;
    unsigned cached = 0;
    for (const auto* check : {&checks.helo, &checks.mailfrom}) {
        if (!*check || (check == &checks.mailfrom && checks.mailfrom_is_helo)) continue;
        queries += (*check)->counters.dns_queries;
        cached += (*check)->counters.cache_hits;
    }
    field(line, "queries", std::to_string(queries));
    field(line, "cached", std::to_string(cached));
    if (!by_helo && checks.helo && !checks.mailfrom_is_helo)
        field(line, "helo-result", spf::to_string(checks.helo->result));
    if (by_helo && checks.mailfrom && !checks.mailfrom_is_helo)
        field(line, "mailfrom-result", spf::to_string(checks.mailfrom->result));
    field(line, "action", to_string(verdict.action));
    if (verdict.strict_domain) field(line, "strict-domain", "yes");
    if (verdict.action != verdict.policy_action) {
        field(line, "dry-run", "yes");
        field(line, "would", to_string(verdict.policy_action));
    }
    if (verdict.reply) {
        field(line, "at", to_string(verdict.stage));
        field(line, "reply", log_value(verdict.reply->to_string(), 300));
    }
    return line;
}

}  // namespace milter
