// spf/record.hpp: the typed AST of an SPF record, RFC 7208 §12.
// The grammar (grammar.hpp) builds it; check_host.cpp walks it; record_printer.cpp
// prints it back in canonical form. Sum types are x3::variant, as Spirit X3 needs
// for its attributes; visit them with boost::apply_visitor.
// The Fusion adaptation lives apart, in record_adapted.hpp, and only the grammar includes it.
#pragma once

#include <boost/spirit/home/x3/support/ast/variant.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spf::ast {

namespace x3 = boost::spirit::x3;

// qualifier = "+" / "-" / "?" / "~"
enum class Qualifier : std::uint8_t { pass, fail, softfail, neutral };

// macro-expand = ( "%{" macro-letter transformers *delimiter "}" ) / "%%" / "%_" / "%-"
// The three escapes are folded into literal text by the parser ("%%" -> "%",
// "%_" -> " ", "%-" -> "%20"), so only real expansions remain.
struct MacroExpand {
    char letter = 's';        // lower-cased macro letter: s l o d i p h c r t v
    bool url_escape = false;  // the letter was written in upper case (§7.3)
    unsigned digits = 0;      // transformers: keep this many right-hand parts; 0 = all
    bool reverse = false;     // transformers: "r"
    std::string delimiters;   // *delimiter; empty means "."
};

// One piece of a macro-string: literal text or an expansion.
struct MacroToken : x3::variant<std::string, MacroExpand> {
    using base_type::base_type;
    using base_type::operator=;
};

// macro-string = *( macro-expand / macro-literal )
struct MacroString {
    std::vector<MacroToken> tokens;
};

// dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]
struct DualCidr {
    std::optional<unsigned> ip4;  // 0..32
    std::optional<unsigned> ip6;  // 0..128
};

struct All {};
struct Include {
    MacroString domain;
};  // "include:" domain-spec
struct A {
    std::optional<MacroString> domain;
    DualCidr cidr;
};  // "a" [":" domain-spec] [dual-cidr]
struct Mx {
    std::optional<MacroString> domain;
    DualCidr cidr;
};  // "mx" [":" domain-spec] [dual-cidr]
struct Ptr {
    std::optional<MacroString> domain;
};  // "ptr" [":" domain-spec]
struct Ip4 {
    std::array<std::uint8_t, 4> network{};
    std::optional<unsigned> prefix;
};  // ip4:net[/len]
struct Ip6 {
    std::array<std::uint8_t, 16> network{};
    std::optional<unsigned> prefix;
};  // ip6:net[/len]
struct Exists {
    MacroString domain;
};  // "exists:" domain-spec

struct Mechanism : x3::variant<All, Include, A, Mx, Ptr, Ip4, Ip6, Exists> {
    using base_type::base_type;
    using base_type::operator=;
};

// directive = [ qualifier ] mechanism. The qualifier stays optional so that
// "mx" and "+mx" print back as written.
struct Directive {
    std::optional<Qualifier> qualifier;
    Mechanism mechanism;
    Qualifier effective_qualifier() const { return qualifier.value_or(Qualifier::pass); }
};

struct Redirect {
    MacroString domain;
};  // "redirect=" domain-spec
struct Explanation {
    MacroString domain;
};  // "exp=" domain-spec
// unknown-modifier = name "=" macro-string; name is kept as written.
struct UnknownModifier {
    std::string name;
    MacroString value;
};

struct Term : x3::variant<Directive, Redirect, Explanation, UnknownModifier> {
    using base_type::base_type;
    using base_type::operator=;
};

// record = version terms *SP. The version "v=spf1" is implied.
// parse_record() guarantees: at most one Redirect and at most one Explanation.
struct Record {
    std::vector<Term> terms;
};

}  // namespace spf::ast
