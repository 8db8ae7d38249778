// spf/record_printer.cpp: the canonical text of records, terms and macro-strings,
// and structural equality of the AST. Canonical means: names in lower case, the
// qualifier only where it was written, CIDR lengths as given, macros as %{ir} with
// an upper-case letter for URL escaping, a literal "%" as "%%" ("%20" as "%-") and a
// literal space as "%_". For any record r that parses, parse_record(to_string(r)) == r.
#include "spf/record_printer.hpp"

#include "spf/ip_address.hpp"

#include <boost/variant/apply_visitor.hpp>
#include <boost/variant/get.hpp>

#include <type_traits>

namespace spf {

namespace {

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

std::string cidr_text(const std::optional<unsigned>& prefix) {
    return prefix ? "/" + std::to_string(*prefix) : std::string();
}

// dual-cidr-length: "/24", "//64" or "/24//64".
std::string dual_cidr_text(const ast::DualCidr& cidr) {
    return cidr_text(cidr.ip4) + (cidr.ip6 ? "/" + cidr_text(cidr.ip6) : std::string());
}

std::string domain_text(const std::optional<ast::MacroString>& domain) {
    return domain ? ":" + to_string(*domain) : std::string();
}

// Literal text as a macro-string: "%" as "%%", " " as "%_", and "%20" as "%-".
// The last one matters: "a:%{d}%-" ends in a macro-expand and is a valid
// domain-spec (§7.1 domain-end), while "a:%{d}%%20" ends in the label "20" and is not.
std::string literal_text(const std::string& literal) {
    std::string text;
    text.reserve(literal.size());
    for (std::size_t i = 0; i < literal.size(); ++i) {
        const char c = literal[i];
        if (c == '%' && literal.compare(i + 1, 2, "20") == 0) {
            text += "%-";
            i += 2;
        } else if (c == '%') {
            text += "%%";
        } else if (c == ' ') {
            text += "%_";
        } else {
            text += c;
        }
    }
    return text;
}

std::string expand_text(const ast::MacroExpand& expand) {
    std::string text = "%{";
    text += expand.url_escape ? upper(expand.letter) : expand.letter;
    if (expand.digits != 0) text += std::to_string(expand.digits);
    if (expand.reverse) text += 'r';
    text += expand.delimiters;
    return text + '}';
}

struct MechanismPrinter {
    std::string operator()(const ast::All&) const { return "all"; }
    std::string operator()(const ast::Include& include) const { return "include:" + to_string(include.domain); }
    std::string operator()(const ast::A& a) const { return "a" + domain_text(a.domain) + dual_cidr_text(a.cidr); }
    std::string operator()(const ast::Mx& mx) const { return "mx" + domain_text(mx.domain) + dual_cidr_text(mx.cidr); }
    std::string operator()(const ast::Ptr& ptr) const { return "ptr" + domain_text(ptr.domain); }
    std::string operator()(const ast::Ip4& ip4) const {
        return "ip4:" + IpAddress::v4(ip4.network).to_string() + cidr_text(ip4.prefix);
    }
    std::string operator()(const ast::Ip6& ip6) const {
        return "ip6:" + IpAddress::v6(ip6.network).to_string() + cidr_text(ip6.prefix);
    }
    std::string operator()(const ast::Exists& exists) const { return "exists:" + to_string(exists.domain); }
};

struct TermPrinter {
    std::string operator()(const ast::Directive& directive) const { return to_string(directive); }
    std::string operator()(const ast::Redirect& redirect) const { return "redirect=" + to_string(redirect.domain); }
    std::string operator()(const ast::Explanation& explanation) const { return "exp=" + to_string(explanation.domain); }
    std::string operator()(const ast::UnknownModifier& modifier) const {
        return modifier.name + "=" + to_string(modifier.value);
    }
};

// ---- Equality, member by member ------------------------------------------------

bool same(const ast::MacroExpand& x, const ast::MacroExpand& y) {
    return x.letter == y.letter && x.url_escape == y.url_escape && x.digits == y.digits && x.reverse == y.reverse &&
           x.delimiters == y.delimiters;
}
bool same(const std::string& x, const std::string& y) { return x == y; }
bool same(const std::optional<ast::MacroString>& x, const std::optional<ast::MacroString>& y) {
    return x.has_value() == y.has_value() && (!x || *x == *y);
}
bool same(const ast::DualCidr& x, const ast::DualCidr& y) { return x.ip4 == y.ip4 && x.ip6 == y.ip6; }
bool same(const ast::All&, const ast::All&) { return true; }
bool same(const ast::Include& x, const ast::Include& y) { return x.domain == y.domain; }
bool same(const ast::A& x, const ast::A& y) { return same(x.domain, y.domain) && same(x.cidr, y.cidr); }
bool same(const ast::Mx& x, const ast::Mx& y) { return same(x.domain, y.domain) && same(x.cidr, y.cidr); }
bool same(const ast::Ptr& x, const ast::Ptr& y) { return same(x.domain, y.domain); }
bool same(const ast::Ip4& x, const ast::Ip4& y) { return x.network == y.network && x.prefix == y.prefix; }
bool same(const ast::Ip6& x, const ast::Ip6& y) { return x.network == y.network && x.prefix == y.prefix; }
bool same(const ast::Exists& x, const ast::Exists& y) { return x.domain == y.domain; }
bool same(const ast::Mechanism& x, const ast::Mechanism& y);
bool same(const ast::Directive& x, const ast::Directive& y) {
    return x.qualifier == y.qualifier && same(x.mechanism, y.mechanism);
}
bool same(const ast::Redirect& x, const ast::Redirect& y) { return x.domain == y.domain; }
bool same(const ast::Explanation& x, const ast::Explanation& y) { return x.domain == y.domain; }
bool same(const ast::UnknownModifier& x, const ast::UnknownModifier& y) {
    return x.name == y.name && x.value == y.value;
}

// Two x3::variants are equal when they hold the same alternative with equal values.
template <class Variant>
bool same_variant(const Variant& x, const Variant& y) {
    return boost::apply_visitor(
        [](const auto& left, const auto& right) {
            if constexpr (std::is_same_v<std::decay_t<decltype(left)>, std::decay_t<decltype(right)>>)
                return same(left, right);
            else
                return false;
        },
        x.get(), y.get());
}

bool same(const ast::Mechanism& x, const ast::Mechanism& y) { return same_variant(x, y); }

}  // namespace

std::string to_string(const ast::MacroString& macro_string) {
    std::string text;
    for (const ast::MacroToken& token : macro_string.tokens) {
        if (const auto* literal = boost::get<std::string>(&token.get()))
            text += literal_text(*literal);
        else
            text += expand_text(boost::get<ast::MacroExpand>(token.get()));
    }
    return text;
}

std::string to_string(const ast::Mechanism& mechanism) {
    return boost::apply_visitor(MechanismPrinter{}, mechanism.get());
}

std::string to_string(const ast::Directive& directive) {
    static constexpr char qualifier_chars[] = {'+', '-', '~', '?'};  // the order of ast::Qualifier
    std::string text;
    if (directive.qualifier) text += qualifier_chars[static_cast<std::size_t>(*directive.qualifier)];
    return text + to_string(directive.mechanism);
}

std::string to_string(const ast::Term& term) { return boost::apply_visitor(TermPrinter{}, term.get()); }

std::string to_string(const ast::Record& record) {
    std::string text = "v=spf1";
    for (const ast::Term& term : record.terms) text += " " + to_string(term);
    return text;
}

bool operator==(const ast::MacroString& x, const ast::MacroString& y) {
    if (x.tokens.size() != y.tokens.size()) return false;
    for (std::size_t i = 0; i < x.tokens.size(); ++i)
        if (!same_variant(x.tokens[i], y.tokens[i])) return false;
    return true;
}

bool operator==(const ast::Record& x, const ast::Record& y) {
    if (x.terms.size() != y.terms.size()) return false;
    for (std::size_t i = 0; i < x.terms.size(); ++i)
        if (!same_variant(x.terms[i], y.terms[i])) return false;
    return true;
}

}  // namespace spf
