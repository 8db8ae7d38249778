// spf/grammar.cpp: parse_record(), parse_macro_string(), parse_explain_string() and
// is_spf_record(): the one translation unit that instantiates the X3 rules of
// grammar_def.hpp. Also here: the checks the rules call on text they matched
// (domain-end, CIDR lengths, networks, transformers) and the wording of every
// syntax error, written for a mail administrator reading a log line.
#include "spf/grammar.hpp"

#include "spf/grammar_def.hpp"
#include "spf/ip_address.hpp"
#include "spf/text.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace spf {

std::string ParseError::message() const {
    return "syntax error at column " + std::to_string(column) + ": " +
           (detail.empty() ? "expected " + expected : detail);
}

namespace grammar {

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alphanum(char c) { return is_alpha(c) || is_digit(c); }

// Text quoted for a message, cut short if long: log lines stay readable.
std::string quoted(std::string_view text) {
    constexpr std::size_t max_shown = 40;
    if (text.size() > max_shown) return "\"" + std::string(text.substr(0, max_shown)) + "...\"";
    return "\"" + std::string(text) + "\"";
}

std::size_t column_of(const ErrorSink& sink, Iterator where) {
    return static_cast<std::size_t>(where - sink.begin) + 1;
}

// What stands at where: the rest of the word up to the next space, or the end.
std::string found_at(const ErrorSink& sink, Iterator where) {
    if (where == sink.end) return std::string("end of ") + sink.subject;
    if (*where == ' ') return "a space";
    return quoted(std::string_view(where, static_cast<std::size_t>(std::find(where, sink.end, ' ') - where)));
}

// The single character at where, for failures inside a macro.
std::string found_char_at(const ErrorSink& sink, Iterator where) {
    if (where == sink.end) return std::string("end of ") + sink.subject;
    if (*where == ' ') return "a space";
    return quoted(std::string_view(where, 1));
}

// The current term up to where, e.g. "include" when the ":" is missing.
std::string_view term_before(const ErrorSink& sink, Iterator where) {
    if (sink.term_begin == nullptr || sink.term_begin > where) return {};
    return {sink.term_begin, static_cast<std::size_t>(where - sink.term_begin)};
}

// The argument a mechanism written as term takes after its ":", for "expected ..." messages.
std::pair<const char*, const char*> argument_of(std::string_view written) {
    if (!written.empty() && std::string_view("+-~?").find(written.front()) != std::string_view::npos)
        written.remove_prefix(1);
    if (iequals(written, "ip4")) return {"ip4-network", "an IPv4 network"};
    if (iequals(written, "ip6")) return {"ip6-network", "an IPv6 network"};
    return {"domain-spec", "a domain-spec"};
}

// A term that is neither a directive nor a modifier: say which of the two it
// looked like and what is wrong with it.
ParseError describe_unknown_term(const ErrorSink& sink, Iterator where) {
    ParseError error{column_of(sink, where), "mechanism", {}};
    std::string_view rest(where, static_cast<std::size_t>(std::find(where, sink.end, ' ') - where));
    if (rest.empty()) {
        error.detail = "expected a term, found " + found_at(sink, where);
        return error;
    }
    const bool has_qualifier = std::string_view("+-~?").find(rest.front()) != std::string_view::npos;
    if (has_qualifier) rest.remove_prefix(1);
    if (rest.empty()) {
        error.detail = "qualifier \"" + std::string(1, *where) + "\" without a mechanism";
        return error;
    }
    const std::size_t cut = rest.find_first_of(":/=");
    const std::string_view word = rest.substr(0, cut);
    if (cut != std::string_view::npos && rest[cut] == '=') {
        if (has_qualifier) {
            error.detail = "modifier " + quoted(rest.substr(0, cut + 1)) + " cannot have a qualifier";
        } else {
            error.expected = "name";
            error.detail = word.empty() ? "modifier without a name: " + quoted(rest)
                                        : "invalid modifier name " + quoted(word) +
                                              ": a name is a letter, then letters, digits, \"-\", \"_\" or \".\"";
        }
        return error;
    }
    error.detail = "unknown mechanism " + quoted(rest.substr(0, cut == std::string_view::npos ? cut : cut + 1));
    if (iequals(word, "redirect") || iequals(word, "exp"))
        error.detail += " (" + std::string(word) + " is a modifier: write \"" + std::string(word) + "=\")";
    return error;
}

// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
// That is: letters, digits and "-"; alphanumeric at both ends; not all digits.
std::string toplabel_problem(std::string_view label) {
    if (label.empty()) return "the last label is empty";
    const auto bad = std::find_if(label.begin(), label.end(), [](char c) { return !is_alphanum(c) && c != '-'; });
    if (bad != label.end()) return quoted(label) + " contains " + quoted(std::string_view(&*bad, 1));
    if (label.front() == '-') return quoted(label) + " starts with \"-\"";
    if (label.back() == '-') return quoted(label) + " ends with \"-\"";
    if (std::all_of(label.begin(), label.end(), is_digit)) return quoted(label) + " is all digits";
    return {};
}

}  // namespace

