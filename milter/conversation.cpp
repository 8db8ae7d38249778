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
}

void Conversation::helo(std::string_view name) { session_.helo = name; }

namespace {

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
    if (decision.verdict.stage == RejectStage::mail) counted.acted(RejectStage::mail, decision.verdict.action);
}

}  // namespace

StageAnswer Conversation::mail_from(std::string_view reverse_path, std::string_view auth_authen,
                                    std::string_view queue_id) {
    end_transaction();
    transaction_ = Transaction{parse_reverse_path(reverse_path), std::string(auth_authen), std::string(queue_id)};
    const auto started = std::chrono::steady_clock::now();
    decision_ = decide(runtime_->config, session_, *transaction_, *runtime_->resolver, clock_);
    count(*decision_, std::chrono::steady_clock::now() - started);
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
        claims_authserv_id(value, decision_->verdict.authserv_id))
        forged_results_.push_back(results_seen_);
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
    log_.info(format_decision(session_, *transaction_, *decision_));
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
