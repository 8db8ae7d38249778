// spf/grammar_def.hpp: the X3 rules of RFC 7208 §12, one rule per production and
// named as the RFC names it, so that an expectation failure reports "dual-cidr-length"
// or "domain-spec" without a translation table. Only grammar.cpp includes this file:
// the rules are instantiated once, for `const char*` iterators.
//
// Three things the ABNF says in prose or leaves to the reader are decided here:
//  - a mechanism name is committed once it is followed by a non-alphanumeric, and
//    modifiers are tried first, so "ip4=x" and "a=b" are unknown modifiers (§12,
//    unknown-modifier) while "ip4:" must be followed by a network;
//  - macro-literal includes "/", so the domain-spec of a and mx stops before a
//    trailing dual-cidr-length ("a:foo:bar/baz.example.com/24" keeps the inner "/");
//  - checks that are not context-free (domain-end, the letters c r t outside
//    explain-strings, CIDR ranges, a second redirect= or exp=) run as semantic
//    actions on the text just matched, and fail with a detail for the log.
// Errors are values: the sink passed in with x3::with<> records the first failure;
// only the outermost rules (record, macro-string, explain-string) handle errors.
#pragma once

#include "spf/grammar.hpp"
#include "spf/record_adapted.hpp"

#include <boost/spirit/home/x3.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// X3 of Boost 1.74 knows boost::optional only; the AST holds std::optional.
// These two traits let `-p` fill a std::optional member (X3 then assigns the value).
namespace boost::spirit::x3::traits {
template <class T>
struct is_optional<std::optional<T>> : mpl::true_ {};
template <class T>
struct optional_value<std::optional<T>> : mpl::identity<T> {};
}  // namespace boost::spirit::x3::traits