[[noreturn]] void fail_at(ErrorSink& sink, Iterator where, const char* production, std::string detail) {
    sink.detail = std::move(detail);
    throw x3::expectation_failure<Iterator>(where, production);
}

ParseError describe_failure(const ErrorSink& sink, Iterator where, const std::string& which) {
    ParseError error{column_of(sink, where), which, sink.detail};
    if (!error.detail.empty()) return error;  // a semantic check said what is wrong
    const std::string found = found_at(sink, where);
    const std::string_view written = term_before(sink, where);
    if (which == "version") {
        error.detail = "a record begins with \"v=spf1\" and a space, found " + found;
    } else if (which == "terms") {
        return describe_unknown_term(sink, where);
    } else if (which == "SP") {
        error.detail = "unexpected " + found + " after " + quoted(written);
    } else if (which == "':'") {
        const auto [production, argument] = argument_of(written);
        error.expected = production;
        error.detail = std::string("expected \":\" and ") + argument + " after " + quoted(written) + ", found " + found;
    } else if (which == "ip4-network" || which == "ip6-network") {
        error.detail = "expected " + std::string(which == "ip4-network" ? "an IPv4" : "an IPv6") + " network after " +
                       quoted(written) + ", found " + found;
    } else if (which == "ip4-cidr-length" || which == "ip6-cidr-length") {
        error.detail = "expected " +
                       std::string(which == "ip4-cidr-length" ? "an IPv4 prefix length (0..32)"
                                                              : "an IPv6 prefix length (0..128)") +
                       " after \"/\", found " + found;
    } else if (which == "macro-expand") {
        if (where + 1 >= sink.end)
            error.detail = "\"%\" at the end: write \"%%\" for a percent sign";
        else
            error.detail = "invalid macro " + quoted(std::string_view(where, 2)) +
                           ": \"%\" must be followed by \"{\", \"%\", \"_\" or \"-\" (\"%%\" is a percent sign)";
    } else if (which == "macro-letter") {
        const bool letter = where != sink.end && is_alpha(*where);
        error.detail =
            letter ? "unknown macro letter " + found_char_at(sink, where) + " (the letters are s l o d i p h c r t v)"
                   : "expected a macro letter after \"%{\", found " + found_char_at(sink, where);
    } else if (which == "'}'") {
        error.expected = "macro-expand";
        error.detail = "expected \"}\" to end the macro, found " + found_char_at(sink, where);
    } else if (which == "macro-string") {
        error.detail = "unexpected space in a macro-string (write \"%_\" for a space)";
    } else {
        error.detail = "expected " + which + ", found " + found;
    }
    return error;
}

// Adjacent literal text is kept in one token, so that the AST of a macro-string
// is canonical and parse(print(x)) == x.
void append_literal(ast::MacroString& target, std::string_view text) {
    if (!target.tokens.empty()) {
        if (auto* last = boost::get<std::string>(&target.tokens.back().get())) {
            last->append(text);
            return;
        }
    }
    target.tokens.emplace_back(std::string(text));
}

void append_token(ast::MacroString& target, ast::MacroToken&& token) {
    if (const auto* text = boost::get<std::string>(&token.get()))
        append_literal(target, *text);
    else
        target.tokens.push_back(std::move(token));
}

