// spf/prefetch.cpp: the lookups a record's terms will make, worked out when the
// record is parsed so that they can be asked together (Evaluator::prefetch()).
// Only a hint to the resolver: evaluation then goes on term by term, in order,
// and reads each answer when it reaches the term, so results, limits and
// traces are those of serial evaluation (the property test checks it).
//
// What is listed, in term order: include and redirect targets (TXT), the names
// of a (A or AAAA, by the client's family) and mx (MX), exists (A), and the
// PTR of the client for ptr. Never more DNS terms than §4.6.4 still allows at
// this point of the check, never past a term that is sure to match (all, or an
// ip4/ip6 that holds the client), and never a name that needs %{p}: that macro
// asks PTR questions of its own, whose order serial evaluation decides.
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

}  // namespace

std::vector<Question> Evaluator::upcoming_questions(const ast::Record& record, const std::string& domain) {
    std::vector<Question> questions;
    const RrType address = ip_.is_v4() ? RrType::a : RrType::aaaa;
    unsigned terms = budget_.counters().dns_terms;
    const unsigned allowed = budget_.limits().max_dns_terms;

    // The name a domain-spec leads to, if it can be known now.
    const auto target = [&](const std::optional<ast::MacroString>& spec) -> std::optional<std::string> {
        if (!spec) return domain;
        if (uses_validated_name(*spec)) return std::nullopt;
        Expansion expansion = expand(*spec, macro_values(domain, 0), MacroContext::domain_spec);
        if (!expansion.ok()) return std::nullopt;
        std::string name = truncate_domain(std::move(expansion.text));
        if (!is_valid_domain(name)) return std::nullopt;  // lookup() would not ask it either
        return name;
    };
    const auto add = [&](const std::optional<ast::MacroString>& spec, RrType type) {
        if (auto name = target(spec)) questions.push_back(Question{std::move(*name), type});
    };

    const ast::Redirect* redirect = nullptr;
    for (const ast::Term& term : record.terms) {
        if (const auto* modifier = boost::get<ast::Redirect>(&term)) {
            redirect = modifier;
            continue;
        }
        const auto* directive = boost::get<ast::Directive>(&term);
        if (directive == nullptr) continue;
        const ast::Mechanism& mechanism = directive->mechanism;
        if (boost::get<ast::All>(&mechanism) != nullptr) return questions;  // nothing after it runs
        if (const auto* ip4 = boost::get<ast::Ip4>(&mechanism)) {
            if (ip_.matches(IpAddress::v4(ip4->network), ip4->prefix.value_or(32))) return questions;
            continue;
        }
        if (const auto* ip6 = boost::get<ast::Ip6>(&mechanism)) {
            if (ip_.matches(IpAddress::v6(ip6->network), ip6->prefix.value_or(128))) return questions;
            continue;
        }
        if (++terms > allowed) return questions;  // §4.6.4: this term would be the permerror
        if (const auto* include = boost::get<ast::Include>(&mechanism))
            add(include->domain, RrType::txt);
        else if (const auto* a = boost::get<ast::A>(&mechanism))
            add(a->domain, address);
        else if (const auto* mx = boost::get<ast::Mx>(&mechanism))
            add(mx->domain, RrType::mx);
        else if (const auto* exists = boost::get<ast::Exists>(&mechanism))
            add(exists->domain, RrType::a);
        else if (boost::get<ast::Ptr>(&mechanism) != nullptr && !validated_names_)
            questions.push_back(Question{ip_.reverse_name(), RrType::ptr});
    }
    if (redirect != nullptr && ++terms <= allowed) add(redirect->domain, RrType::txt);
    // The same question twice (a and mx of one name are different questions).
    std::vector<Question> unique;
    unique.reserve(questions.size());
    for (Question& question : questions)
        if (std::find(unique.begin(), unique.end(), question) == unique.end()) unique.push_back(std::move(question));
    return unique;
}

}  // namespace spf::detail
