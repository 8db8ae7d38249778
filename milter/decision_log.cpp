// milter/decision_log.cpp: see decision_log.hpp.
#include "milter/decision_log.hpp"

#include "milter/sanitize.hpp"
#include "spf/cli/trace_format.hpp"

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

// The evaluations a decision reports: HELO, then MAIL FROM unless it is the
// same evaluation (the null sender).
std::vector<std::pair<const char*, const spf::Evaluation*>> evaluations_of(const Checks& checks) {
    std::vector<std::pair<const char*, const spf::Evaluation*>> list;
    if (checks.helo) list.emplace_back("helo", &*checks.helo);
    if (checks.mailfrom && !checks.mailfrom_is_helo) list.emplace_back("mailfrom", &*checks.mailfrom);
    return list;
}

// JSON values from the network are capped as in the text line, so that a
// decision stays one bounded line (syslog daemons cut long ones: rsyslog at
// 8 KiB by default, which would leave broken JSON).
class JsonObject {
public:
    JsonObject& text(std::string_view key, std::string_view value, std::size_t cap = 300) {
        if (value.size() > cap) {
            truncated_ = true;
            value = value.substr(0, cap);
        }
        return raw(key, spf::cli::json_string(value));
    }
    JsonObject& number(std::string_view key, std::uint64_t value) { return raw(key, std::to_string(value)); }
    JsonObject& raw(std::string_view key, std::string_view json) {
        out_ += out_.empty() ? "{" : ",";
        out_ += spf::cli::json_string(key);
        out_ += ':';
        out_ += json;
        return *this;
    }
    std::string done() {
        if (truncated_) raw("truncated", "true");
        return out_.empty() ? "{}" : out_ + "}";
    }

private:
    std::string out_;
    bool truncated_ = false;  // a value was cut to its cap
};

}  // namespace

std::string format_decision_json(const Session& session, const Transaction& transaction, const Decision& decision) {
    const Checks& checks = decision.checks;
    const Verdict& verdict = decision.verdict;
    JsonObject json;
    json.text("queue_id", transaction.queue_id.empty() ? "NOQUEUE" : transaction.queue_id, 64);
    json.text("client", session.client ? session.client->unmapped().to_string() : "local");
    json.text("helo", session.helo, 255);
    json.text("envelope_from", "<" + transaction.reverse_path.address + ">");
    if (checks.skip != SkipReason::none) {
        json.text("skip", to_string(checks.skip));
        if (!checks.forwarder.empty()) json.text("forwarder", checks.forwarder);
        json.text("action", "accept");
        return json.done();
    }
    const bool by_helo = verdict.decided_by == spf::Identity::helo;
    const spf::Evaluation& deciding = by_helo ? *checks.helo : *checks.mailfrom;
    json.text("identity", by_helo ? "helo" : "mailfrom");
    json.text("result", spf::to_string(deciding.result));
    if (!deciding.matched_term.empty()) json.text("mechanism", deciding.matched_term, 200);
    if (!deciding.reason.empty()) json.text("reason", deciding.reason, 200);
    json.number("lookups", deciding.counters.dns_terms);
    json.number("void", deciding.counters.void_lookups);
    json.number("ms", checks.elapsed_ms);
    if (checks.helo && !by_helo && !checks.mailfrom_is_helo)
        json.text("helo_result", spf::to_string(checks.helo->result));
    if (checks.mailfrom && by_helo && !checks.mailfrom_is_helo)
        json.text("mailfrom_result", spf::to_string(checks.mailfrom->result));
    json.text("action", to_string(verdict.action));
    if (verdict.strict_domain) json.raw("strict_domain", "true");
    if (verdict.action != verdict.policy_action)
        json.raw("dry_run", "true").text("would", to_string(verdict.policy_action));
    if (verdict.reply) json.text("at", to_string(verdict.stage)).text("reply", verdict.reply->to_string());
    // The trace itself is in the lines before (format_trace_lines()): inside
    // the object it would make a line of any length.
    if (checks.traced) json.raw("traced", "true");
    return json.done();
}

std::vector<std::string> format_trace_lines(const Transaction& transaction, const Decision& decision) {
    std::vector<std::string> lines;
    const std::string queue_id = queue_id_or_noqueue(transaction);
    for (const auto& [identity, evaluation] : evaluations_of(decision.checks)) {
        const std::string prefix = queue_id + ": trace " + identity + ": ";
        const std::string text = spf::cli::format_summary(*evaluation) + spf::cli::format_trace(*evaluation);
        std::size_t start = 0;
        while (start < text.size()) {
            std::size_t end = text.find('\n', start);
            if (end == std::string::npos) end = text.size();
            std::string line = prefix + text.substr(start, end - start);
            for (char& c : line)
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
            lines.push_back(std::move(line));
            start = end + 1;
        }
    }
    return lines;
}

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
