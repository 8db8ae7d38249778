// spf/check_host.cpp: RFC 7208 §4 — check_host(): record lookup and selection
// (§4.4, §4.5), the term loop (§4.6), redirect (§6.1) and exp (§6.2); and the
// initial processing of identities (§2.3, §2.4, §4.3) in check_identity().
// The mechanisms themselves are in mechanisms.cpp; the limits in budget.hpp.
#include "spf/check_host.hpp"

#include "spf/evaluator.hpp"
#include "spf/grammar.hpp"
#include "spf/parsed_record.hpp"
#include "spf/record_printer.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>

namespace spf {

namespace {

// Deeper than any legal evaluation can go: 10 DNS terms allow at most 10 levels
// of include/redirect. A guard against a bug, not a limit of the RFC.
constexpr unsigned max_depth = 12;

class SystemClock final : public Clock {
public:
    std::chrono::steady_clock::time_point now() const override { return std::chrono::steady_clock::now(); }
    std::int64_t unix_time() const override { return static_cast<std::int64_t>(std::time(nullptr)); }
};

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace

const Clock& system_clock() {
    static const SystemClock clock;
    return clock;
}

std::string sender_for(Identity identity, std::string_view mail_from, std::string_view helo) {
    if (identity == Identity::helo || mail_from.empty()) return "postmaster@" + std::string(helo);
    if (mail_from.front() == '@') return "postmaster" + std::string(mail_from);
    return std::string(mail_from);
}

std::string_view domain_of(std::string_view sender) {
    const std::size_t at = sender.rfind('@');
    return at == std::string_view::npos ? sender : sender.substr(at + 1);
}

std::string local_part_of(std::string_view sender) {
    const std::size_t at = sender.rfind('@');
    if (at == std::string_view::npos || at == 0) return "postmaster";
    return std::string(sender.substr(0, at));
}

bool is_valid_domain(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty() || name.size() > 253) return false;
    if (name.front() == '[') return false;  // a domain literal is not a domain (§4.3)
    std::size_t labels = 0;
    std::string_view last_label;
    while (true) {
        const std::size_t dot = name.find('.');
        const std::string_view label = name.substr(0, dot);
        if (label.empty() || label.size() > 63) return false;
        ++labels;
        last_label = label;
        if (dot == std::string_view::npos) break;
        name.remove_prefix(dot + 1);
    }
    // An all-numeric last label is an IP address written without brackets.
    const bool numeric =
        std::all_of(last_label.begin(), last_label.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
    return labels >= 2 && !numeric;
}

namespace detail {

Result result_of(ast::Qualifier qualifier) {
    switch (qualifier) {
        case ast::Qualifier::pass: return Result::pass;
        case ast::Qualifier::fail: return Result::fail;
        case ast::Qualifier::softfail: return Result::softfail;
        case ast::Qualifier::neutral: return Result::neutral;
    }
    return Result::neutral;
}

bool is_void(const Answer& answer) {
    return answer.status == DnsStatus::nxdomain || answer.status == DnsStatus::no_data ||
           (answer.status == DnsStatus::ok && answer.empty());
}

namespace {
std::string_view without_dot(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    return name;
}
bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
               return std::tolower(x) == std::tolower(y);
           });
}
}  // namespace

bool same_domain(std::string_view a, std::string_view b) { return iequal(without_dot(a), without_dot(b)); }

bool is_subdomain_of(std::string_view name, std::string_view domain) {
    name = without_dot(name);
    domain = without_dot(domain);
    if (iequal(name, domain)) return true;
    return name.size() > domain.size() && name[name.size() - domain.size() - 1] == '.' &&
           iequal(name.substr(name.size() - domain.size()), domain);
}

Evaluator::Evaluator(const IpAddress& ip, const std::string& sender, const std::string& helo, Resolver& resolver,
                     const CheckOptions& options)
    : ip_(ip.unmapped()),
      sender_(sender),
      local_part_(local_part_of(sender)),
      sender_domain_(domain_of(sender)),
      helo_(helo),
      resolver_(resolver),
      options_(options),
      budget_(options.limits) {}

