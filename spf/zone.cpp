// spf/zone.cpp: DNS data in memory (Zone), its text form, and ZoneResolver.
// Zone::lookup() is the one definition of what a test zone answers: ZoneResolver
// turns its result into an Answer, and the loopback DNS server
// (rfc7208-suite/zone_dns_server.cpp) turns the same result into a packet.
// The semantics follow the openspf suite's reference driver (testspf.py,
// DNSLookup): TIMEOUT markers are positional, "TYPE: TIMEOUT" times out one type,
// and absent names beginning with "error." fail instead of being NXDOMAIN.
#include "spf/zone.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <span>
#include <utility>

namespace spf {

namespace {

// CNAME is not an RrType (check_host() never asks for it), but the DNS server
// passes any query type through lookup(), and a CNAME query is answered with
// the CNAME itself instead of following it.
constexpr std::uint16_t cname_type = 5;
// Links followed before giving up; the chain is a server failure past this.
constexpr std::size_t max_cname_links = 8;

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

std::string_view without_trailing_dot(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    return name;
}

// Why a query for this name could not be sent (RFC 1035 §2.3.4: labels of 1..63
// octets, at most 255 octets on the wire, i.e. 253 in text); empty if it could.
// The trailing dot has been removed; "" is the root and can be sent.
std::string unsendable(std::string_view name) {
    if (name.empty()) return {};
    if (name.size() > 253) return "name longer than 253 octets";
    std::size_t start = 0;
    for (;;) {
        const std::size_t dot = std::min(name.find('.', start), name.size());
        const std::size_t length = dot - start;
        if (length == 0) return "empty label in " + std::string(name);
        if (length > 63) return "label longer than 63 octets in " + std::string(name);
        if (dot == name.size()) return {};
        start = dot + 1;
    }
}

std::string type_name(RrType type) {
    const auto number = static_cast<std::uint16_t>(type);
    if (number == cname_type) return "CNAME";
    const std::string_view name = to_string(type);
    return name == "?" ? "TYPE" + std::to_string(number) : std::string(name);
}

// The record kind that answers a query type, if the zone can hold one.
std::optional<ZoneRecord::Kind> kind_for(RrType type) {
    switch (static_cast<std::uint16_t>(type)) {
        case static_cast<std::uint16_t>(RrType::a): return ZoneRecord::Kind::a;
        case static_cast<std::uint16_t>(RrType::aaaa): return ZoneRecord::Kind::aaaa;
        case static_cast<std::uint16_t>(RrType::mx): return ZoneRecord::Kind::mx;
        case static_cast<std::uint16_t>(RrType::txt): return ZoneRecord::Kind::txt;
        case static_cast<std::uint16_t>(RrType::ptr): return ZoneRecord::Kind::ptr;
        case cname_type: return ZoneRecord::Kind::cname;
        default: return std::nullopt;
    }
}

// What one name holds for one query type, read in zone order as testspf.py does.
struct NameScan {
    std::optional<DnsStatus> failure;  // timeout or server_failure decided here
    std::string detail;
    std::vector<const ZoneRecord*> records;
    const ZoneRecord* cname = nullptr;  // to follow when records is empty
};

NameScan scan_name(const std::vector<ZoneRecord>& records, RrType type, const std::string& owner) {
    NameScan scan;
    const bool servfail = std::any_of(records.begin(), records.end(), [](const ZoneRecord& record) {
        return record.kind == ZoneRecord::Kind::servfail_all;
    });
    if (servfail) {
        scan.failure = DnsStatus::server_failure;
        scan.detail = "SERVFAIL marker at " + owner;
        return scan;
    }
    const std::optional<ZoneRecord::Kind> wanted = kind_for(type);
    for (const ZoneRecord& record : records) {
        if (record.kind == ZoneRecord::Kind::timeout_all) {
            // testspf.py: records of the asked type seen before the marker are
            // the answer; without them the query times out.
            if (scan.records.empty()) {
                scan.failure = DnsStatus::timeout;
                scan.detail = "TIMEOUT marker at " + owner;
            }
            return scan;
        }
        if (wanted && record.kind == *wanted) {
            if (record.timeout) {
                scan.failure = DnsStatus::timeout;
                scan.detail = type_name(type) + " TIMEOUT at " + owner;
                scan.records.clear();
                return scan;
            }
            scan.records.push_back(&record);
        } else if (record.kind == ZoneRecord::Kind::cname && !record.timeout && scan.cname == nullptr) {
            scan.cname = &record;
        }
    }
    return scan;
}

ZoneLookup stop(ZoneLookup lookup, DnsStatus status, std::string detail) {
    lookup.status = status;
    lookup.detail = std::move(detail);
    lookup.records.clear();
    return lookup;
}

// ---- text form ------------------------------------------------------------

struct Token {
    std::string text;
    bool quoted = false;
};

// Splits one line into words and quoted strings; '#' outside quotes ends it.
// Inside quotes: \DDD is the octet DDD (RFC 1035 §5.1), \X is X.
std::variant<std::vector<Token>, std::string> tokenize(std::string_view line) {
    std::vector<Token> tokens;
    std::size_t i = 0;
    while (i < line.size()) {
        const char c = line[i];
        if (c == ' ' || c == '\t' || c == '\r') {
            ++i;
            continue;
        }
        if (c == '#') break;
        Token token;
        if (c != '"') {
            while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '"' &&
                   line[i] != '#')
                token.text += line[i++];
            tokens.push_back(std::move(token));
            continue;
        }
        token.quoted = true;
        ++i;
        for (;;) {
            if (i == line.size()) return std::string("unterminated quoted string");
            const char q = line[i++];
            if (q == '"') break;
            if (q != '\\') {
                token.text += q;
                continue;
            }
            if (i == line.size()) return std::string("unterminated quoted string");
            if (line[i] >= '0' && line[i] <= '9') {
                unsigned value = 0;
                const auto digits = line.substr(i, 3);
                const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
                if (error != std::errc() || end != digits.data() + 3 || value > 255)
                    return "bad escape \\" + std::string(digits) + " (\\DDD needs three digits, at most 255)";
                token.text += static_cast<char>(value);
                i += 3;
            } else {
                token.text += line[i++];
            }
        }
        if (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '#')
            return std::string("expected a space after the closing quote");
        tokens.push_back(std::move(token));
    }
    return tokens;
}

std::optional<ZoneRecord::Kind> kind_from_word(const std::string& word) {
    if (word == "A") return ZoneRecord::Kind::a;
    if (word == "AAAA") return ZoneRecord::Kind::aaaa;
    if (word == "MX") return ZoneRecord::Kind::mx;
    if (word == "TXT") return ZoneRecord::Kind::txt;
    if (word == "PTR") return ZoneRecord::Kind::ptr;
    if (word == "CNAME") return ZoneRecord::Kind::cname;
    return std::nullopt;
}

std::string quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

// Fills record from the data tokens of a typed line; error text on failure.
std::optional<std::string> parse_data(const std::string& type, std::span<const Token> data, ZoneRecord& record) {
    const auto want = [&](std::size_t count, const char* what) -> std::optional<std::string> {
        if (data.size() < count) return type + " needs " + what;
        if (data.size() > count) return "unexpected " + quote(data[count].text) + " after the " + type + " record";
        return std::nullopt;
    };
    switch (record.kind) {
        case ZoneRecord::Kind::a:
        case ZoneRecord::Kind::aaaa: {
            const bool v4 = record.kind == ZoneRecord::Kind::a;
            const char* what = v4 ? "an IPv4 address" : "an IPv6 address";
            if (auto error = want(1, what)) return error;
            const std::optional<IpAddress> address = IpAddress::parse(data[0].text);
            if (!address || address->is_v4() != v4) return type + " needs " + what + ", got " + quote(data[0].text);
            record.address = *address;
            return std::nullopt;
        }
        case ZoneRecord::Kind::mx: {
            if (auto error = want(2, "a preference and an exchange")) return error;
            const std::string& text = data[0].text;
            unsigned value = 0;
            const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
            if (data[0].quoted || error != std::errc() || end != text.data() + text.size() || value > 65535)
                return "MX preference must be a number from 0 to 65535, got " + quote(text);
            record.preference = static_cast<std::uint16_t>(value);
            record.target = data[1].text;
            return std::nullopt;
        }
        case ZoneRecord::Kind::ptr:
        case ZoneRecord::Kind::cname:
            if (auto error = want(1, "a target name")) return error;
            if (data[0].text.empty() && !data[0].quoted) return type + " needs a target name";
            record.target = data[0].text;
            return std::nullopt;
        case ZoneRecord::Kind::txt:
            if (data.empty()) return std::string("TXT needs at least one quoted string");
            for (const Token& token : data) {
                if (!token.quoted) return "TXT strings must be quoted, got " + token.text;
                record.strings.push_back(token.text);
            }
            return std::nullopt;
        case ZoneRecord::Kind::timeout_all:
        case ZoneRecord::Kind::servfail_all: break;
    }
    return std::nullopt;
}

constexpr std::string_view negative_ttl_directive = "$NEGATIVE-TTL";

// "$NEGATIVE-TTL SECONDS"; seen: whether an earlier line set it already.
std::optional<std::string> parse_negative_ttl(const std::vector<Token>& tokens, Zone& zone, bool& seen) {
    const std::string directive(negative_ttl_directive);
    if (seen) return directive + " given twice";
    if (tokens.size() != 2 || tokens[1].quoted) return directive + " needs one number of seconds";
    const std::string& text = tokens[1].text;
    std::uint32_t ttl = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), ttl);
    if (error != std::errc() || end != text.data() + text.size() || ttl > Zone::max_ttl)
        return directive + " must be a number from 0 to " + std::to_string(Zone::max_ttl) + ", got " + quote(text);
    zone.set_negative_ttl(ttl);
    seen = true;
    return std::nullopt;
}

