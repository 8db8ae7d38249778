// milter/conversation.cpp: see conversation.hpp.
#include "milter/conversation.hpp"

#include "milter/metrics.hpp"

#include "milter/decision_log.hpp"
#include "milter/envelope.hpp"
#include "milter/sanitize.hpp"
#include "spf/text.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace milter {

Conversation::Conversation(std::shared_ptr<const Runtime> runtime, Logger& log, const spf::Clock& clock)
    : runtime_(std::move(runtime)), log_(log), clock_(clock) {}

void Conversation::connect(std::optional<spf::IpAddress> client, std::string_view mta_hostname) {
    session_.client = client;
    session_.mta_hostname = mta_hostname;
    if (log_.enabled(LogLevel::debug))
        log_.debug("connection from " + client_text() + " (the MTA is " + log_value(mta_hostname, 255) +
                   ", configuration generation " + std::to_string(runtime_->generation) + ")");
}

std::string Conversation::client_text() const {
    return session_.client ? session_.client->unmapped().to_string() : std::string("a local client");
}

void Conversation::abort() {
    if (transaction_ && log_.enabled(LogLevel::debug))
        log_.debug(queue_id_or_noqueue(*transaction_) + ": the MTA ended the transaction (RSET, abort or a refusal)");
    end_transaction();
}

void Conversation::close() {
    end_transaction();
    if (log_.enabled(LogLevel::debug))
        log_.debug("connection from " + client_text() + " closed after " + std::to_string(transactions_) +
                   (transactions_ == 1 ? " transaction" : " transactions"));
}

void Conversation::helo(std::string_view name) { session_.helo = name; }

namespace {

// The debug line of one decision: what ran and how long it took, which the
// info line leaves out.
std::string describe_checks(const Decision& decision, std::chrono::steady_clock::duration took) {
    const Checks& checks = decision.checks;
    std::string text = "checks: ";
    if (checks.skip != SkipReason::none) {
        text += "none (skip " + std::string(to_string(checks.skip)) +
                (checks.forwarder.empty() ? std::string() : ", forwarder " + checks.forwarder) + ")";
    } else {
        const auto describe = [](const char* identity, const spf::Evaluation& evaluation) {
            return std::string(identity) + " " + std::string(spf::to_string(evaluation.result)) + " (" +
                   std::to_string(evaluation.counters.dns_queries) + " queries, " +
                   std::to_string(evaluation.counters.cache_hits) + " from the cache)";
        };
        text += checks.helo ? describe("HELO", *checks.helo) : std::string("HELO not checked");
        text += ", ";
        text += checks.mailfrom_is_helo ? std::string("MAIL FROM is postmaster@HELO")
                : checks.mailfrom       ? describe("MAIL FROM", *checks.mailfrom)
                                        : std::string("MAIL FROM not checked (the HELO fail decides)");
        if (checks.traced) text += ", traced";
    }
    text += "; " + std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(took).count()) + " us";
    return text;
}

// The process's metrics (metrics.hpp) of one decision.
void count(const Decision& decision, std::chrono::steady_clock::duration took) {
    Metrics& counted = metrics();
    const Checks& checks = decision.checks;
    if (checks.skip != SkipReason::none) {
        counted.skipped(checks.skip);
    } else {
        if (checks.helo) counted.checked(spf::Identity::helo, checks.helo->result);
        if (checks.mailfrom) counted.checked(spf::Identity::mailfrom, checks.mailfrom->result);
        counted.check_took(std::chrono::duration_cast<std::chrono::microseconds>(took));
    }
    // Every transaction once at MAIL FROM; with reject_at = rcpt its answer
    // there is accept, and the refusals are counted per recipient.
    counted.acted(RejectStage::mail,
                  decision.verdict.stage == RejectStage::mail ? decision.verdict.action : Action::accept);
}

}  // namespace

StageAnswer Conversation::mail_from(std::string_view reverse_path, std::string_view auth_authen,
                                    std::string_view queue_id) {
    end_transaction();
    transaction_ = Transaction{parse_reverse_path(reverse_path), std::string(auth_authen), std::string(queue_id)};
    ++transactions_;
    const auto started = std::chrono::steady_clock::now();
    decision_ = decide(runtime_->config, session_, *transaction_, *runtime_->resolver, clock_);
    const auto took = std::chrono::steady_clock::now() - started;
    count(*decision_, took);
    if (log_.enabled(LogLevel::debug))
        log_.debug(queue_id_or_noqueue(*transaction_) + ": MAIL FROM " +
                   log_value("<" + transaction_->reverse_path.address + ">", 300) + " from " + client_text() + ": " +
                   describe_checks(*decision_, took));
    const Verdict& verdict = decision_->verdict;
    if (verdict.stage == RejectStage::mail && verdict.action != Action::accept) {
        log_decision();  // the transaction ends here: Postfix has no queue id yet
        return {verdict.action, &*verdict.reply};
    }
    log_when_known();
    return {};
}

