// spf/prefetch.cpp: the lookups a record's terms will make, worked out as soon
// as the record is known, so that they can be asked together. Only a hint to
// the resolver: evaluation then goes on term by term, in order, and reads each
// answer when it reaches the term, so results, limits and traces are those of
// serial evaluation (the property test and the check_host fuzz target check it).
//
// What is listed, in term order: include and redirect targets (TXT), the names
// of a (A or AAAA, by the client's family) and mx (MX), exists (A), and the
// PTR of the client for ptr. Never past a term that is sure to match (all, or
// an ip4/ip6 that holds the client), never a name that needs %{p} (that macro
// asks PTR questions of its own, whose order serial evaluation decides), and
// never more DNS terms in a whole check than §4.6.4 allows (10).
//
// The Prefetcher also follows answers as they arrive on the resolver's
// threads (PrefetchListener): the record of a prefetched include or redirect
// target leads to its own terms' lookups, a prefetched MX answer to the
// addresses of its exchanges (at most 10, the §4.6.4 bound for names), so
// that every level of lookups goes out as soon as the level above is known,
// not when evaluation reaches it. Once the check has ended it follows nothing.
#include "spf/evaluator.hpp"

#include <algorithm>

namespace spf::detail {

namespace {

bool uses_validated_name(const ast::MacroString& spec) {
    return std::any_of(spec.tokens.begin(), spec.tokens.end(), [](const ast::MacroToken& token) {
        const auto* expand = boost::get<ast::MacroExpand>(&token);
        return expand != nullptr && expand->letter == 'p';
    });
}

RrType address_type(const IpAddress& ip) { return ip.is_v4() ? RrType::a : RrType::aaaa; }

}  // namespace

Prefetcher::Prefetcher(const IpAddress& ip, MacroValues values, const Limits& limits)
    : ip_(ip), values_(std::move(values)), limits_(limits), terms_left_(static_cast<int>(limits.max_dns_terms)) {
    values_.validated_name = [] { return std::string("unknown"); };  // never asked: %{p} is not prefetched
}

bool Prefetcher::take_term() { return terms_left_.fetch_sub(1, std::memory_order_relaxed) > 0; }

std::vector<Question> Prefetcher::upcoming(const ast::Record& record, const std::string& domain, unsigned terms_charged,
                                           bool ptr_known) {
    std::vector<Question> questions;
    const RrType address = address_type(ip_);
    unsigned terms = terms_charged;
    MacroValues values = values_;  // this thread's copy: only <domain> differs
    values.domain = domain;

    // The name a domain-spec leads to, if it can be known now.
    const auto target = [&](const std::optional<ast::MacroString>& spec) -> std::optional<std::string> {
        if (!spec) return domain;
        if (uses_validated_name(*spec)) return std::nullopt;
        Expansion expansion = expand(*spec, values, MacroContext::domain_spec);
        if (!expansion.ok()) return std::nullopt;
        std::string name = truncate_domain(std::move(expansion.text));
        if (!is_valid_domain(name)) return std::nullopt;  // lookup() would not ask it either
        return name;
    };
    const auto add = [&](const std::optional<ast::MacroString>& spec, RrType type) {
        if (auto name = target(spec)) questions.push_back(Question{std::move(*name), type});
    };
    // A DNS term: within the record's share of §4.6.4 and the check's.
    const auto allowed = [&] { return ++terms <= limits_.max_dns_terms && take_term(); };

    const ast::Redirect* redirect = nullptr;
    bool ended = false;
    for (const ast::Term& term : record.terms) {
        if (const auto* modifier = boost::get<ast::Redirect>(&term)) {
            redirect = modifier;
            continue;
        }
        const auto* directive = boost::get<ast::Directive>(&term);
        if (directive == nullptr) continue;
        const ast::Mechanism& mechanism = directive->mechanism;
        if (boost::get<ast::All>(&mechanism) != nullptr) {  // nothing after it runs, redirect included
            ended = true;
            break;
        }
        if (const auto* ip4 = boost::get<ast::Ip4>(&mechanism)) {
            if (ip_.matches(IpAddress::v4(ip4->network), ip4->prefix.value_or(32))) {
                ended = true;
                break;
            }
            continue;
        }
        if (const auto* ip6 = boost::get<ast::Ip6>(&mechanism)) {
            if (ip_.matches(IpAddress::v6(ip6->network), ip6->prefix.value_or(128))) {
                ended = true;
                break;
            }
            continue;
        }
        if (!allowed()) {
            ended = true;
            break;
        }
        if (const auto* include = boost::get<ast::Include>(&mechanism))
            add(include->domain, RrType::txt);
        else if (const auto* a = boost::get<ast::A>(&mechanism))
            add(a->domain, address);
        else if (const auto* mx = boost::get<ast::Mx>(&mechanism))
            add(mx->domain, RrType::mx);
        else if (const auto* exists = boost::get<ast::Exists>(&mechanism))
            add(exists->domain, RrType::a);
        else if (boost::get<ast::Ptr>(&mechanism) != nullptr && !ptr_known)
            questions.push_back(Question{ip_.reverse_name(), RrType::ptr});
    }
    if (!ended && redirect != nullptr && allowed()) add(redirect->domain, RrType::txt);
    // The same question twice (a and mx of one name are different questions).
    std::vector<Question> unique;
    unique.reserve(questions.size());
    for (Question& question : questions)
        if (std::find(unique.begin(), unique.end(), question) == unique.end()) unique.push_back(std::move(question));
    return unique;
}

std::vector<Question> Prefetcher::addresses_of(const std::vector<std::string>& names) const {
    std::vector<Question> questions;
    if (names.size() > limits_.max_names_per_lookup) return questions;  // the term is a permerror
    for (const std::string& name : names)
        if (!name.empty() && name != "." && is_valid_domain(name))
            questions.push_back(Question{name, address_type(ip_)});
    return questions;
}

std::vector<Question> Prefetcher::addresses_of_ptr_names(const std::vector<std::string>& names) const {
    // §5.5: only the first 10 names are validated; more are no error.
    const auto end =
        names.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(names.size(), limits_.max_names_per_lookup));
    return addresses_of(std::vector<std::string>(names.begin(), end));
}