// One non-empty line: NAME TIMEOUT | NAME SERVFAIL | NAME TYPE TIMEOUT | NAME TYPE DATA...
std::optional<std::string> parse_line(const std::vector<Token>& tokens, Zone& zone) {
    if (tokens[0].quoted) return "a line must begin with a name, not " + quote(tokens[0].text);
    const std::string& name = tokens[0].text;
    if (tokens.size() < 2) return "missing record type after " + name;
    if (tokens[1].quoted) return "expected a record type after " + name + ", got " + quote(tokens[1].text);
    const std::string word = upper(tokens[1].text);
    ZoneRecord record;
    if (word == "TIMEOUT" || word == "SERVFAIL") {
        if (tokens.size() > 2) return "unexpected " + quote(tokens[2].text) + " after " + word;
        record.kind = word == "TIMEOUT" ? ZoneRecord::Kind::timeout_all : ZoneRecord::Kind::servfail_all;
        zone.add(name, std::move(record));
        return std::nullopt;
    }
    const std::optional<ZoneRecord::Kind> kind = kind_from_word(word);
    if (!kind) return "unknown record type " + quote(tokens[1].text);
    record.kind = *kind;
    const std::span<const Token> data(tokens.begin() + 2, tokens.end());
    if (data.size() == 1 && !data[0].quoted && upper(data[0].text) == "TIMEOUT") {
        record.timeout = true;
    } else if (auto error = parse_data(word, data, record)) {
        return error;
    }
    zone.add(name, std::move(record));
    return std::nullopt;
}

}  // namespace

