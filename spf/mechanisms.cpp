// spf/mechanisms.cpp: RFC 7208 §5 — one function per mechanism.
// Each returns true (match), false (next term) or a Stop (temperror/permerror).
// DNS-querying mechanisms are charged against the budget before they query (§4.6.4).
// A mechanism whose lookups spent the check's time budget neither matches nor fails
// to match: match() turns it into a temperror (budget.hpp).
#include "spf/evaluator.hpp"
#include "spf/record_printer.hpp"

#include <algorithm>

namespace spf::detail {

namespace {

RrType address_type(const IpAddress& ip) { return ip.is_v4() ? RrType::a : RrType::aaaa; }

unsigned prefix_for(const IpAddress& ip, const ast::DualCidr& cidr) {
    return ip.is_v4() ? cidr.ip4.value_or(32) : cidr.ip6.value_or(128);
}

bool any_matches(const Answer& answer, const IpAddress& ip, unsigned prefix) {
    return std::any_of(answer.addresses.begin(), answer.addresses.end(),
                       [&](const IpAddress& address) { return ip.matches(address.unmapped(), prefix); });
}

// The mechanism as a function object: one operator() per alternative, so a
// mechanism without its function is a compile error.
class Matcher {
public:
    using result_type = MatchOutcome;

    Matcher(Evaluator& evaluator, const ast::Mechanism& mechanism, const std::string& domain, unsigned depth)
        : evaluator_(evaluator), mechanism_(mechanism), domain_(domain), depth_(depth) {}

    // The term as people read it, built only for a reason that is returned.
    std::string term() const { return to_string(mechanism_) + " (in " + domain_ + ")"; }
    Stop located(Stop stop) const {
        stop.reason += " at " + term();
        return stop;
    }

    MatchOutcome operator()(const ast::All&) const { return true; }

    MatchOutcome operator()(const ast::Ip4& mechanism) const {
        return evaluator_.ip().matches(IpAddress::v4(mechanism.network), mechanism.prefix.value_or(32));
    }

    MatchOutcome operator()(const ast::Ip6& mechanism) const {
        return evaluator_.ip().matches(IpAddress::v6(mechanism.network), mechanism.prefix.value_or(128));
    }

    // §5.2: include matches on the included record's pass; its fail, softfail and
    // neutral do not match; temperror and permerror propagate; none is a permerror.
    MatchOutcome operator()(const ast::Include& mechanism) const {
        if (auto stop = evaluator_.budget().charge_term()) return located(*stop);
        auto target = evaluator_.target_name(mechanism.domain, domain_, depth_);
        if (auto* stop = std::get_if<Stop>(&target)) return located(*stop);
        Outcome included = evaluator_.check_host(std::get<std::string>(target), depth_ + 1, true);
        switch (included.result) {
            case Result::pass: return true;
            case Result::fail:
            case Result::softfail:
            case Result::neutral: return false;
            case Result::temperror:
            case Result::permerror: return Stop{included.result, included.reason};
            case Result::none: return Stop{Result::permerror, term() + ": " + included.reason};
        }
        return false;
    }

    // §5.3
    MatchOutcome operator()(const ast::A& mechanism) const {
        if (auto stop = evaluator_.budget().charge_term()) return located(*stop);
        auto target = target_or_domain(mechanism.domain);
        if (auto* stop = std::get_if<Stop>(&target)) return located(*stop);
        const std::string& name = std::get<std::string>(target);
        const RrType type = address_type(evaluator_.ip());
        const Answer answer = evaluator_.lookup(name, type, depth_);
        if (auto stop = check_answer(answer, type, name)) return *stop;
        return any_matches(answer, evaluator_.ip(), prefix_for(evaluator_.ip(), mechanism.cidr));
    }

    // §5.4: more than 10 MX names is a permerror (§4.6.4); an exchange whose
    // address lookup fails is a temperror; a null MX ("." / "") is skipped.
    MatchOutcome operator()(const ast::Mx& mechanism) const {
        if (auto stop = evaluator_.budget().charge_term()) return located(*stop);
        auto target = target_or_domain(mechanism.domain);
        if (auto* stop = std::get_if<Stop>(&target)) return located(*stop);
        const std::string& name = std::get<std::string>(target);
        const Answer mx = evaluator_.lookup(name, RrType::mx, depth_);
        if (auto stop = check_answer(mx, RrType::mx, name)) return *stop;
        const unsigned limit = evaluator_.budget().limits().max_names_per_lookup;
        if (mx.names.size() > limit)
            return Stop{Result::permerror, std::to_string(mx.names.size()) + " MX names for " + name + " (more than " +
                                               std::to_string(limit) + ") at " + term()};
        const RrType type = address_type(evaluator_.ip());
        const unsigned prefix = prefix_for(evaluator_.ip(), mechanism.cidr);
        // The exchanges' addresses are independent questions: asked together,
        // read in order (a warm MX answer means warm addresses: no hint).
        // A prefetched MX answer had its exchanges followed up when it arrived.
        if (evaluator_.fresh(mx) && mx.names.size() > 1)
            if (Prefetcher* ahead = evaluator_.prefetcher()) evaluator_.prefetch(ahead->addresses_of(mx.names));
        for (const std::string& exchange : mx.names) {
            if (exchange.empty() || exchange == ".") continue;
            const Answer addresses = evaluator_.lookup(exchange, type, depth_);
            if (addresses.status == DnsStatus::timeout || addresses.status == DnsStatus::server_failure)
                return dns_error(addresses, type, exchange);
            if (any_matches(addresses, evaluator_.ip(), prefix)) return true;
        }
        return false;
    }