std::vector<Question> Prefetcher::arrived(const Question& question, const Answer& answer) {
    if (closed_.load(std::memory_order_acquire) || answer.status != DnsStatus::ok) return {};
    try {
        switch (question.type) {
            case RrType::txt: {
                if (!answer.parsed || answer.parsed->spf_records != 1) return {};
                const auto* record = std::get_if<ast::Record>(&answer.parsed->parsed);
                // Where evaluation will stand is not known here: 0 terms charged,
                // the check's budget (take_term) is the bound.
                return record == nullptr ? std::vector<Question>{} : upcoming(*record, question.name, 0, false);
            }
            case RrType::mx: return addresses_of(answer.names);
            case RrType::ptr: return addresses_of_ptr_names(answer.names);
            case RrType::a:
            case RrType::aaaa: return {};
        }
    } catch (const std::exception&) {  // a hint lost, nothing more
    }
    return {};
}

void Prefetcher::sent(const Question& question) {
    const std::lock_guard lock(mutex_);
    sent_.push_back(question);
    ++sent_count_;
}

bool Prefetcher::take_sent(const Question& question) {
    const std::lock_guard lock(mutex_);
    const auto found = std::find(sent_.begin(), sent_.end(), question);
    if (found == sent_.end()) return false;
    sent_.erase(found);
    return true;
}

Prefetcher::Tally Prefetcher::close() {
    closed_.store(true, std::memory_order_release);
    const std::lock_guard lock(mutex_);
    return Tally{sent_count_, static_cast<unsigned>(sent_.size())};
}

}  // namespace spf::detail