void Zone::add(std::string_view name, ZoneRecord record) {
    record.target = std::string(without_trailing_dot(record.target));
    names_[lower(without_trailing_dot(name))].push_back(std::move(record));
}

bool Zone::contains(std::string_view name) const { return names_.count(lower(without_trailing_dot(name))) != 0; }

void Zone::set_negative_ttl(std::uint32_t ttl) { negative_ttl_ = std::min(ttl, max_ttl); }

std::string Zone::enclosing_name(std::string_view name) const {
    const std::string lowered = lower(without_trailing_dot(name));
    const auto parent_of = [](std::string_view child) {
        const std::size_t dot = child.find('.');
        return dot == std::string_view::npos ? std::string_view() : child.substr(dot + 1);
    };
    const std::string_view parent = parent_of(lowered);
    // At most 127 labels, one map lookup each.
    for (std::string_view candidate = parent; !candidate.empty(); candidate = parent_of(candidate))
        if (names_.count(std::string(candidate)) != 0) return std::string(candidate);
    return std::string(parent);
}

ZoneLookup Zone::lookup(std::string_view name, RrType type) const {
    ZoneLookup result;
    std::string owner(without_trailing_dot(name));
    std::vector<std::string> followed;  // lower-case names whose CNAME was taken
    for (;;) {
        result.owner = owner;
        if (std::string why = unsendable(owner); !why.empty())
            return stop(std::move(result), DnsStatus::server_failure, "cannot query: " + why);
        const std::string key = lower(owner);
        const auto found = names_.find(key);
        if (found == names_.end()) {
            // testspf.py: a missing "error." name raises TempError instead of NXDOMAIN.
            if (key.starts_with("error."))
                return stop(std::move(result), DnsStatus::server_failure, owner + " fails (error. name)");
            result.negative_ttl = negative_ttl_;
            return stop(std::move(result), DnsStatus::nxdomain, owner + " does not exist");
        }
        NameScan scan = scan_name(found->second, type, owner);
        if (scan.failure) return stop(std::move(result), *scan.failure, std::move(scan.detail));
        if (!scan.records.empty() || scan.cname == nullptr) {
            result.records = std::move(scan.records);
            if (result.records.empty()) {
                result.status = DnsStatus::no_data;
                result.negative_ttl = negative_ttl_;
                result.detail = "no " + type_name(type) + " records at " + owner;
            }
            return result;
        }
        // RFC 1034 §3.6.2: follow the alias; a loop is an error, not an empty answer.
        if (std::find(followed.begin(), followed.end(), key) != followed.end())
            return stop(std::move(result), DnsStatus::server_failure, "CNAME loop at " + owner);
        if (result.cnames.size() == max_cname_links)
            return stop(std::move(result), DnsStatus::server_failure,
                        "more than " + std::to_string(max_cname_links) + " CNAME links from " +
                            std::string(without_trailing_dot(name)));
        followed.push_back(key);
        result.cnames.emplace_back(owner, scan.cname->target);
        owner = scan.cname->target;
    }
}