void Evaluator::trace(TraceEvent::Kind kind, unsigned depth, std::string text) {
    if (options_.trace) trace_.push_back(TraceEvent{kind, depth, std::move(text), {}});
}

void Evaluator::trace_term(std::size_t at, unsigned depth, std::string text) {
    if (options_.trace)
        trace_.insert(trace_.begin() + static_cast<std::ptrdiff_t>(at),
                      TraceEvent{TraceEvent::Kind::term, depth, std::move(text), {}});
}

std::string Evaluator::counters_note(const Counters& before) const {
    const Counters& now = budget_.counters();
    if (!options_.trace || (now.dns_terms == before.dns_terms && now.void_lookups == before.void_lookups)) return {};
    const Limits& limits = budget_.limits();
    return "  [DNS terms " + std::to_string(now.dns_terms) + "/" + std::to_string(limits.max_dns_terms) +
           ", void lookups " + std::to_string(now.void_lookups) + "/" + std::to_string(limits.max_void_lookups) + "]";
}

Answer Evaluator::lookup(const std::string& name, RrType type, unsigned depth) {
    Answer answer;
    std::string source;  // for the trace: empty when a query was sent
    if (options_.deadline != Deadline::max() && options_.clock->now() >= options_.deadline) {
        // Our deadline, not a server's: the check must end (budget.hpp), even
        // where the name would not have been asked (a %{p} of "unknown").
        budget_.note_time_exhausted();
        answer.status = DnsStatus::timeout;
        answer.detail = std::string(Budget::time_exhausted_reason);
    } else if (!is_valid_domain(name)) {
        // A name no DNS server can hold (empty or over-long label, over 253 octets,
        // one label) finds nothing; asking would only add a round trip.
        answer.status = DnsStatus::nxdomain;
        answer.detail = "not a valid domain name, not queried";
    } else {
        Question question{name, type};
        answer = resolver_.resolve(question, options_.deadline);
        account(question, answer, source);
        // A lookup that failed once the deadline had come may have failed for
        // want of time (another server was still to be asked): the time is ours
        // too, so ptr's and exp='s "skip the failure" cannot turn it into a verdict.
        const bool failed = answer.status == DnsStatus::timeout || answer.status == DnsStatus::server_failure;
        if (failed && options_.clock->now() >= options_.deadline) budget_.note_time_exhausted();
    }
    if (options_.trace) {
        std::string text = std::string(to_string(type)) + " " + name + " -> " + std::string(to_string(answer.status));
        for (const auto& t : answer.texts) text += " " + quoted(t);
        for (const auto& a : answer.addresses) text += " " + a.to_string();
        for (const auto& n : answer.names) text += " " + (n.empty() ? std::string(".") : n);
        if (!answer.detail.empty() && answer.status != DnsStatus::ok) text += " (" + answer.detail + ")";
        trace(TraceEvent::Kind::query, depth, std::move(text));
        trace_.back().source = std::move(source);
    }
    return answer;
}

void Evaluator::account(const Question& question, const Answer& answer, std::string& source) {
    // What this check sent counts as a query; what it was given counts as a
    // hit. A question its own prefetch sent counts as a query once it is used.
    const bool was_prefetched = prefetcher_ && prefetcher_->take_sent(question);
    if (answer.source == AnswerSource::sent) {
        budget_.note_query();
        // The prefetched answer (a failure, not kept) was gone before it was needed.
        if (was_prefetched) budget_.note_prefetch_unused(1);
    } else if (was_prefetched) {
        budget_.note_query();
        source = "prefetched";
    } else {
        budget_.note_cache_hit();
        source = std::string(to_string(answer.source));
    }
}

Prefetcher* Evaluator::prefetcher() {
    if (!options_.prefetch) return nullptr;
    if (!prefetcher_) {
        MacroValues values = macro_values(sender_domain_, 0);  // a copy: the prefetcher's threads use it
        prefetcher_ = std::make_shared<Prefetcher>(ip_, std::move(values), budget_.limits());
    }
    return prefetcher_.get();
}