namespace spf::grammar {

namespace x3 = boost::spirit::x3;
using Iterator = const char*;

// The state of one parse: the text, the term being read (for messages), the
// modifiers that may appear once, and the first error.
struct ErrorSink {
    Iterator begin = nullptr;
    Iterator end = nullptr;
    const char* subject = "record";  // "found end of record"
    Iterator term_begin = nullptr;   // where the current term starts
    std::string detail;              // set by a semantic check just before it fails
    bool seen_redirect = false;
    bool seen_exp = false;
    std::optional<ParseError> error;
};
struct error_sink_tag;

template <class Context>
ErrorSink& sink_of(const Context& context) {
    return x3::get<error_sink_tag>(context).get();
}

// ---- Helpers defined in grammar.cpp (plain functions: compiled once) --------------

// Records detail and throws the expectation failure that the outermost rule turns
// into a ParseError at where.
[[noreturn]] void fail_at(ErrorSink& sink, Iterator where, const char* production, std::string detail);
// The ParseError for a failure X3 reported itself (which = the rule or literal expected).
ParseError describe_failure(const ErrorSink& sink, Iterator where, const std::string& which);

void append_literal(ast::MacroString& target, std::string_view text);
void append_token(ast::MacroString& target, ast::MacroToken&& token);

// Each returns the value of [first, last) or fails at the offending character.
void check_domain_spec(ErrorSink& sink, Iterator first, Iterator last);
unsigned cidr_length_value(ErrorSink& sink, Iterator first, Iterator last, unsigned max, const char* production);
unsigned transformer_digits_value(ErrorSink& sink, Iterator first, Iterator last);
std::array<std::uint8_t, 4> ip4_network_value(ErrorSink& sink, Iterator first, Iterator last);
std::array<std::uint8_t, 16> ip6_network_value(ErrorSink& sink, Iterator first, Iterator last);
// Fails at the current term if seen is already set (§6: redirect= and exp= at most once).
void note_modifier(ErrorSink& sink, bool& seen, const char* production, const char* written);

// Only the outermost rule of a parse handles errors (as in X3's rexpr example).
struct error_handler {
    template <class It, class Failure, class Context>
    x3::error_handler_result on_error(It&, const It&, const Failure& failure, const Context& context) {
        ErrorSink& sink = sink_of(context);
        if (!sink.error) sink.error = describe_failure(sink, failure.where(), failure.which());
        return x3::error_handler_result::fail;
    }
};
struct record_id : error_handler {};
struct macro_string_text_id : error_handler {};
struct explain_string_id : error_handler {};

// ---- Rules --------------------------------------------------------------------

// §7.1 macros
x3::rule<struct macro_literal_id, char> const macro_literal = "macro-literal";
x3::rule<struct macro_letter_id, char> const macro_letter = "macro-letter";
x3::rule<struct delimiter_id, char> const delimiter = "delimiter";
x3::rule<struct macro_expand_braced_id, ast::MacroExpand> const macro_expand_braced = "macro-expand";
x3::rule<struct macro_expand_inside_id, ast::MacroExpand> const macro_expand_inside = "macro-letter";
x3::rule<struct macro_expand_id, ast::MacroToken> const macro_expand = "macro-expand";
x3::rule<struct macro_string_id, ast::MacroString> const macro_string = "macro-string";
x3::rule<struct macro_string_before_cidr_id, ast::MacroString> const macro_string_before_cidr = "macro-string";
x3::rule<struct domain_spec_id, ast::MacroString> const domain_spec = "domain-spec";
x3::rule<struct domain_spec_before_cidr_id, ast::MacroString> const domain_spec_before_cidr = "domain-spec";
// §5.6 networks and CIDR lengths
x3::rule<struct ip4_network_id, std::array<std::uint8_t, 4>> const ip4_network = "ip4-network";
x3::rule<struct ip6_network_id, std::array<std::uint8_t, 16>> const ip6_network = "ip6-network";
x3::rule<struct ip4_length_id, unsigned> const ip4_length = "ip4-cidr-length";
x3::rule<struct ip6_length_id, unsigned> const ip6_length = "ip6-cidr-length";
x3::rule<struct ip4_cidr_length_id, unsigned> const ip4_cidr_length = "ip4-cidr-length";
x3::rule<struct ip6_cidr_length_id, unsigned> const ip6_cidr_length = "ip6-cidr-length";
x3::rule<struct dual_cidr_length_id, ast::DualCidr> const dual_cidr_length = "dual-cidr-length";
// §5 mechanisms
x3::rule<struct all_id, ast::All> const all = "all";
x3::rule<struct include_id, ast::Include> const include = "include";
x3::rule<struct a_id, ast::A> const a = "A";
x3::rule<struct mx_id, ast::Mx> const mx = "MX";
x3::rule<struct ptr_id, ast::Ptr> const ptr = "PTR";
x3::rule<struct ip4_id, ast::Ip4> const ip4 = "IP4";
x3::rule<struct ip6_id, ast::Ip6> const ip6 = "IP6";
x3::rule<struct exists_id, ast::Exists> const exists = "exists";
x3::rule<struct mechanism_id, ast::Mechanism> const mechanism = "mechanism";
x3::rule<struct directive_id, ast::Directive> const directive = "directive";
// §6 modifiers
x3::rule<struct name_id, std::string> const name = "name";
x3::rule<struct redirect_id, ast::Redirect> const redirect = "redirect";
x3::rule<struct explanation_id, ast::Explanation> const explanation = "explanation";
x3::rule<struct unknown_modifier_id, ast::UnknownModifier> const unknown_modifier = "unknown-modifier";
// §4.6.1 record structure. end_of_term is the 1*SP (or end) that must follow a term;
// end_of_record fails where a term should have started but none did.
x3::rule<struct term_id, ast::Term, true> const term = "term";
x3::rule<struct end_of_term_id> const end_of_term = "SP";
x3::rule<struct end_of_record_id> const end_of_record = "terms";
x3::rule<struct version_id> const version = "version";
x3::rule<record_id, std::vector<ast::Term>> const record = "record";
// The two entry points for text outside records (§6.2, §7.1).
x3::rule<struct end_of_macro_string_id> const end_of_macro_string = "macro-string";
x3::rule<macro_string_text_id, ast::MacroString> const macro_string_text = "macro-string";
x3::rule<explain_string_id, ast::MacroString> const explain_string = "explain-string";

// ---- Semantic actions ------------------------------------------------------------

using x3::_attr;
using x3::_val;
using x3::_where;

inline const auto push_char = [](auto& context) {
    append_literal(_val(context), std::string_view(&_attr(context), 1));
};
inline const auto push_space = [](auto& context) { append_literal(_val(context), " "); };
inline const auto push_token = [](auto& context) { append_token(_val(context), std::move(_attr(context))); };
inline const auto set_value = [](auto& context) { _val(context) = std::move(_attr(context)); };
inline const auto set_domain = [](auto& context) { _val(context).domain = std::move(_attr(context)); };
inline const auto set_optional_domain = [](auto& context) {
    if (_attr(context)) _val(context).domain = std::move(*_attr(context));  // boost::optional -> std::optional
};

// "%%" -> "%", "%_" -> " ", "%-" -> "%20" (§7.1): the escapes become literal text.
inline auto set_text(const char* text) {
    return [text](auto& context) { _val(context) = std::string(text); };
}

// Upper-case letters ask for URL escaping (§7.3); the AST keeps the lower-case letter.
inline const auto set_letter = [](auto& context) {
    const char letter = _attr(context);
    const bool upper = letter >= 'A' && letter <= 'Z';
    _val(context).letter = upper ? static_cast<char>(letter - 'A' + 'a') : letter;
    _val(context).url_escape = upper;
};
inline const auto set_digits = [](auto& context) {
    _val(context).digits = transformer_digits_value(sink_of(context), _attr(context).begin(), _attr(context).end());
};
inline const auto set_reverse = [](auto& context) { _val(context).reverse = true; };
inline const auto set_delimiters = [](auto& context) {
    _val(context).delimiters.assign(_attr(context).begin(), _attr(context).end());
};

// Used as x3::raw[macro_string[set_value]][check_domain]: the attribute is the text
// matched. (Boost 1.74's _where() is the input after the match, not the match.)
inline const auto check_domain = [](auto& context) {
    check_domain_spec(sink_of(context), _attr(context).begin(), _attr(context).end());
};
inline auto set_length(unsigned max, const char* production) {
    return [max, production](auto& context) {
        _val(context) =
            cidr_length_value(sink_of(context), _attr(context).begin(), _attr(context).end(), max, production);
    };
}
inline const auto set_ip4_network = [](auto& context) {
    _val(context) = ip4_network_value(sink_of(context), _attr(context).begin(), _attr(context).end());
};
inline const auto set_ip6_network = [](auto& context) {
    _val(context) = ip6_network_value(sink_of(context), _attr(context).begin(), _attr(context).end());
};
inline const auto set_redirect = [](auto& context) {
    note_modifier(sink_of(context), sink_of(context).seen_redirect, "redirect", "redirect=");
    _val(context).domain = std::move(_attr(context));
};
inline const auto set_explanation = [](auto& context) {
    note_modifier(sink_of(context), sink_of(context).seen_exp, "explanation", "exp=");
    _val(context).domain = std::move(_attr(context));
};
// On x3::eps, which matches nothing: the input after the match is where the term starts.
inline const auto mark_term = [](auto& context) { sink_of(context).term_begin = _where(context).begin(); };

// ---- Definitions -----------------------------------------------------------------

using x3::lit;
using x3::no_case;

// ABNF literals are case-insensitive (RFC 5234 §2.3). A mechanism name counts only
// when no letter or digit follows: "allow" is an unknown mechanism, not "all".
inline auto keyword(const char* text) { return no_case[lit(text)] >> !x3::alnum; }

// qualifier = "+" / "-" / "?" / "~"
struct qualifier_table : x3::symbols<ast::Qualifier> {
    qualifier_table() {
        add("+", ast::Qualifier::pass)("-", ast::Qualifier::fail)("~", ast::Qualifier::softfail)(
            "?", ast::Qualifier::neutral);
    }
} const qualifier;

// macro-literal = %x21-24 / %x26-7E ; visible characters except "%"
auto const macro_literal_def = x3::char_('\x21', '\x24') | x3::char_('\x26', '\x7E');
// macro-letter = "s" / "l" / "o" / "d" / "i" / "p" / "h" / "c" / "r" / "t" / "v"
auto const macro_letter_def = x3::char_("slodiphcrtvSLODIPHCRTV");
// delimiter = "." / "-" / "+" / "," / "/" / "_" / "="
auto const delimiter_def = x3::char_(".+,/_=") | x3::char_('-');
// "%{" macro-letter transformers *delimiter "}", with transformers = *DIGIT [ "r" ].
// What follows "%{" is a rule of its own, named for its first part: an expectation
// failure names the rule expected, and a letter with an action has no name.
auto const macro_expand_braced_def = lit("%{") > macro_expand_inside;
auto const macro_expand_inside_def = macro_letter[set_letter] > x3::raw[*x3::digit][set_digits] >
                                     -no_case[lit('r')][set_reverse] > x3::raw[*delimiter][set_delimiters] > lit('}');
// macro-expand = ( "%{" ... "}" ) / "%%" / "%_" / "%-"
auto const macro_expand_def =
    macro_expand_braced[set_value] | lit("%%")[set_text("%")] | lit("%_")[set_text(" ")] | lit("%-")[set_text("%20")];
// A "%" commits to a macro-expand: "%x" is a syntax error (§7.1), not two literals.
auto const macro_expand_here = &lit('%') > macro_expand;
// macro-string = *( macro-expand / macro-literal )
auto const macro_string_def = *(macro_expand_here[push_token] | macro_literal[push_char]);

// A dual-cidr-length that ends the term, checked for syntax only (ranges come later).
auto const trailing_cidr = ((lit('/') >> +x3::digit >> -(lit("//") >> +x3::digit)) | (lit("//") >> +x3::digit)) >>
                           &(lit(' ') | x3::eoi);
auto const macro_string_before_cidr_def =
    *(macro_expand_here[push_token] | (!trailing_cidr >> macro_literal)[push_char]);

// domain-spec = macro-string domain-end; domain-end is checked on the text matched.
auto const domain_spec_def = x3::raw[macro_string[set_value]][check_domain];
auto const domain_spec_before_cidr_def = x3::raw[macro_string_before_cidr[set_value]][check_domain];

// ip4-network = qnum "." qnum "." qnum "." qnum; ip6-network as in RFC 4291 §2.2.
auto const ip4_network_def = x3::raw[+(x3::digit | lit('.'))][set_ip4_network];
auto const ip6_network_def = x3::raw[+(x3::xdigit | lit(':') | lit('.'))][set_ip6_network];

// ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT), value 0..32
// ip6-cidr-length = "/" ("0" / %x31-39 0*2DIGIT), value 0..128
// dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]
auto const ip4_length_def = x3::raw[+x3::digit][set_length(32, "ip4-cidr-length")];
auto const ip6_length_def = x3::raw[+x3::digit][set_length(128, "ip6-cidr-length")];
auto const ip4_cidr_length_def = (lit('/') >> !lit('/')) > ip4_length;
auto const ip6_cidr_length_def = lit('/') > ip6_length;
auto const dual_cidr_length_def = -ip4_cidr_length >> -(lit('/') >> ip6_cidr_length);

// all = "all"; include = "include" ":" domain-spec;
// A = "a" [ ":" domain-spec ] [ dual-cidr-length ]; MX = "mx" [ ":" domain-spec ] [ dual-cidr-length ]
// PTR = "ptr" [ ":" domain-spec ]; exists = "exists" ":" domain-spec
// IP4 = "ip4" ":" ip4-network [ ip4-cidr-length ]; IP6 = "ip6" ":" ip6-network [ ip6-cidr-length ]
auto const all_def = keyword("all");
auto const include_def = keyword("include") > lit(':') > domain_spec[set_domain];
auto const a_def = keyword("a") >> -(lit(':') > domain_spec_before_cidr) >> dual_cidr_length;
auto const mx_def = keyword("mx") >> -(lit(':') > domain_spec_before_cidr) >> dual_cidr_length;
auto const ptr_def = keyword("ptr") >> (-(lit(':') > domain_spec))[set_optional_domain];
// (`>>` binds tighter than `>` in C++: every part after a `>` is itself a `>` here.)
auto const ip4_def = keyword("ip4") > lit(':') > ip4_network > -ip4_cidr_length;
auto const ip6_def = keyword("ip6") > lit(':') > ip6_network > -ip6_cidr_length;
auto const exists_def = keyword("exists") > lit(':') > domain_spec[set_domain];
auto const mechanism_def = all | include | a | mx | ptr | ip4 | ip6 | exists;

// directive = [ qualifier ] mechanism, and nothing after it but SP or the end.
auto const directive_def = -qualifier >> mechanism > end_of_term;
auto const end_of_term_def = &(lit(' ') | x3::eoi);

// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
// redirect = "redirect" "=" domain-spec; explanation = "exp" "=" domain-spec
// unknown-modifier = name "=" macro-string
// Both known modifiers are committed at "=", so "redirect=-all" is an error, not an
// unknown modifier; each may appear once (§6).
auto const name_def = x3::raw[x3::alpha >> *(x3::alnum | x3::char_("._") | x3::char_('-'))];
auto const redirect_def = no_case[lit("redirect")] >> lit('=') > domain_spec[set_redirect];
auto const explanation_def = no_case[lit("exp")] >> lit('=') > domain_spec[set_explanation];
auto const unknown_modifier_def = name >> lit('=') > macro_string;

// terms = *( 1*SP ( directive / modifier ) ); modifiers first, see the file comment.
auto const term_def = x3::eps[mark_term] >> (redirect | explanation | unknown_modifier | directive);
auto const end_of_record_def = x3::eoi;
// version = "v=spf1", ended by SP or the end of the record (§4.5)
auto const version_def = no_case[lit("v=spf1")] >> &(lit(' ') | x3::eoi);
// record = version terms *SP
auto const record_def = x3::eps > version > *(+lit(' ') >> term) > *lit(' ') > end_of_record;

// A macro-string alone (a caller's default explanation) and an explain-string, the
// TXT that exp= points to: explain-string = *( macro-string / SP ).
auto const end_of_macro_string_def = x3::eoi;
auto const macro_string_text_def = macro_string > end_of_macro_string;
auto const explain_string_def =
    *(macro_expand_here[push_token] | macro_literal[push_char] | lit(' ')[push_space]) > x3::eoi;

BOOST_SPIRIT_DEFINE(macro_literal, macro_letter, delimiter, macro_expand_braced, macro_expand_inside, macro_expand,
                    macro_string, macro_string_before_cidr, domain_spec, domain_spec_before_cidr, ip4_network,
                    ip6_network, ip4_length, ip6_length, ip4_cidr_length, ip6_cidr_length, dual_cidr_length, all,
                    include, a, mx, ptr, ip4, ip6, exists, mechanism, directive, name, redirect, explanation,
                    unknown_modifier, term, end_of_term, end_of_record, version, record, end_of_macro_string,
                    macro_string_text, explain_string)

}  // namespace spf::grammar