// domain-spec = macro-string domain-end
// domain-end  = ( "." toplabel [ "." ] ) / macro-expand
// Checked on the text, not the AST: "%%", "%_" and "%-" are macro-expands for
// domain-end although the AST holds them as literal text. Also §7.1: the letters
// c, r and t are allowed only in explain-strings.
void check_domain_spec(ErrorSink& sink, Iterator first, Iterator last) {
    const std::string_view text(first, static_cast<std::size_t>(last - first));
    if (text.empty())
        fail_at(sink, first, "domain-spec", "empty domain-spec after " + quoted(term_before(sink, first)));
    std::size_t tail = 0;  // start of the literal text after the last macro-expand
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] != '%') {
            ++i;
            continue;
        }
        // The grammar has matched a macro-string, so "%{" has a letter and a "}".
        if (i + 2 < text.size() && text[i + 1] == '{') {
            const char letter = ascii_lower(text[i + 2]);
            if (letter == 'c' || letter == 'r' || letter == 't')
                fail_at(sink, first + i + 2, "domain-spec",
                        "macro letter " + quoted(std::string_view(&text[i + 2], 1)) +
                            " is allowed only in explanation text, not in a domain-spec");
            i = std::min(text.find('}', i), text.size() - 1) + 1;
        } else {
            i += 2;
        }
        tail = i;
    }
    std::string_view end = text.substr(std::min(tail, text.size()));
    if (end.empty()) return;  // ends in a macro-expand
    if (end.back() == '.') end.remove_suffix(1);
    const std::size_t dot = end.rfind('.');
    if (dot == std::string_view::npos)
        fail_at(sink, first, "domain-spec",
                "domain-spec " + quoted(text) + " must end in \".\" and a top-level label, or in a macro");
    const std::string problem = toplabel_problem(end.substr(dot + 1));
    if (problem.empty()) return;
    if (const auto address = IpAddress::parse(text); address && address->is_v4())
        fail_at(sink, first, "domain-spec",
                quoted(text) + " is an IPv4 address, not a domain: write ip4:" + std::string(text));
    fail_at(sink, first + tail + dot + 1, "domain-spec",
            "domain-spec " + quoted(text) + " does not end in a valid top-level label: " + problem);
}

// ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT); ip6-cidr-length likewise, 0..128.
// The ABNF forbids leading zeros; the ranges are §5.6 prose.
unsigned cidr_length_value(ErrorSink& sink, Iterator first, Iterator last, unsigned max, const char* production) {
    const std::string_view digits(first, static_cast<std::size_t>(last - first));
    const std::string family = max == 32 ? "IPv4" : "IPv6";
    if (digits.size() > 1 && digits.front() == '0')
        fail_at(sink, first, production, family + " prefix length " + quoted(digits) + " has a leading zero");
    unsigned value = 0;
    for (const char digit : digits) value = value * 10 + static_cast<unsigned>(digit - '0');
    if (digits.size() > 3 || value > max)
        fail_at(sink, first, production,
                family + " prefix length " + quoted(digits) + " is out of range 0.." + std::to_string(max));
    return value;
}

// transformers = *DIGIT [ "r" ]. §7.3: "If a DIGIT is specified, the value MUST be
// nonzero." No digits means all parts (0 in the AST).
unsigned transformer_digits_value(ErrorSink& sink, Iterator first, Iterator last) {
    std::string_view digits(first, static_cast<std::size_t>(last - first));
    if (digits.empty()) return 0;
    while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
    if (digits == "0")
        fail_at(sink, first, "transformers", "macro transformer \"0\": the number of parts must be 1 or more");
    if (digits.size() > 9)
        fail_at(sink, first, "transformers", "macro transformer " + quoted(digits) + " is too large");
    unsigned value = 0;
    for (const char digit : digits) value = value * 10 + static_cast<unsigned>(digit - '0');
    return value;
}