std::vector<Question> Evaluator::upcoming_questions(const ast::Record& record, const std::string& domain) {
    Prefetcher* ahead = prefetcher();
    if (ahead == nullptr) return {};
    return ahead->upcoming(record, domain, budget_.counters().dns_terms, validated_names_.has_value());
}

void Evaluator::prefetch(std::vector<Question> questions) {
    if (questions.empty() || prefetcher() == nullptr || options_.clock->now() >= options_.deadline) return;
    resolver_.prefetch(questions, options_.deadline, prefetcher_);  // the prefetcher hears what was sent
}

Counters Evaluator::final_counters() {
    Counters counters = budget_.counters();
    if (prefetcher_) {
        const Prefetcher::Tally tally = prefetcher_->close();
        counters.prefetched = tally.sent;
        counters.prefetch_unused += tally.unused;
    }
    return counters;
}

const MacroValues& Evaluator::macro_values(const std::string& domain, unsigned depth) {
    // Built once per check; only <domain>, the depth %{p} looks up at, and the
    // time change between expansions.
    if (!macro_values_) {
        MacroValues& values = macro_values_.emplace();
        values.sender = sender_;
        values.local_part = local_part_;
        values.sender_domain = sender_domain_;
        values.ip = ip_;
        values.helo = helo_;
        values.receiver = options_.receiver;
        values.validated_name = [this] { return validated_name_for(macro_values_->domain, macro_depth_); };
    }
    macro_values_->domain = domain;
    macro_values_->timestamp = options_.clock->unix_time();
    macro_depth_ = depth;
    return *macro_values_;
}

std::variant<std::string, Stop> Evaluator::target_name(const ast::MacroString& domain_spec, const std::string& domain,
                                                       unsigned depth) {
    // Most domain-specs are plain names ("include:_spf.example.com"): nothing to expand.
    if (domain_spec.tokens.size() == 1)
        if (const auto* literal = boost::get<std::string>(&domain_spec.tokens.front()))
            return truncate_domain(*literal);
    Expansion expansion = expand(domain_spec, macro_values(domain, depth), MacroContext::domain_spec);
    // %{p} looks names up; "unknown" for want of time is not a name (budget.hpp).
    if (auto stop = budget_.time_stop()) return *stop;
    if (!expansion.ok()) return Stop{Result::permerror, expansion.error};
    return truncate_domain(std::move(expansion.text));
}

std::variant<FetchedRecord, Outcome> Evaluator::fetch_record(const std::string& domain, unsigned depth) {
    Answer answer = lookup(domain, RrType::txt, depth);
    switch (answer.status) {
        case DnsStatus::timeout:
            if (budget_.time_exhausted())
                return Outcome{Result::temperror,
                               std::string(Budget::time_exhausted_reason) + " looking up the SPF record of " + domain,
                               {},
                               {}};
            [[fallthrough]];
        case DnsStatus::server_failure:
            return Outcome{Result::temperror,
                           "DNS " + std::string(to_string(answer.status)) + " looking up the SPF record of " + domain,
                           {},
                           {}};
        case DnsStatus::nxdomain: return Outcome{Result::none, "no SPF record: " + domain + " does not exist", {}, {}};
        case DnsStatus::no_data: return Outcome{Result::none, "no SPF record at " + domain, {}, {}};
        case DnsStatus::ok: break;
    }
    // §4.5: keep the records that begin with "v=spf1"; exactly one must remain.
    // A cache hands the selection and the parse out with the answer.
    std::shared_ptr<const ParsedRecord> parsed = answer.parsed;
    if (!parsed) parsed = std::make_shared<const ParsedRecord>(select_and_parse(answer.texts));
    if (parsed->spf_records == 0) return Outcome{Result::none, "no SPF record at " + domain, {}, {}};
    if (parsed->spf_records > 1)
        return Outcome{Result::permerror,
                       std::to_string(parsed->spf_records) + " SPF records at " + domain + " (exactly one is allowed)",
                       {},
                       {}};
    if (options_.trace) trace(TraceEvent::Kind::record, depth, domain + ": " + answer.texts[parsed->selected]);
    if (const auto* error = std::get_if<ParseError>(&parsed->parsed))
        return Outcome{Result::permerror, error->message() + " in the SPF record of " + domain, {}, {}};
    const auto* record = std::get_if<ast::Record>(&parsed->parsed);
    if (record == nullptr) return Outcome{Result::permerror, "the SPF record of " + domain + " was not parsed", {}, {}};
    return FetchedRecord{std::move(parsed), record, fresh(answer)};
}