    // §5.5: DNS errors make ptr not match; at most 10 names are validated. A spent
    // time budget is not a DNS error of the RFC's: match() makes it a temperror.
    MatchOutcome operator()(const ast::Ptr& mechanism) const {
        if (auto stop = evaluator_.budget().charge_term()) return located(*stop);
        auto target = target_or_domain(mechanism.domain);
        if (auto* stop = std::get_if<Stop>(&target)) return located(*stop);
        const std::string& name = std::get<std::string>(target);
        const std::vector<std::string> names = evaluator_.validated_names(depth_);
        if (evaluator_.void_ptr()) {
            if (auto stop = evaluator_.budget().note_void()) return located(*stop);
        }
        return std::any_of(names.begin(), names.end(),
                           [&](const std::string& validated) { return is_subdomain_of(validated, name); });
    }

    // §5.7: always an A query, whatever the client's address family.
    MatchOutcome operator()(const ast::Exists& mechanism) const {
        if (auto stop = evaluator_.budget().charge_term()) return located(*stop);
        auto target = evaluator_.target_name(mechanism.domain, domain_, depth_);
        if (auto* stop = std::get_if<Stop>(&target)) return located(*stop);
        const std::string& name = std::get<std::string>(target);
        const Answer answer = evaluator_.lookup(name, RrType::a, depth_);
        if (auto stop = check_answer(answer, RrType::a, name)) return *stop;
        return !answer.addresses.empty();
    }

private:
    std::variant<std::string, Stop> target_or_domain(const std::optional<ast::MacroString>& domain_spec) const {
        if (!domain_spec) return domain_;
        return evaluator_.target_name(*domain_spec, domain_, depth_);
    }

    // DNS errors stop the check with temperror; empty answers count as void lookups.
    std::optional<Stop> check_answer(const Answer& answer, RrType type, const std::string& name) const {
        if (answer.status == DnsStatus::timeout || answer.status == DnsStatus::server_failure)
            return dns_error(answer, type, name);
        if (is_void(answer))
            if (auto stop = evaluator_.budget().note_void()) return located(*stop);
        return std::nullopt;
    }

    Stop dns_error(const Answer& answer, RrType type, const std::string& name) const {
        if (auto stop = evaluator_.budget().time_stop()) return located(*stop);
        return located(Stop{Result::temperror, "DNS " + std::string(to_string(answer.status)) + " for " +
                                                   std::string(to_string(type)) + " " + name});
    }

    Evaluator& evaluator_;
    const ast::Mechanism& mechanism_;
    const std::string& domain_;
    unsigned depth_;
};

}  // namespace

MatchOutcome Evaluator::match(const ast::Mechanism& mechanism, const std::string& domain, unsigned depth) {
    const Matcher matcher(*this, mechanism, domain, depth);
    MatchOutcome outcome = boost::apply_visitor(matcher, mechanism);
    // Whatever a mechanism concluded without the answers it did not get in time
    // (ptr's skipped names above all) is no verdict.
    if (std::holds_alternative<bool>(outcome))
        if (auto stop = budget_.time_stop()) return matcher.located(*stop);
    return outcome;
}

std::vector<std::string> Evaluator::validated_names(unsigned depth) {
    if (validated_names_) return *validated_names_;
    std::vector<std::string> names;
    const Answer ptr = lookup(ip_.reverse_name(), RrType::ptr, depth);
    void_ptr_ = is_void(ptr);
    const RrType type = address_type(ip_);
    const unsigned limit = budget_.limits().max_names_per_lookup;
    if (fresh(ptr) && ptr.names.size() > 1)
        if (Prefetcher* ahead = prefetcher()) prefetch(ahead->addresses_of_ptr_names(ptr.names));
    for (std::size_t i = 0; i < ptr.names.size() && i < limit && !budget_.time_exhausted(); ++i) {
        const Answer addresses = lookup(ptr.names[i], type, depth);
        // §5.5: a name whose address lookup fails is skipped. A spent time budget
        // ends the loop instead (the names left would only be guessed at).
        if (std::any_of(addresses.addresses.begin(), addresses.addresses.end(),
                        [&](const IpAddress& address) { return address.unmapped() == ip_; }))
            names.push_back(ptr.names[i]);
    }
    validated_names_ = names;
    return names;
}

std::string Evaluator::validated_name_for(const std::string& domain, unsigned depth) {
    const std::vector<std::string> names = validated_names(depth);
    for (const auto& name : names)
        if (same_domain(name, domain)) return name;
    for (const auto& name : names)
        if (is_subdomain_of(name, domain)) return name;
    return names.empty() ? "unknown" : names.front();
}

}  // namespace spf::detail