std::variant<Zone, std::string> Zone::from_text(std::string_view text) {
    Zone zone;
    bool negative_ttl_seen = false;
    std::size_t line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const std::size_t end = std::min(text.find('\n'), text.size());
        const std::string_view line = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        auto tokens = tokenize(line);
        std::optional<std::string> error;
        if (auto* message = std::get_if<std::string>(&tokens))
            error = std::move(*message);
        else if (const auto& list = std::get<std::vector<Token>>(tokens); list.empty())
            continue;
        else if (!list[0].quoted && upper(list[0].text) == negative_ttl_directive)
            error = parse_negative_ttl(list, zone, negative_ttl_seen);
        else
            error = parse_line(list, zone);
        if (error) return "line " + std::to_string(line_number) + ": " + *error;
    }
    return zone;
}

ZoneResolver ZoneResolver::from_text(std::string_view text) {
    auto parsed = Zone::from_text(text);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        std::fprintf(stderr, "ZoneResolver::from_text: %s\n", error->c_str());
        std::abort();
    }
    return ZoneResolver(std::get<Zone>(std::move(parsed)));
}

// Memory answers at once, so the deadline cannot be missed and is not consulted.
Answer ZoneResolver::resolve(const Question& question, Deadline /*deadline*/) {
    return to_answer(zone_.lookup(question.name, question.type), question.type);
}

Answer to_answer(const ZoneLookup& lookup, RrType type) {
    Answer answer;
    answer.status = lookup.status;
    answer.detail = lookup.detail;
    if (lookup.status == DnsStatus::no_data || lookup.status == DnsStatus::nxdomain) answer.ttl = lookup.negative_ttl;
    if (lookup.status != DnsStatus::ok) return answer;
    std::uint32_t ttl = std::numeric_limits<std::uint32_t>::max();
    std::vector<std::pair<std::uint16_t, std::string>> exchanges;
    for (const ZoneRecord* record : lookup.records) {
        ttl = std::min(ttl, record->ttl);
        switch (type) {
            case RrType::txt: {
                // RFC 7208 §3.3: the character-strings of one record are concatenated.
                std::string joined;
                for (const std::string& part : record->strings) joined += part;
                answer.texts.push_back(std::move(joined));
                break;
            }
            case RrType::a:
            case RrType::aaaa: answer.addresses.push_back(record->address); break;
            case RrType::mx: exchanges.emplace_back(record->preference, record->target); break;
            case RrType::ptr: answer.names.push_back(record->target); break;
        }
    }
    // Equal preferences keep zone order; an empty exchange ("" or ".") stays "",
    // for the evaluator to judge.
    std::stable_sort(exchanges.begin(), exchanges.end(),
                     [](const auto& left, const auto& right) { return left.first < right.first; });
    for (auto& exchange : exchanges) answer.names.push_back(std::move(exchange.second));
    if (answer.empty()) {
        answer.status = DnsStatus::no_data;
        answer.ttl = lookup.negative_ttl;
        return answer;
    }
    answer.ttl = ttl;
    return answer;
}

}  // namespace spf