Outcome Evaluator::check_host(const std::string& domain, unsigned depth, bool in_include) {
    if (options_.trace)
        trace(TraceEvent::Kind::check, depth, "check_host(" + ip_.to_string() + ", " + domain + ", " + sender_ + ")");
    Outcome outcome;
    if (depth > max_depth) {
        outcome = {Result::permerror, "include/redirect nesting deeper than " + std::to_string(max_depth), {}, {}};
    } else if (!is_valid_domain(domain)) {
        outcome = {Result::none, "\"" + domain + "\" is not a valid domain name", {}, {}};  // §4.3
    } else {
        auto fetched = fetch_record(domain, depth);
        if (auto* early = std::get_if<Outcome>(&fetched)) {
            outcome = std::move(*early);
        } else {
            const FetchedRecord& record = std::get<FetchedRecord>(fetched);
            // A record that came from the cache had its lookups asked before:
            // they are most likely kept too, and a warm check sends no hints.
            if (record.fresh) prefetch(upcoming_questions(*record.record, domain));
            outcome = evaluate_record(*record.record, domain, depth, in_include);
        }
    }
    if (options_.trace)
        trace(TraceEvent::Kind::result, depth,
              domain + " -> " + std::string(to_string(outcome.result)) + " (" + outcome.reason + ")");
    return outcome;
}

Outcome Evaluator::evaluate_record(const ast::Record& record, const std::string& domain, unsigned depth,
                                   bool in_include) {
    const ast::Redirect* redirect = nullptr;
    for (const ast::Term& term : record.terms) {
        if (const auto* modifier = boost::get<ast::Redirect>(&term)) {
            redirect = modifier;  // §6.1: used only when no directive matches
            continue;
        }
        const auto* directive = boost::get<ast::Directive>(&term);
        if (directive == nullptr) continue;          // exp= and unknown modifiers do not match
        const std::size_t trace_at = trace_.size();  // the term's line goes above its lookups
        const Counters before = budget_.counters();
        MatchOutcome matched = match(directive->mechanism, domain, depth);
        if (auto* stop = std::get_if<Stop>(&matched)) {
            const std::string text = to_string(*directive);
            trace_term(trace_at, depth, text + " -> " + std::string(to_string(stop->result)) + counters_note(before));
            return Outcome{stop->result, stop->reason, text, {}};
        }
        if (options_.trace)
            trace_term(trace_at, depth,
                       to_string(*directive) + (std::get<bool>(matched) ? " -> match" : " -> no match") +
                           counters_note(before));
        if (!std::get<bool>(matched)) continue;
        // Inside an include only the result is read (§5.2: pass matches, the
        // rest does not; errors carry their own reasons): no text to build,
        // unless the trace prints it.
        if (in_include && !options_.trace) return Outcome{result_of(directive->effective_qualifier()), {}, {}, {}};
        const std::string text = to_string(*directive);  // printed only for the deciding term
        Outcome outcome{result_of(directive->effective_qualifier()), "matched " + text + " in " + domain, text, {}};
        if (outcome.result == Result::fail && !in_include) outcome.explanation = explain(record, domain, depth);
        return outcome;
    }
    if (redirect != nullptr) return follow_redirect(*redirect, domain, depth, in_include);
    if (in_include && !options_.trace) return Outcome{Result::neutral, {}, {}, {}};
    return Outcome{Result::neutral, "no term matched in " + domain + " (default neutral)", {}, {}};
}