// ip4-network = qnum "." qnum "." qnum "." qnum, qnum = 0..255 without leading zeros.
std::array<std::uint8_t, 4> ip4_network_value(ErrorSink& sink, Iterator first, Iterator last) {
    const std::string_view text(first, static_cast<std::size_t>(last - first));
    std::array<std::uint8_t, 4> bytes{};
    std::size_t count = 0;
    bool valid = true;
    for (std::size_t start = 0; valid && start <= text.size(); ++count) {
        std::size_t stop = text.find('.', start);
        if (stop == std::string_view::npos) stop = text.size();
        const std::string_view qnum = text.substr(start, stop - start);
        unsigned value = 0;
        for (const char digit : qnum) value = value * 10 + static_cast<unsigned>(digit - '0');
        valid =
            count < 4 && !qnum.empty() && qnum.size() <= 3 && (qnum.size() == 1 || qnum.front() != '0') && value <= 255;
        if (valid) bytes[count] = static_cast<std::uint8_t>(value);
        start = stop + 1;
    }
    if (!valid || count != 4)
        fail_at(sink, first, "ip4-network",
                quoted(text) + " is not an IPv4 address (four numbers 0..255 without leading zeros)");
    return bytes;
}

// ip6-network: any RFC 4291 §2.2 text form, an embedded IPv4 part included.
std::array<std::uint8_t, 16> ip6_network_value(ErrorSink& sink, Iterator first, Iterator last) {
    const std::string_view text(first, static_cast<std::size_t>(last - first));
    const auto address = IpAddress::parse(text);
    if (!address || address->is_v4()) fail_at(sink, first, "ip6-network", quoted(text) + " is not an IPv6 address");
    std::array<std::uint8_t, 16> bytes{};
    std::copy(address->data(), address->data() + 16, bytes.begin());
    return bytes;
}

void note_modifier(ErrorSink& sink, bool& seen, const char* production, const char* written) {
    if (seen)
        fail_at(sink, sink.term_begin, production,
                std::string("second \"") + written + "\" modifier: it may appear only once in a record");
    seen = true;
}

namespace {

// RFC 7208 §3.1 and §4.6.1: SPF text is US-ASCII, terms separated by
// spaces. Checked before parsing so the message names the byte.
std::optional<ParseError> check_characters(std::string_view text, const char* production) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte >= 0x20 && byte <= 0x7e) continue;
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", byte);
        return ParseError{i + 1, production,
                          std::string(byte >= 0x80 ? "non-ASCII byte " : "control character ") + hex +
                              " (only printable ASCII and spaces are allowed)"};
    }
    return std::nullopt;
}

template <class Parser, class Attribute>
std::optional<ParseError> parse_text(const Parser& parser, std::string_view text, const char* subject,
                                     const char* production, Attribute& attribute) {
    if (auto error = check_characters(text, production)) return error;
    ErrorSink sink;
    sink.begin = text.data();
    sink.end = text.data() + text.size();
    sink.subject = subject;
    sink.term_begin = sink.begin;
    Iterator first = sink.begin;
    if (x3::parse(first, sink.end, x3::with<error_sink_tag>(std::ref(sink))[parser], attribute) && first == sink.end)
        return std::nullopt;
    if (sink.error) return sink.error;
    return ParseError{column_of(sink, first), production, "unexpected " + found_at(sink, first)};
}

}  // namespace

}  // namespace grammar

std::variant<ast::Record, ParseError> parse_record(std::string_view text) {
    std::vector<ast::Term> terms;
    if (auto error = grammar::parse_text(grammar::record, text, "record", "record", terms)) return *std::move(error);
    return ast::Record{std::move(terms)};
}

std::variant<ast::MacroString, ParseError> parse_macro_string(std::string_view text) {
    ast::MacroString parsed;
    if (auto error = grammar::parse_text(grammar::macro_string_text, text, "text", "macro-string", parsed))
        return *std::move(error);
    return parsed;
}

std::variant<ast::MacroString, ParseError> parse_explain_string(std::string_view text) {
    ast::MacroString parsed;
    if (auto error = grammar::parse_text(grammar::explain_string, text, "text", "explain-string", parsed))
        return *std::move(error);
    return parsed;
}

bool is_spf_record(std::string_view text) {
    return text.size() >= 6 && iequals(text.substr(0, 6), "v=spf1") && (text.size() == 6 || text[6] == ' ');
}

}  // namespace spf
