// milter/convert_config.cpp: see convert_config.hpp. Every meaning below was
// read in python3-spf-engine 3.0.4, the code both peers run:
//   policydspfsupp.py  _readConfigFile(): how the file is read, and the defaults
//   __init__.py        _get_resultcodes(): which result each *_reject value
//                      refuses; _spfbypass(): the skip lists; _spfcheck(): the
//                      order of the checks, HELO before MAIL FROM
//   policyd_spf.py     the Postfix policy front end (TestOnly, Mock, Hide_Receiver)
//   milter_spf.py      the milter front end (Header_Type forced to AR, Socket,
//                      InternalHosts, MacroList; Per_User off)
// Where the documentation and the code disagree, the code is what ran and what
// the conversion follows (the note says so).
#include "milter/convert_config.hpp"

#include "milter/config.hpp"
#include "milter/config_keys.hpp"
#include "milter/config_values.hpp"
#include "milter/networks.hpp"
#include "spf/text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace milter {

namespace {

// Python's str.strip() on the ASCII whitespace a config line can hold.
std::string_view stripped(std::string_view text) {
    constexpr std::string_view blanks = " \t\r\n\v\f";
    const std::size_t first = text.find_first_not_of(blanks);
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

// int() of Python on a stripped value: an optional sign and decimal digits.
// Values beyond a billion are of no use to any key and are reported as such.
std::optional<long long> python_int(std::string_view text) {
    if (text.empty()) return std::nullopt;
    bool negative = false;
    if (text.front() == '+' || text.front() == '-') {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    long long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value > 1'000'000'000)
        return std::nullopt;
    return negative ? -value : value;
}

// A line of the source as a comment of ours: control characters would break
// the line or the terminal it is shown on.
std::string shown(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) out += (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f ? '?' : c;
    return out;
}

std::string quoted(std::string_view text) { return "'" + shown(text) + "'"; }

// ---------------------------------------------------------------------------
// The peer's keys.

enum class Front : unsigned char {
    both,         // read by both front ends
    milter_only,  // read by pyspf-milter only: such a key decides the format
    policyd,      // meant for policyd-spf (pyspf-milter reads it and ignores it)
    internal,     // read from the file but not a setting
};

struct Source;
struct Block;
using Converter = void (*)(const Source&, Block&);

struct PeerKey {
    std::string_view name;
    std::optional<std::string_view> default_value;  // nullopt: unset (Python's None)
    Front front;
    Converter convert;
};

// A block of the output: the peer's line (or default) as a comment, then ours.
struct Block {
    std::string heading;
    std::vector<std::string> lines;
    bool matters = false;  // a peer default's block is written only if it changes something
};

// What the file says, as spf_engine reads it.
struct Source {
    PeerFormat format = PeerFormat::policyd_spf;
    std::string_view file_name;
    std::unordered_map<std::string_view, std::string_view> values;  // the last line of each key wins

    bool has(std::string_view key) const { return values.contains(key); }
    std::string_view get(std::string_view key) const;
    bool milter() const { return format == PeerFormat::pyspf_milter; }
    std::string_view peer() const { return to_string(format); }
};

// ---------------------------------------------------------------------------
// Writing blocks.

// "# text", folded at blanks to about 78 columns, continuation lines indented.
void note(Block& block, std::string_view text) {
    constexpr std::size_t width = 76;
    std::string line = "#";
    while (!text.empty()) {
        const std::size_t space = text.find(' ');
        const std::string_view word = text.substr(0, space);
        text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
        if (line.size() > 3 && line.size() + 1 + word.size() > width) {
            block.lines.push_back(std::move(line));
            line = "#  ";
        }
        line += ' ';
        line += shown(word);
    }
    block.lines.push_back(std::move(line));
}

bool is_file_item(std::string_view item) { return item.starts_with("file:"); }

// Writes "key = value" once spf-milter accepts it; otherwise says why not.
// File items of a list key are left to parse_config(), which reads the file.
void set(Block& block, std::string_view key, const std::string& value) {
    const KeySpec* spec = find_key(key);
    Config scratch = default_config();
    std::string checked;
    bool has_file_item = false;
    if (is_list_key(key)) {
        for (std::string_view item : split_list(value)) {
            if (is_file_item(item)) {
                has_file_item = true;
                continue;
            }
            if (!checked.empty()) checked += ", ";
            checked += item;
        }
    } else {
        checked = value;
    }
    if (std::string error = spec->apply(scratch, checked); !error.empty()) {
        note(block, "not converted: spf-milter refuses " + std::string(key) + " = " + value + " (" + error + ")");
        return;
    }
    block.lines.push_back(std::string(key) + " = " + value);
    if (has_file_item || spec->show(scratch) != spec->show(default_config())) block.matters = true;
}

std::string joined(const std::vector<std::string>& items) {
    std::string text;
    for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
    return text;
}

// The items of a peer list: split at commas as spf_engine does (it does not
// trim them; `spaced` says an item had a blank, which the peer did not read as
// the admin meant). Empty items are dropped.
struct PeerList {
    std::vector<std::string_view> items;  // trimmed
    bool spaced = false;
};

PeerList peer_list(std::string_view value) {
    PeerList list;
    while (true) {
        const std::size_t comma = value.find(',');
        const std::string_view raw = value.substr(0, comma);
        const std::string_view item = stripped(raw);
        if (item.size() != raw.size()) list.spaced = true;
        if (!item.empty()) list.items.push_back(item);
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return list;
}

void note_spaced(Block& block, std::string_view key, bool spaced, std::string_view what_the_peer_did) {
    if (!spaced) return;
    note(block, "differs: the peer does not trim the items of " + std::string(key) +
                    ", so an item with a blank around it was " + std::string(what_the_peer_did) +
                    "; spf-milter reads every item as written without the blanks");
}

// Networks for trusted_networks / skip_networks, normalised and without repeats
// (an item inside one of the first networks listed is left out too, so that
// InternalHosts' 127.0.0.1 does not repeat skip_addresses' 127.0.0.0/8; only
// the first few are compared, to keep the work linear).
struct NetworkList {
    static constexpr std::size_t compared = 64;
    std::vector<std::string> items;
    std::vector<Network> first_networks;
    std::unordered_set<std::string> seen;

    void add(const Network& network) {
        for (const Network& wider : first_networks)
            if (wider.prefix_length <= network.prefix_length && wider.contains(network.address)) return;
        if (!seen.insert(network.to_string()).second) return;
        items.push_back(network.to_string());
        if (first_networks.size() < compared) first_networks.push_back(network);
    }
    void add_file(std::string item) {
        if (seen.insert(item).second) items.push_back(std::move(item));
    }
};

// One address or network of the peer's; false if spf-milter cannot take it.
bool add_network(NetworkList& list, std::string_view item, Block* notes, std::string_view key) {
    auto parsed = parse_network(item);
    if (auto* network = std::get_if<Network>(&parsed)) {
        list.add(*network);
        return true;
    }
    if (notes != nullptr)
        note(*notes,
             "not converted: " + quoted(item) + " of " + std::string(key) + " (" + std::get<std::string>(parsed) + ")");
    return false;
}

// ---------------------------------------------------------------------------
// What the peer does with the actions, shared by several keys.

bool mail_from_acts(const Source& source) {
    const std::string_view policy = source.get("Mail_From_reject");
    return policy != "False" && policy != "No_Check";
}

bool helo_acts(const Source& source) {
    const std::string_view policy = source.get("HELO_reject");
    return policy != "False" && policy != "No_Check";
}

bool mail_from_refuses_fail(const Source& source) {
    const std::string_view policy = source.get("Mail_From_reject");
    return policy == "Fail" || policy == "Softfail" || policy == "SPF_Not_Pass";
}

// The three values spf_engine compares with the exact word True.
void note_exact_true(Block& block, std::string_view key, std::string_view value) {
    if (value != "True" && value != "False")
        note(block, "note: the peer compares " + std::string(key) + " with the exact word True: " + quoted(value) +
                        " counted as False there, and is converted so");
}

void note_refusal_stage(const Source& source, Block& block) {
    if (source.milter()) note(block, "(the peer refused at MAIL FROM, as spf-milter does with reject_at = mail)");
}

// ---------------------------------------------------------------------------
// One converter per key, in the order of policyd-spf.conf(5).

void convert_debug_level(const Source& source, Block& block) {
    const std::string_view value = source.get("debugLevel");
    const auto level = python_int(value);
    if (!level) {
        note(block, "not understood: " + quoted(value) + " is not an integer; the peer refuses to start");
        return;
    }
    if (*level <= 0) {
        set(block, "log_level", "error");
        if (*level < 0)
            note(block, "differs: the peer logged nothing at all at " + std::to_string(*level) +
                            "; spf-milter's quietest level still logs errors");
    } else if (*level <= 2) {
        set(block, "log_level", "info");
        note(block, "spf-milter's info logs one line per decision with every result (the peer's levels 1 and 2)");
    } else {
        set(block, "log_level", "debug");
    }
}

void convert_test_only(const Source& source, Block& block) {
    const std::string_view value = source.get("TestOnly");
    const auto number = python_int(value);
    if (!number) {
        note(block, "not understood: " + quoted(value) + " is not an integer; the peer refuses to start");
        return;
    }
    // The peer's test mode is TestOnly = 0 (sic): any other number acts.
    set(block, "dry_run", *number == 0 ? "yes" : "no");
    if (*number == 0)
        note(block,
             "differs: in its test mode the peer added no header to a message it would have refused; "
             "spf-milter adds the headers to every message and logs what it would have done");
}

void convert_default_seed_only(const Source& source, Block& block) {
    note(block, std::string("no equivalent needed: this deprecated name of TestOnly had no effect in ") +
                    (source.milter() ? "the milter, which reads TestOnly only"
                                     : "policyd-spf: TestOnly, whose default is 1, is read after it and wins"));
}

void convert_helo_reject(const Source& source, Block& block) {
    const std::string_view policy = source.get("HELO_reject");
    if (policy == "No_Check") {
        set(block, "check_helo", "no");
        note(block,
             "differs: the peer did not check the null sender <> at all with No_Check; spf-milter still "
             "checks <> as postmaster@HELO (RFC 7208 section 2.4), and fail_action applies to it");
        return;
    }
    set(block, "check_helo", "yes");
    if (policy == "Fail" || policy == "Softfail" || policy == "SPF_Not_Pass") {
        set(block, "helo_fail_action", "reject");
        if (policy == "Softfail")
            note(block,
                 "differs: the peer also refused a HELO softfail; spf-milter acts on a HELO fail only "
                 "(no equivalent for the softfail)");
        if (policy == "SPF_Not_Pass")
            note(block,
                 "differs: the peer also refused a HELO softfail and neutral; spf-milter acts on a HELO "
                 "fail only (no equivalent for the others)");
        if (!source.has("HELO_reject"))
            note(block, "differs: spf-milter's default helo_fail_action = accept would accept a HELO fail");
        note_refusal_stage(source, block);
    } else if (policy == "Null") {
        set(block, "helo_fail_action", "accept");
        note(block, std::string("Null refused a HELO fail for the null sender <> only. spf-milter checks <> as "
                                "postmaster@HELO, which is the HELO check, and fail_action applies to it: ") +
                        (mail_from_refuses_fail(source)
                             ? "here reject, as the peer did"
                             : "differs: here accept (Mail_From_reject refuses no fail), so such a <> is accepted"));
    } else {
        set(block, "helo_fail_action", "accept");
        if (policy != "False")
            note(block, "note: " + quoted(policy) +
                            " is not a value of the peer (its values are case-sensitive): it refused no HELO "
                            "result for it, as spf-milter will not");
    }
}

void convert_pass_restriction(const Source&, Block& block) {
    note(block,
         "no equivalent: a milter cannot hand Postfix a restriction class to apply to a pass; use Postfix "
         "restrictions on the Authentication-Results or Received-SPF header instead");
}

void convert_mail_from_reject(const Source& source, Block& block) {
    const std::string_view policy = source.get("Mail_From_reject");
    const bool fail = policy == "Fail" || policy == "Softfail" || policy == "SPF_Not_Pass";
    const bool softfail = policy == "Softfail" || policy == "SPF_Not_Pass";
    const bool neutral = policy == "SPF_Not_Pass";
    set(block, "fail_action", fail ? "reject" : "accept");
    set(block, "softfail_action", softfail ? "reject" : "accept");
    set(block, "neutral_action", neutral ? "reject" : "accept");
    set(block, "none_action", "accept");
    if (policy == "No_Check") {
        note(block,
             "no equivalent: spf-milter always checks MAIL FROM; every result is accepted instead, "
             "and the headers still record it");
    } else if (policy != "Fail" && policy != "Softfail" && policy != "SPF_Not_Pass" && policy != "False") {
        note(block, "note: " + quoted(policy) +
                        " is not a Mail_From_reject value of the peer (values are case-sensitive; Null is for "
                        "HELO_reject only): it refused no MAIL FROM result for it, as spf-milter will not");
    }
    if (fail) note_refusal_stage(source, block);
}

void convert_no_mail(const Source& source, Block& block) {
    if (source.get("No_Mail") != "True") {
        note(block, "no effect in the peer (only the exact word True turns it on); nothing to convert");
        return;
    }
    note(block,
         "no equivalent: the peer refused only when the record was exactly \"v=spf1 -all\" and accepted "
         "every other fail; spf-milter refuses every fail that fail_action and helo_fail_action say");
}

void convert_reject_not_pass_domains(const Source& source, Block& block) {
    const PeerList list = peer_list(source.get("Reject_Not_Pass_Domains"));
    std::vector<std::string> domains;
    std::unordered_set<std::string> seen;
    for (std::string_view item : list.items) {
        std::string domain = lower_case(item);
        if (domain.starts_with('.')) {
            note(block, "differs: the peer matched " + quoted(item) +
                            " as the domain itself; written without "
                            "the dot (in spf-milter .domain means its subdomains)");
            domain.erase(0, 1);
        }
        if (auto parsed = parse_domains(domain); std::holds_alternative<ValueError>(parsed)) {
            note(block, "not converted: " + std::get<ValueError>(parsed).message);
            continue;
        }
        if (seen.insert(domain).second) domains.push_back(std::move(domain));
    }
    if (!domains.empty()) set(block, "strict_domains", joined(domains));
    note_spaced(block, "Reject_Not_Pass_Domains", list.spaced, "never matched");
    note(block,
         "differs: the peer refused fail, softfail and neutral for these domains, and accepted none "
         "(temperror and permerror as TempError_Defer and PermError_reject say); spf-milter refuses "
         "every result but pass: none and permerror with 550, temperror with 451");
    note(block,
         "differs: the peer also applied the list to the HELO check of a client whose HELO name is "
         "listed, and its test is reversed (listing mail.example.com also caught the sender domain "
         "example.com); spf-milter matches the MAIL FROM domain (for <>, the HELO name) to the list");
}

void convert_error_reject(const Source& source, Block& block, std::string_view key, std::string_view action_key,
                          std::string_view act, std::string_view result) {
    const std::string_view value = source.get(key);
    note_exact_true(block, key, value);
    const bool acts = value == "True";
    const std::string spf_result(result);
    if (!mail_from_acts(source)) {
        set(block, action_key, "accept");
        note(block, "Mail_From_reject = " + std::string(source.get("Mail_From_reject")) +
                        ": the peer never acted on a MAIL FROM " + spf_result + ", whatever " + std::string(key) +
                        " says");
    } else {
        set(block, action_key, acts ? std::string(act) : "accept");
    }
    if (acts && helo_acts(source))
        note(block, "differs: the peer also acted on a HELO " + spf_result +
                        "; spf-milter acts on no HELO result but fail (no equivalent)");
}

void convert_permerror_reject(const Source& source, Block& block) {
    convert_error_reject(source, block, "PermError_reject", "permerror_action", "reject", "permerror");
}

void convert_temperror_defer(const Source& source, Block& block) {
    convert_error_reject(source, block, "TempError_Defer", "temperror_action", "tempfail", "temperror");
    if (!mail_from_acts(source)) return;
    if (source.get("TempError_Defer") == "True") {
        note(block, source.milter() ? "differs: the peer answered 450 4.7.24, spf-milter 451 4.7.24"
                                    : "differs: the peer answered defer_if_permit 4.7.24 (Postfix defers only if "
                                      "no later restriction rejects); spf-milter answers 451 4.7.24 at once");
    } else {
        note(block,
             "differs: spf-milter's default temperror_action = tempfail would defer the message; the peer "
             "accepted a temperror, so accept is written here");
    }
}

void convert_prospective(const Source&, Block& block) {
    note(block,
         "no equivalent: spf-milter checks the connecting client, not a fixed address; to see what "
         "receivers will make of outgoing mail, run spf-query --ip=ADDRESS --sender=ADDR");
}

// The networks pyspf-milter treats as internal (never checked): InternalHosts'
// addresses and networks. Host names, domains, negations and regex files have
// no equivalent; notes go to `notes` when given.
void internal_hosts(const Source& source, NetworkList& list, Block* notes) {
    std::string_view value = source.get("InternalHosts");
    if (value.starts_with("refile:")) {
        if (notes != nullptr) note(*notes, "no equivalent: a file of regular expressions");
        return;
    }
    if (value.starts_with("/") || value.starts_with("file:")) {
        const std::string path(value.starts_with("file:") ? value.substr(5) : value);
        list.add_file("file:" + path);
        if (notes != nullptr)
            note(*notes,
                 "the file is read by spf-milter as a list file: one address or network a line (the peer "
                 "also split a line at ':', which broke IPv6 addresses); a host name or !negation there "
                 "is refused");
        return;
    }
    if (value.starts_with("csl:")) value.remove_prefix(4);
    const PeerList items = peer_list(value);
    for (std::string_view item : items.items) {
        std::string_view address = item;
        while (!address.empty() && address.front() == '[') address.remove_prefix(1);
        while (!address.empty() && address.back() == ']') address.remove_suffix(1);
        if (address.starts_with('!')) {
            if (notes != nullptr)
                note(*notes, "no equivalent: the exclusion " + quoted(item) +
                                 " (spf-milter's lists have no negation: list the networks around it instead)");
            continue;
        }
        if (add_network(list, address, nullptr, "InternalHosts")) continue;
        if (notes != nullptr)
            note(*notes, "no equivalent: " + quoted(item) +
                             " (the peer matched host names and .domains against the client's PTR name; "
                             "spf-milter trusts addresses only, which a client cannot claim)");
    }
}

void convert_skip_addresses(const Source& source, Block& block) {
    const PeerList list = peer_list(source.get("skip_addresses"));
    NetworkList networks;
    for (std::string_view item : list.items) add_network(networks, item, &block, "skip_addresses");
    if (source.milter()) internal_hosts(source, networks, nullptr);
    set(block, "trusted_networks", joined(networks.items));
    if (source.milter())
        note(block, std::string("with InternalHosts") +
                        (source.has("InternalHosts") ? "" : " (its default 127.0.0.1)") +
                        ", which the milter did not check either");
    note_spaced(block, "skip_addresses", list.spaced, "no network to it, and it stopped reading the list there");
    note(block,
         "differs: the peer added a header saying the check was skipped; spf-milter adds no SPF header "
         "for trusted_networks and leaves their Authentication-Results alone");
}

void convert_whitelist(const Source& source, Block& block) {
    const PeerList list = peer_list(source.get("Whitelist"));
    NetworkList networks;
    for (std::string_view item : list.items) add_network(networks, item, &block, "Whitelist");
    set(block, "skip_networks", joined(networks.items));
    note_spaced(block, "Whitelist", list.spaced, "no network to it, and it stopped reading the list there");
    note(block,
         "differs: the peer added a header saying the relay was whitelisted; spf-milter logs "
         "skip=skip-network and adds no SPF header");
}

void convert_helo_whitelist(const Source&, Block& block) {
    note(block,
         "no equivalent: the peer skipped a client whose HELO name is listed and resolves to its address; "
         "list those hosts' addresses in skip_networks, or their domain in trusted_forwarders if its SPF "
         "record lists them");
}

void convert_domain_whitelist(const Source& source, Block& block) {
    const PeerList list = peer_list(source.get("Domain_Whitelist"));
    std::vector<std::string> domains;
    std::unordered_set<std::string> seen;
    for (std::string_view item : list.items) {
        std::string domain = lower_case(item);
        if (auto parsed = parse_forwarders(domain); std::holds_alternative<ValueError>(parsed)) {
            note(block, "not converted: " + std::get<ValueError>(parsed).message);
            continue;
        }
        if (seen.insert(domain).second) domains.push_back(std::move(domain));
    }
    if (!domains.empty()) set(block, "trusted_forwarders", joined(domains));
    note_spaced(block, "Domain_Whitelist", list.spaced, "no domain it could check");
    note(block,
         "the same test as the peer's: the client is not checked when one of these domains' SPF "
         "passes it (as MAIL FROM postmaster@DOMAIN). Not skip_sender_domains, which any sender can "
         "claim. The evaluations share check_timeout (the peer gave them Whitelist_Lookup_Time)");
}

void convert_domain_whitelist_ptr(const Source&, Block& block) {
    note(block,
         "no equivalent: the peer trusted the client's first PTR name, unverified, which whoever runs "
         "the client's reverse zone can set; use trusted_forwarders for a domain whose SPF lists its "
         "servers, or skip_networks for their addresses");
}

void convert_enhanced_status_codes(const Source& source, Block& block) {
    if (source.get("SPF_Enhanced_Status_Codes") == "No")
        note(block, "no equivalent: spf-milter always answers with the RFC 7372 codes (5.7.23, 5.7.24, 4.7.24)");
    else
        note(block, "spf-milter answers with the RFC 7372 codes too; no key needed");
}

void convert_header_type(const Source& source, Block& block) {
    const std::string_view value = source.get("Header_Type");
    const bool none = value == "None";
    const bool ar = value.find("AR") != std::string_view::npos;
    const bool spf = value.find("SPF") != std::string_view::npos;
    if (none) {
        set(block, "headers", "none");
    } else if (source.milter()) {
        set(block, "headers", "authentication-results");
        if (value != "AR")
            note(block,
                 "the milter writes Authentication-Results whatever this says (its main() sets AR "
                 "unless the value is None)");
    } else if (ar && spf) {
        set(block, "headers", "received-spf, authentication-results");
        note(block,
             "differs: the peer refused this value at every check (both SPF and AR); spf-milter can add "
             "both headers");
    } else {
        set(block, "headers", ar ? "authentication-results" : "received-spf");
        if (!ar && value != "SPF")
            note(block, "note: the peer wrote Received-SPF for " + quoted(value) + " (it looks for AR and None)");
    }
    if (!source.has("Header_Type"))
        note(block, "differs: spf-milter's default adds both Received-SPF and Authentication-Results");
    note(block,
         "differs: spf-milter also removes incoming Authentication-Results that claim its authserv-id "
         "(remove_forged_results = yes, RFC 8601 section 5); the peer left them");
}

void convert_hide_receiver(const Source& source, Block& block) {
    if (source.milter())
        note(block, "no effect in the milter (no recipient is known at MAIL FROM); nothing to convert");
    else
        note(block,
             "no equivalent needed: spf-milter never writes the recipient: receiver= is this host's name "
             "(key receiver)");
}

void convert_authserv_id(const Source& source, Block& block) {
    const std::string_view value = source.get("Authserv_Id");
    if (value == "HOSTNAME") {
        note(block,
             "authserv_id stays empty: spf-milter then uses the MTA's host name (its {j} macro, Postfix's "
             "myhostname) where the peer used this machine's host name; set authserv_id if they differ");
        return;
    }
    if (value.empty()) {
        note(block,
             "differs: the peer had no authserv-id (and refused to write Authentication-Results); "
             "spf-milter uses the MTA's host name");
        return;
    }
    set(block, "authserv_id", std::string(value));
}

void convert_lookup_time(const Source& source, Block& block) {
    const std::string_view value = source.get("Lookup_Time");
    const auto seconds = python_int(value);
    if (!seconds) {
        note(block, "not understood: " + quoted(value) + " is not an integer; the peer refuses to start");
        return;
    }
    if (*seconds == 0) {
        note(block,
             "no equivalent: 0 gave the peer no limit for a check (20 s for each DNS query); "
             "spf-milter keeps its check_timeout");
        return;
    }
    if (*seconds < 0) {
        note(block,
             "no equivalent: a negative time made every check of the peer a temperror; spf-milter keeps "
             "its check_timeout");
        return;
    }
    set(block, "check_timeout", std::to_string(*seconds));
    note(block,
         "differs: the peer gave the HELO and the MAIL FROM check this time each (up to twice it for a "
         "message); spf-milter's check_timeout covers both checks of a message together");
}

void convert_whitelist_lookup_time(const Source&, Block& block) {
    note(block, "no equivalent: spf-milter's trusted_forwarders share the message's check_timeout");
}

void convert_void_limit(const Source& source, Block& block) {
    const std::string_view value = source.get("Void_Limit");
    if (python_int(value) == 2)
        note(block, "spf-milter applies RFC 7208's limit of 2 void lookups too; no key needed");
    else
        note(block,
             "no equivalent: spf-milter always applies RFC 7208's limit of 2 void lookups (section 4.6.4); "
             "the peer's was " +
                 quoted(value));
}

void convert_mock(const Source& source, Block& block) {
    if (source.milter()) {
        note(block, "no effect in the milter; nothing to convert");
        return;
    }
    if (source.get("Mock").empty()) {
        note(block, "no effect (empty); nothing to convert");
        return;
    }
    note(block,
         "no equivalent needed: a milter adds its own headers, which every later milter sees. Note: the "
         "peer read any non-empty value as true (False included), and then answered every request with a "
         "fixed header and checked nothing");
}

void convert_queue_id(const Source&, Block& block) {
    note(block,
         "no equivalent needed: spf-milter's log lines always carry the queue id (the peer's parser does "
         "not know this key and ignored it)");
}

void convert_reason_message(const Source& source, Block& block) {
    const std::string_view value = source.get("Reason_Message");
    if (value.find('{') != std::string_view::npos || value.find('}') != std::string_view::npos) {
        note(block,
             "no equivalent: {rejectdefer}, {spf} and {url} have no counterpart; spf-milter's reject_text "
             "(the reply to a fail without the domain's explanation) takes SPF macros such as %{c} and "
             "%{o}, and is left at its default");
        return;
    }
    std::string text;
    for (const char c : value) text += c == '%' ? std::string("%%") : std::string(1, c);
    set(block, "reject_text", text);
    note(block,
         "differs: spf-milter uses it for a fail only, when the domain gives no explanation; the peer for "
         "every refusal and deferral");
}

void convert_per_user(const Source& source, Block& block) {
    if (source.milter()) {
        note(block, "no effect in the milter (per-user settings are off there); nothing to convert");
        return;
    }
    note(block,
         "no equivalent: per-recipient settings (policyd-spf.peruser(5)); with reject_at = rcpt, "
         "exempt_recipients lists recipients that are never refused");
}

void convert_socket(const Source& source, Block& block) {
    const std::string_view value = source.get("Socket");
    if (!source.has("Socket")) {
        note(block,
             "differs: spf-milter listens on its own socket (socket, default "
             "unix:/run/spf-milter/spf-milter.sock): point the MTA's milter there");
        block.matters = true;
        return;
    }
    set(block, "socket", std::string(value));
    if (value.find("/pyspf-milter/") != std::string_view::npos)
        note(block,
             "note: spf-milter's service cannot write to pyspf-milter's directories; use a path under "
             "/run/spf-milter/ (or /var/spool/postfix/spf-milter/ for a chrooted Postfix) and change "
             "the MTA's milter address");
}

void convert_pid_file(const Source&, Block& block) {
    note(block,
         "not converted: spf-milter's service (Type=notify) needs no pid file, and cannot write to "
         "pyspf-milter's directory; if a tool needs one: pid_file = /run/spf-milter/spf-milter.pid");
}

void convert_user_id(const Source& source, Block& block) {
    const std::string_view value = source.get("UserID");
    note(block,
         "not converted: spf-milter's service runs as the user spf-milter from the start, so user stays "
         "empty; started as root by hand, user = " +
             shown(value.substr(0, value.find(':'))) + " would drop to the peer's user");
    if (value.find(':') != std::string_view::npos)
        note(block, "differs: spf-milter takes the user's own groups; it has no separate group");
}

void convert_umask(const Source& source, Block& block) {
    const std::string_view value = source.get("UMask");
    const auto mask = python_int(value);
    if (!mask || *mask < 0) {
        note(block, "not understood: " + quoted(value) + " is not an integer; the peer refuses to start");
        return;
    }
    const auto bits = static_cast<unsigned>(*mask) & 0777U;
    const unsigned mode = 0666U & ~bits;
    std::array<char, 8> octal{};
    const auto result = std::to_chars(octal.data(), octal.data() + octal.size(), mode, 8);
    set(block, "socket_mode", "0" + std::string(octal.data(), result.ptr));
    note(block, "the socket's permissions under the peer's umask; spf-milter sets them itself");
    if (value.size() > 1 && value.front() == '0')
        note(block, "note: the peer reads " + quoted(value) + " as a decimal number (" + std::to_string(*mask) +
                        "), not octal; converted as it read it");
}

void convert_internal_hosts(const Source& source, Block& block) {
    NetworkList ignored;
    internal_hosts(source, ignored, &block);
    note(block,
         "its addresses and networks are in trusted_networks, with skip_addresses (never checked, no "
         "headers, as the milter did)");
}

void convert_macro_list(const Source& source, Block& block) {
    if (source.get("MacroList").empty()) {
        note(block, "empty: no effect; nothing to convert");
        return;
    }
    note(block,
         "no equivalent: spf-milter decides by the client's address (trusted_networks, skip_networks) and "
         "SMTP AUTH (skip_authenticated); to leave a port unchecked, give its smtpd no milter "
         "(-o smtpd_milters= in master.cf)");
}

void convert_int_hosts(const Source&, Block& block) {
    note(block,
         "not a setting: the peer builds this from InternalHosts (a value here broke its InternalHosts); "
         "nothing to convert");
}

// clang-format off
constexpr std::array peer_keys = {
    PeerKey{"debugLevel", "1", Front::both, convert_debug_level},
    PeerKey{"TestOnly", "1", Front::both, convert_test_only},
    PeerKey{"defaultSeedOnly", std::nullopt, Front::policyd, convert_default_seed_only},
    PeerKey{"HELO_reject", "Fail", Front::both, convert_helo_reject},
    PeerKey{"HELO_pass_restriction", std::nullopt, Front::both, convert_pass_restriction},
    PeerKey{"Mail_From_reject", "Fail", Front::both, convert_mail_from_reject},
    PeerKey{"Mail_From_pass_restriction", std::nullopt, Front::both, convert_pass_restriction},
    PeerKey{"No_Mail", "False", Front::both, convert_no_mail},
    PeerKey{"Reject_Not_Pass_Domains", std::nullopt, Front::both, convert_reject_not_pass_domains},
    PeerKey{"PermError_reject", "False", Front::both, convert_permerror_reject},
    PeerKey{"TempError_Defer", "False", Front::both, convert_temperror_defer},
    PeerKey{"Prospective", std::nullopt, Front::both, convert_prospective},
    PeerKey{"skip_addresses", "127.0.0.0/8,::ffff:127.0.0.0/104,::1", Front::both, convert_skip_addresses},
    PeerKey{"Whitelist", std::nullopt, Front::both, convert_whitelist},
    PeerKey{"HELO_Whitelist", std::nullopt, Front::both, convert_helo_whitelist},
    PeerKey{"Domain_Whitelist", std::nullopt, Front::both, convert_domain_whitelist},
    PeerKey{"Domain_Whitelist_PTR", std::nullopt, Front::both, convert_domain_whitelist_ptr},
    PeerKey{"SPF_Enhanced_Status_Codes", "Yes", Front::both, convert_enhanced_status_codes},
    PeerKey{"Header_Type", "SPF", Front::both, convert_header_type},
    PeerKey{"Hide_Receiver", "No", Front::policyd, convert_hide_receiver},
    PeerKey{"Authserv_Id", "HOSTNAME", Front::both, convert_authserv_id},
    PeerKey{"Lookup_Time", "20", Front::both, convert_lookup_time},
    PeerKey{"Whitelist_Lookup_Time", "10", Front::both, convert_whitelist_lookup_time},
    PeerKey{"Void_Limit", "2", Front::both, convert_void_limit},
    PeerKey{"Mock", "False", Front::policyd, convert_mock},
    PeerKey{"QueueID", "True", Front::policyd, convert_queue_id},
    PeerKey{"Reason_Message", "Message {rejectdefer} due to: {spf}. Please see {url}", Front::both,
            convert_reason_message},
    PeerKey{"Per_User", std::nullopt, Front::policyd, convert_per_user},
    PeerKey{"Socket", "local:/run/pyspf-milter/pyspf-milter.sock", Front::milter_only, convert_socket},
    PeerKey{"PidFile", "/run/pyspf-milter/pyspf-milter.pid", Front::milter_only, convert_pid_file},
    PeerKey{"UserID", "pyspf-milter", Front::milter_only, convert_user_id},
    PeerKey{"UMask", "7", Front::milter_only, convert_umask},
    PeerKey{"InternalHosts", "127.0.0.1", Front::milter_only, convert_internal_hosts},
    PeerKey{"MacroList", "", Front::milter_only, convert_macro_list},
    PeerKey{"IntHosts", std::nullopt, Front::internal, convert_int_hosts},
};
// clang-format on

const PeerKey* find_peer_key(std::string_view name) {
    for (const PeerKey& key : peer_keys)
        if (key.name == name) return &key;
    return nullptr;
}

std::string_view Source::get(std::string_view key) const {
    if (const auto found = values.find(key); found != values.end()) return found->second;
    const PeerKey* peer_key = find_peer_key(key);
    return peer_key != nullptr && peer_key->default_value ? *peer_key->default_value : std::string_view();
}

// ---------------------------------------------------------------------------
// Reading the file as spf_engine does.

struct Line {
    unsigned number = 0;
    std::string_view raw;
    const PeerKey* key = nullptr;  // null: not understood (or blank/comment)
    std::string_view value;
    std::string problem;  // why it is not understood; empty for blank and comment lines
};

// Python's universal newlines: \r\n, \r and \n each end a line.
std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const std::size_t end = text.find_first_of("\r\n");
        lines.push_back(text.substr(0, end));
        if (end == std::string_view::npos) break;
        const std::size_t next =
            text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n' ? end + 2 : end + 1;
        text.remove_prefix(next);
    }
    return lines;
}

Line read_line(unsigned number, std::string_view raw) {
    Line line{number, raw, nullptr, {}, {}};
    const std::string_view content = stripped(raw.substr(0, raw.find('#')));
    if (content.empty()) return line;
    const std::size_t equals = content.find('=');
    if (equals == std::string_view::npos) {
        line.problem = "no '=': the peer ignores it";
        return line;
    }
    if (content.find('=', equals + 1) != std::string_view::npos) {
        line.problem = "more than one '=': the peer ignores it";
        return line;
    }
    const std::string_view name = stripped(content.substr(0, equals));
    line.key = find_peer_key(name);
    if (line.key == nullptr) {
        line.problem = "not a key of pyspf-milter or policyd-spf; the peer ignores it";
        for (const PeerKey& key : peer_keys)
            if (spf::iequals(key.name, name))
                line.problem += " (its keys are case-sensitive: " + std::string(key.name) + "?)";
        return line;
    }
    line.value = stripped(content.substr(equals + 1));
    return line;
}

struct Detection {
    PeerFormat format = PeerFormat::policyd_spf;
    std::vector<std::string> deciding_keys;
};

std::optional<Detection> detect(const std::vector<Line>& lines) {
    std::vector<std::string> milter_keys, other_keys;
    std::unordered_set<std::string_view> seen;
    for (const Line& line : lines) {
        if (line.key == nullptr || line.key->front == Front::internal || !seen.insert(line.key->name).second) continue;
        (line.key->front == Front::milter_only ? milter_keys : other_keys).emplace_back(line.key->name);
    }
    if (!milter_keys.empty()) return Detection{PeerFormat::pyspf_milter, milter_keys};
    if (!other_keys.empty()) return Detection{PeerFormat::policyd_spf, other_keys};
    return std::nullopt;
}

std::string list_text(const std::vector<std::string>& names) {
    std::string text;
    for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
    return text;
}

void heading(std::string& out, const Source& source, const Detection& detection) {
    Block block;
    block.lines.emplace_back("# spf-milter.conf(5), converted by spf-milter --convert-config");
    note(block, "from " + std::string(source.file_name) + ", a " + std::string(source.peer()) + " configuration.");
    if (source.milter())
        note(block, "Format decided by its keys of the milter front end: " + list_text(detection.deciding_keys) + ".");
    else
        note(block, "Format decided by its keys " + list_text(detection.deciding_keys) +
                        " and no key of the milter front end (Socket, PidFile, UserID, UMask, InternalHosts, "
                        "MacroList).");
    note(block, "\"The peer\" below is " + std::string(source.peer()) + ".");
    note(block,
         "Each block below is a line of the file (as a comment), then the spf-milter key(s) for it and "
         "notes: \"no equivalent\" where spf-milter has none, \"differs\" where the meaning changes. Then "
         "the peer's defaults that spf-milter's defaults would change, and the spf-milter keys that no "
         "peer key sets. Check the result with: spf-milter -n -c FILE");
    if (!source.milter())
        note(block,
             "policyd-spf was a Postfix policy service: remove its check_policy_service from "
             "smtpd_recipient_restrictions and add spf-milter to smtpd_milters (spf-milter(8)).");
    for (const std::string& line : block.lines) out += line + "\n";
}

void write_block(std::string& out, const Block& block) {
    out += "\n" + block.heading;
    for (const std::string& line : block.lines) out += line + "\n";
}

// The spf-milter keys that no peer key stands for but whose defaults differ
// from what the peer did.
Block closing_block(const Source& source) {
    Block block;
    block.heading = "# spf-milter keys that no " + std::string(source.peer()) + " key sets:\n";
    if (source.milter()) {
        set(block, "reject_at", "mail");
        note(block, "the peer refused at MAIL FROM");
        set(block, "skip_authenticated", "no");
        note(block,
             "differs from spf-milter's default (yes): the peer checked clients that authenticated with "
             "SMTP AUTH too, unless InternalHosts or MacroList exempted them; set yes if your submission "
             "service passes through this milter");
    } else {
        set(block, "reject_at", "rcpt");
        note(block,
             "policyd-spf answered at RCPT TO (smtpd_recipient_restrictions). differs: spf-milter still "
             "accepts mail to exempt_recipients (postmaster, RFC 5321 section 4.5.1), which the peer "
             "refused too");
        set(block, "skip_authenticated", "yes");
        note(block,
             "spf-milter's default: clients that authenticated with SMTP AUTH are not checked; the peer "
             "saw them only if check_policy_service came before permit_sasl_authenticated (then set no)");
    }
    return block;
}

}  // namespace

std::string_view to_string(PeerFormat format) {
    return format == PeerFormat::pyspf_milter ? "pyspf-milter" : "policyd-spf";
}

std::vector<std::string_view> peer_config_keys() {
    std::vector<std::string_view> names;
    for (const PeerKey& key : peer_keys) names.push_back(key.name);
    return names;
}

std::variant<Conversion, std::string> convert_config(std::string_view text, std::string_view file_name) {
    std::vector<Line> lines;
    unsigned number = 0;
    for (std::string_view raw : split_lines(text)) lines.push_back(read_line(++number, raw));

    const std::optional<Detection> detection = detect(lines);
    if (!detection)
        return std::string(file_name) +
               ": neither a pyspf-milter nor a policyd-spf configuration (none of their keys, such as "
               "HELO_reject, Mail_From_reject, skip_addresses or Socket)";

    Source source;
    source.format = detection->format;
    source.file_name = file_name;
    std::unordered_map<std::string_view, unsigned> last_line;
    for (const Line& line : lines) {
        if (line.key == nullptr) continue;
        source.values[line.key->name] = line.value;
        last_line[line.key->name] = line.number;
    }

    Conversion conversion;
    conversion.format = detection->format;
    conversion.deciding_keys = detection->deciding_keys;
    std::string& out = conversion.text;
    heading(out, source, *detection);

    for (const Line& line : lines) {
        Block block;
        const std::string original = shown(line.raw.substr(0, line.raw.find_last_not_of(" \t\v\f") + 1));
        block.heading = "# " + original + "\n";
        if (line.key == nullptr) {
            if (line.problem.empty()) continue;  // a blank or comment line
            block.heading = "# not understood: " + original + "\n";
            note(block, "(" + line.problem + ")");
        } else if (const unsigned last = last_line[line.key->name]; last != line.number) {
            note(block, "repeated on line " + std::to_string(last) + ", which the peer keeps");
        } else {
            line.key->convert(source, block);
        }
        write_block(out, block);
    }

    bool defaults_heading = false;
    for (const PeerKey& key : peer_keys) {
        if (source.has(key.name) || !key.default_value) continue;
        if (key.front == Front::milter_only && !source.milter()) continue;
        Block block;
        block.heading = "# " + std::string(key.name) + " = " + std::string(*key.default_value) + "\n";
        key.convert(source, block);
        if (!block.matters) continue;
        if (!defaults_heading) {
            Block intro;
            note(intro, "Not in " + std::string(file_name) + ", so " + std::string(source.peer()) +
                            " used its defaults, which spf-milter's defaults would change:");
            intro.heading = "";
            write_block(out, intro);
            defaults_heading = true;
        }
        write_block(out, block);
    }
    write_block(out, closing_block(source));
    return conversion;
}

}  // namespace milter