StageAnswer Conversation::recipient(std::string_view forward_path, std::string_view queue_id) {
    if (!decision_) return {};
    learn_queue_id(queue_id);
    log_when_known();
    const Verdict& verdict = decision_->verdict;
    if (verdict.stage != RejectStage::rcpt || verdict.action == Action::accept) return {};
    const ForwardPath recipient = parse_forward_path(forward_path);
    const Action action = action_for_recipient(runtime_->config, verdict, recipient);
    metrics().acted(RejectStage::rcpt, action);
    // A refused recipient does not end the transaction: another may be exempt and
    // the message go on to DATA, where the MTA gives its queue id. The decision is
    // logged then, or as NOQUEUE when the transaction ends without one.
    if (action != Action::accept) return {action, &*verdict.reply};
    log_.info(queue_id_or_noqueue(*transaction_) + ": to=" + log_value("<" + recipient.address + ">", 300) +
              " exempt from the SPF " + std::string(to_string(verdict.action)));
    return {};
}

void Conversation::data(std::string_view queue_id) {
    learn_queue_id(queue_id);
    log_when_known();
}

void Conversation::header(std::string_view name, std::string_view value) {
    if (!spf::iequals(name, "Authentication-Results")) return;
    ++results_seen_;
    if (decision_ && decision_->verdict.remove_forged_results &&
        claims_authserv_id(value, decision_->verdict.authserv_id)) {
        forged_results_.push_back(results_seen_);
        if (log_.enabled(LogLevel::debug))
            log_.debug(queue_id_or_noqueue(*transaction_) + ": Authentication-Results #" +
                       std::to_string(results_seen_) + " claims our authserv-id " +
                       log_value(decision_->verdict.authserv_id, 255) +
                       ": it will be removed: " + log_value(value, 300));
    }
}

void Conversation::end_of_headers(std::string_view queue_id) {
    learn_queue_id(queue_id);
    log_when_known();
}

MessageEdits Conversation::end_of_message(std::string_view queue_id) {
    MessageEdits edits;
    if (!decision_) return edits;
    learn_queue_id(queue_id);
    log_decision();
    edits.forged_results = forged_results_;
    std::sort(edits.forged_results.rbegin(), edits.forged_results.rend());
    edits.headers = &decision_->verdict.headers;
    if (log_.enabled(LogLevel::debug))
        for (const HeaderField& field : decision_->verdict.headers)
            log_.debug(queue_id_or_noqueue(*transaction_) + ": adding " + field.name + ": " +
                       log_value(field.value, 1000));
    return edits;
}

void Conversation::forged_result_removed(int index) {
    metrics().forged_result_removed();
    log_.info(queue_id_or_noqueue(*transaction_) + ": removed a forged Authentication-Results field (#" +
              std::to_string(index) + ")");
}

void Conversation::header_refused(std::string_view name) {
    log_.error(queue_id_or_noqueue(*transaction_) + ": the MTA refused to add " + std::string(name));
}

void Conversation::learn_queue_id(std::string_view queue_id) {
    if (transaction_ && transaction_->queue_id.empty() && !queue_id.empty()) transaction_->queue_id = queue_id;
}

void Conversation::log_when_known() {
    if (transaction_ && !transaction_->queue_id.empty()) log_decision();
}

void Conversation::log_decision() {
    if (logged_ || !transaction_ || !decision_) return;
    logged_ = true;
    if (decision_->checks.traced)
        for (const std::string& line : format_trace_lines(*transaction_, *decision_)) log_.info(line);
    log_.info(runtime_->config.log_json ? format_decision_json(session_, *transaction_, *decision_)
                                        : format_decision(session_, *transaction_, *decision_));
}

void Conversation::end_transaction() {
    log_decision();
    transaction_.reset();
    decision_.reset();
    results_seen_ = 0;
    forged_results_.clear();
    logged_ = false;
}

}  // namespace milter