Outcome Evaluator::follow_redirect(const ast::Redirect& redirect, const std::string& domain, unsigned depth,
                                   bool in_include) {
    const std::string text = "redirect=" + to_string(redirect.domain);
    const Counters before = budget_.counters();
    if (auto stop = budget_.charge_term()) return Outcome{stop->result, stop->reason + " at " + text, text, {}};
    if (options_.trace) trace(TraceEvent::Kind::term, depth, text + counters_note(before));
    auto target = target_name(redirect.domain, domain, depth);
    if (auto* stop = std::get_if<Stop>(&target)) return Outcome{stop->result, stop->reason + " at " + text, text, {}};
    Outcome outcome = check_host(std::get<std::string>(target), depth + 1, in_include);
    if (outcome.result == Result::none) {
        // §6.1: a redirect to a domain without a record is a permerror.
        outcome.result = Result::permerror;
        outcome.reason = text + ": " + outcome.reason;
        outcome.matched_term = text;
    }
    return outcome;
}

std::string Evaluator::explain(const ast::Record& record, const std::string& domain, unsigned depth) {
    std::string text = explanation_of(record, domain, depth);
    // The fail stands even if the budget ran out in exp= or %{p}: nothing after the
    // explanation may read that as a reason to end the check (budget.hpp).
    budget_.forgive_time_exhausted();
    return text;
}

std::string Evaluator::explanation_of(const ast::Record& record, const std::string& domain, unsigned depth) {
    // §6.2: any problem with exp= means "no explanation" (the default one), never an
    // error; a spent time budget is one more such problem.
    for (const ast::Term& term : record.terms) {
        const auto* exp = boost::get<ast::Explanation>(&term);
        if (exp == nullptr) continue;
        auto target = target_name(exp->domain, domain, depth);
        if (std::holds_alternative<Stop>(target)) break;
        const std::string& name = std::get<std::string>(target);
        const Answer answer = lookup(name, RrType::txt, depth);
        if (answer.status != DnsStatus::ok || answer.texts.size() != 1) break;
        auto parsed = parse_explain_string(answer.texts.front());
        if (const auto* text = std::get_if<ast::MacroString>(&parsed)) {
            Expansion expansion = expand(*text, macro_values(domain, depth), MacroContext::explanation);
            // A %{p} cut short by the budget would say "unknown" where a name was due.
            if (expansion.ok() && !budget_.time_exhausted()) return expansion.text;
        }
        break;
    }
    if (options_.default_explanation.empty()) return {};
    auto parsed = parse_explain_string(options_.default_explanation);
    if (const auto* text = std::get_if<ast::MacroString>(&parsed)) {
        Expansion expansion = expand(*text, macro_values(domain, depth), MacroContext::explanation);
        if (expansion.ok()) return expansion.text;
    }
    return options_.default_explanation;
}

}  // namespace detail

Evaluation check_host(const IpAddress& ip, const std::string& domain, const std::string& sender,
                      const std::string& helo, Resolver& resolver, const CheckOptions& options) {
    const auto started = options.clock->now();
    detail::Evaluator evaluator(ip, sender, helo, resolver, options);
    detail::Outcome outcome = evaluator.check_host(domain, 0, false);
    Evaluation evaluation;
    evaluation.result = outcome.result;
    evaluation.domain = domain;
    evaluation.reason = std::move(outcome.reason);
    evaluation.matched_term = std::move(outcome.matched_term);
    evaluation.explanation = std::move(outcome.explanation);
    evaluation.counters = evaluator.final_counters();
    evaluation.trace = evaluator.take_trace();
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(options.clock->now() - started);
    evaluation.elapsed_ms = static_cast<unsigned>(std::max<std::int64_t>(0, elapsed.count()));
    return evaluation;
}

Evaluation check_identity(const Request& request, Resolver& resolver, const CheckOptions& options) {
    const std::string sender = sender_for(request.identity, request.mail_from, request.helo);
    const std::string domain(domain_of(sender));
    if (!is_valid_domain(domain)) {
        Evaluation evaluation;
        evaluation.domain = domain;
        evaluation.reason = "\"" + domain + "\" is not a valid domain name (RFC 7208 section 4.3)";
        if (options.trace)
            evaluation.trace.push_back({TraceEvent::Kind::note, 0, evaluation.reason + ": result none", {}});
        return evaluation;
    }
    return check_host(request.client.unmapped(), domain, sender, request.helo, resolver, options);
}

}  // namespace spf
