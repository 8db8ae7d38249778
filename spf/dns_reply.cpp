// spf/dns_reply.cpp: see dns_reply.hpp. Every loop below advances through the
// message or is bounded by a constant (pointers per name, CNAME links, the
// chain's length), so the work is linear in the reply's size.
#include "spf/dns_reply.hpp"

#include "spf/dns_name.hpp"
#include "spf/text.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

namespace spf {

namespace wire {

namespace {

std::uint16_t u16(std::span<const std::uint8_t> bytes, std::size_t at) {
    return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

std::uint32_t u32(std::span<const std::uint8_t> bytes, std::size_t at) {
    return (std::uint32_t{bytes[at]} << 24) | (std::uint32_t{bytes[at + 1]} << 16) |
           (std::uint32_t{bytes[at + 2]} << 8) | std::uint32_t{bytes[at + 3]};
}

// One resource record (RFC 1035 §4.1.3) at offset; offset moves past it.
std::optional<Record> read_record(std::span<const std::uint8_t> message, std::size_t& offset) {
    Record record;
    std::optional<std::string> owner = read_name(message, offset);
    if (!owner || message.size() - offset < 10) return std::nullopt;
    record.owner = std::move(*owner);
    record.type = u16(message, offset);
    record.klass = u16(message, offset + 2);
    record.ttl = u32(message, offset + 4);
    record.rdata_length = u16(message, offset + 8);
    offset += 10;
    if (message.size() - offset < record.rdata_length) return std::nullopt;
    record.rdata_offset = offset;
    offset += record.rdata_length;
    return record;
}

}  // namespace

std::string rcode_text(unsigned rcode) {
    switch (rcode) {
        case 0: return "NOERROR";
        case 1: return "FORMERR";
        case 2: return "SERVFAIL";
        case 3: return "NXDOMAIN";
        case 4: return "NOTIMP";
        case 5: return "REFUSED";
        case 16: return "BADVERS";
        default: return "rcode " + std::to_string(rcode);
    }
}

std::optional<std::string> read_name(std::span<const std::uint8_t> message, std::size_t& offset) {
    std::string name;
    std::size_t position = offset;
    std::size_t segment_start = offset;  // a pointer must point before this
    std::size_t wire_octets = 0;
    std::size_t pointers = 0;
    std::optional<std::size_t> resume;  // where the name ends in the message: after its first pointer
    for (;;) {
        if (position >= message.size()) return std::nullopt;
        const std::uint8_t length = message[position];
        if ((length & 0xc0) == 0xc0) {
            if (position + 1 >= message.size() || ++pointers > max_pointers_per_name) return std::nullopt;
            const std::size_t target = u16(message, position) & 0x3fffU;
            if (target >= segment_start) return std::nullopt;  // a loop or a forward reference
            if (!resume) resume = position + 2;
            position = segment_start = target;
            continue;
        }
        if ((length & 0xc0) != 0) return std::nullopt;  // RFC 6891 §5: extended label types are gone
        wire_octets += std::size_t{length} + 1;
        if (wire_octets > max_name_octets) return std::nullopt;
        if (length == 0) break;
        if (position + 1 + length > message.size()) return std::nullopt;
        if (!name.empty()) name += '.';
        name.append(reinterpret_cast<const char*>(message.data() + position + 1), length);
        position += std::size_t{length} + 1;
    }
    offset = resume ? *resume : position + 1;
    return name;
}

std::variant<Message, std::string> parse_message(std::span<const std::uint8_t> message) {
    if (message.size() < header_octets) return std::string("shorter than a DNS header");
    Message parsed;
    Header& header = parsed.header;
    header.id = u16(message, 0);
    header.response = (message[2] & 0x80) != 0;
    header.opcode = (message[2] >> 3) & 0x0fU;
    header.truncated = (message[2] & 0x02) != 0;
    header.rcode = message[3] & 0x0fU;
    header.questions = u16(message, 4);
    header.answers = u16(message, 6);
    header.authorities = u16(message, 8);
    header.additionals = u16(message, 10);

    std::size_t offset = header_octets;
    // The counts are the sender's claims: reserve nothing on their word.
    for (unsigned i = 0; i < header.questions; ++i) {
        std::optional<std::string> name = read_name(message, offset);
        if (!name || message.size() - offset < 4) return std::string("malformed question section");
        parsed.questions.push_back({std::move(*name), u16(message, offset), u16(message, offset + 2)});
        offset += 4;
    }
    const auto section = [&](unsigned count, std::vector<Record>& kept, const char* what) -> std::string {
        for (unsigned i = 0; i < count; ++i) {
            std::optional<Record> record = read_record(message, offset);
            if (!record) return std::string("malformed ") + what + " section";
            kept.push_back(std::move(*record));
        }
        return {};
    };
    if (std::string error = section(header.answers, parsed.answers, "answer"); !error.empty()) return error;
    if (std::string error = section(header.authorities, parsed.authorities, "authority"); !error.empty()) return error;
    for (unsigned i = 0; i < header.additionals; ++i) {
        std::optional<Record> record = read_record(message, offset);
        if (!record) return std::string("malformed additional section");
        if (record->type == type_opt) {
            ++header.opt_records;
            header.extended_rcode = record->ttl >> 24;
        }
    }
    return parsed;
}

}  // namespace wire

namespace {

using wire::Message;
using wire::Record;

Answer failure(DnsStatus status, std::string detail) {
    Answer answer;
    answer.status = status;
    answer.detail = std::move(detail);
    return answer;
}

// RFC 2181 §8: a TTL with the top bit set is taken as zero.
std::uint32_t usable_ttl(std::uint32_t ttl) { return ttl > 0x7fffffffU ? 0 : ttl; }

// The names the answer section's CNAMEs chain from the question's name
// (RFC 1034 §3.6.2), the name itself first; an error text for a loop or a
// chain too long. Each link is one pass over the section, and there are at most
// max_cname_links of them.
std::variant<std::vector<std::string>, std::string> cname_chain(std::span<const std::uint8_t> message,
                                                                const std::vector<Record>& answers,
                                                                std::string_view name) {
    std::vector<std::string> chain{std::string(without_trailing_dot(name))};
    for (;;) {
        const auto link = std::find_if(answers.begin(), answers.end(), [&](const Record& record) {
            return record.type == wire::type_cname && record.klass == wire::class_in &&
                   iequals(record.owner, chain.back());
        });
        if (link == answers.end()) return chain;
        std::size_t offset = link->rdata_offset;
        std::optional<std::string> target = wire::read_name(message, offset);
        if (!target || offset != link->rdata_offset + link->rdata_length)
            return "malformed CNAME record at " + chain.back();
        if (std::any_of(chain.begin(), chain.end(), [&](const std::string& known) { return iequals(known, *target); }))
            return "CNAME loop at " + *target;
        if (chain.size() > wire::max_cname_links)
            return "more than " + std::to_string(wire::max_cname_links) + " CNAME links from " + chain.front();
        chain.push_back(std::move(*target));
    }
}

// The smallest TTL of the CNAMEs that make up the chain: an answer reached
// through them is only as fresh as its least fresh link (RFC 2181 §5.2 keeps
// each RRset for its own TTL; kept as one answer, it gets the smallest).
std::uint32_t chain_ttl(const std::vector<Record>& answers, const std::vector<std::string>& chain) {
    std::uint32_t ttl = std::numeric_limits<std::uint32_t>::max();
    for (std::size_t i = 0; i + 1 < chain.size(); ++i)
        for (const Record& record : answers)
            if (record.type == wire::type_cname && record.klass == wire::class_in && iequals(record.owner, chain[i]))
                ttl = std::min(ttl, usable_ttl(record.ttl));
    return ttl;
}

// RFC 7208 §3.3: the character-strings of one record are joined without separator.
std::optional<std::string> txt_of(std::span<const std::uint8_t> rdata) {
    if (rdata.empty()) return std::nullopt;  // RFC 1035 §3.3.14: one or more strings
    std::string text;
    text.reserve(rdata.size());
    for (std::size_t position = 0; position < rdata.size();) {
        const std::size_t length = rdata[position++];
        if (length > rdata.size() - position) return std::nullopt;
        text.append(reinterpret_cast<const char*>(rdata.data() + position), length);
        position += length;
    }
    return text;
}

std::optional<IpAddress> address_of(std::span<const std::uint8_t> rdata, RrType type) {
    if (type == RrType::a) {
        if (rdata.size() != 4) return std::nullopt;
        return IpAddress::v4({rdata[0], rdata[1], rdata[2], rdata[3]});
    }
    if (rdata.size() != 16) return std::nullopt;
    std::array<std::uint8_t, 16> bytes{};
    std::copy(rdata.begin(), rdata.end(), bytes.begin());
    return IpAddress::v6(bytes);
}

// A name that fills the rdata from `offset` to its end exactly.
std::optional<std::string> name_filling(std::span<const std::uint8_t> message, const Record& record,
                                        std::size_t offset) {
    std::optional<std::string> name = wire::read_name(message, offset);
    if (!name || offset != record.rdata_offset + record.rdata_length) return std::nullopt;
    return name;
}

struct Taken {
    bool any = false;
    std::string malformed;  // the first malformed record of the asked type on the chain
};

// Adds the records of the asked type owned by a name of the chain to answer.
Taken take_records(std::span<const std::uint8_t> message, const Message& parsed, const std::vector<std::string>& chain,
                   const Question& question, Answer& answer) {
    Taken taken;
    std::vector<std::pair<std::uint16_t, std::string>> exchanges;
    std::uint32_t ttl = std::numeric_limits<std::uint32_t>::max();
    for (const Record& record : parsed.answers) {
        if (record.type != static_cast<std::uint16_t>(question.type) || record.klass != wire::class_in) continue;
        if (std::none_of(chain.begin(), chain.end(),
                         [&](const std::string& name) { return iequals(name, record.owner); }))
            continue;
        const std::span<const std::uint8_t> rdata = message.subspan(record.rdata_offset, record.rdata_length);
        bool used = false;
        switch (question.type) {
            case RrType::txt:
                if (std::optional<std::string> text = txt_of(rdata)) {
                    answer.texts.push_back(std::move(*text));
                    used = true;
                }
                break;
            case RrType::a:
            case RrType::aaaa:
                if (std::optional<IpAddress> address = address_of(rdata, question.type)) {
                    answer.addresses.push_back(*address);
                    used = true;
                }
                break;
            case RrType::mx:
                if (rdata.size() >= 3) {
                    if (std::optional<std::string> exchange = name_filling(message, record, record.rdata_offset + 2)) {
                        exchanges.emplace_back(static_cast<std::uint16_t>((rdata[0] << 8) | rdata[1]),
                                               std::move(*exchange));
                        used = true;
                    }
                }
                break;
            case RrType::ptr:
                if (std::optional<std::string> target = name_filling(message, record, record.rdata_offset)) {
                    answer.names.push_back(std::move(*target));
                    used = true;
                }
                break;
        }
        if (!used) {
            taken.malformed = "malformed " + std::string(to_string(question.type)) + " record at " + record.owner;
            return taken;
        }
        ttl = std::min(ttl, usable_ttl(record.ttl));
        taken.any = true;
    }
    std::stable_sort(exchanges.begin(), exchanges.end(),
                     [](const auto& left, const auto& right) { return left.first < right.first; });
    for (auto& exchange : exchanges) answer.names.push_back(std::move(exchange.second));
    if (taken.any) answer.ttl = ttl;
    return taken;
}

// True if ancestor is name or one of its parent domains ("" is the root).
bool is_at_or_above(std::string_view ancestor, std::string_view name) {
    if (ancestor.empty()) return true;
    if (name.size() < ancestor.size() || !iequals(name.substr(name.size() - ancestor.size()), ancestor)) return false;
    return name.size() == ancestor.size() || name[name.size() - ancestor.size() - 1] == '.';
}

// The MINIMUM field of an SOA record (RFC 1035 §3.3.13: MNAME, RNAME, then
// SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM), or nothing if the rdata is not
// exactly that.
std::optional<std::uint32_t> soa_minimum(std::span<const std::uint8_t> message, const Record& record) {
    const std::size_t end = record.rdata_offset + record.rdata_length;
    std::size_t offset = record.rdata_offset;
    for (int name = 0; name < 2; ++name)  // MNAME, RNAME
        if (!wire::read_name(message, offset) || offset > end) return std::nullopt;
    if (end - offset != 5 * 4) return std::nullopt;
    return wire::u32(message, offset + 4 * 4);
}

// RFC 2308 §5: a negative answer may be kept for min(SOA TTL, SOA MINIMUM) of
// the SOA in the authority section. Only an SOA of the zone the negative
// answer is about counts: owned by the last name of the CNAME chain or one of
// its parents; an SOA of another zone says nothing about this name. Several:
// the smallest. None usable (absent, unrelated, malformed): 0, keep it not at
// all. One pass over the authority section, each owner compared once.
std::uint32_t negative_ttl(std::span<const std::uint8_t> message, const Message& parsed, std::string_view last_name) {
    std::optional<std::uint32_t> ttl;
    for (const Record& record : parsed.authorities) {
        if (record.type != wire::type_soa || record.klass != wire::class_in) continue;
        if (!is_at_or_above(record.owner, last_name)) continue;
        const std::optional<std::uint32_t> minimum = soa_minimum(message, record);
        if (!minimum) continue;
        const std::uint32_t this_ttl = std::min(usable_ttl(record.ttl), usable_ttl(*minimum));
        ttl = ttl ? std::min(*ttl, this_ttl) : this_ttl;
    }
    return ttl.value_or(0);
}

// Exactly the one question that was asked (RFC 5452 §9.1: a reply to anything
// else is not an answer to ours, whatever its ID).
bool answers_question(const Message& parsed, const Question& question) {
    if (parsed.questions.size() != 1) return false;
    const wire::QuestionEntry& echoed = parsed.questions.front();
    return echoed.type == static_cast<std::uint16_t>(question.type) && echoed.klass == wire::class_in &&
           iequals(echoed.name, without_trailing_dot(question.name));
}

}  // namespace

Answer answer_from_reply(std::span<const std::uint8_t> reply, const Question& question, std::string_view server) {
    const std::string from = " from " + std::string(server);
    auto decoded = wire::parse_message(reply);
    if (auto* error = std::get_if<std::string>(&decoded))
        return failure(DnsStatus::server_failure, "malformed reply (" + *error + ")" + from);
    const Message& parsed = std::get<Message>(decoded);
    const wire::Header& header = parsed.header;
    if (!header.response || header.opcode != 0)
        return failure(DnsStatus::server_failure, "malformed reply (not a response to a query)" + from);
    if (!answers_question(parsed, question))
        return failure(DnsStatus::server_failure, "reply does not match the question" + from);
    if (header.truncated)
        return failure(DnsStatus::server_failure, "truncated reply" + from);  // partial: never trusted
    if (header.opt_records > 1)
        return failure(DnsStatus::server_failure, "malformed reply (more than one OPT record)" + from);
    if (header.extended_rcode != 0)
        return failure(DnsStatus::server_failure, wire::rcode_text(header.extended_rcode << 4 | header.rcode) + from);
    const bool nxdomain = header.rcode == static_cast<unsigned>(wire::Rcode::nxdomain);
    if (!nxdomain && header.rcode != static_cast<unsigned>(wire::Rcode::noerror))
        return failure(DnsStatus::server_failure, wire::rcode_text(header.rcode) + from);

    auto chained = cname_chain(reply, parsed.answers, question.name);
    if (auto* error = std::get_if<std::string>(&chained)) return failure(DnsStatus::server_failure, *error + from);
    const std::vector<std::string>& chain = std::get<std::vector<std::string>>(chained);
    Answer answer;
    const Taken taken = take_records(reply, parsed, chain, question, answer);
    if (!taken.malformed.empty()) return failure(DnsStatus::server_failure, taken.malformed + from);
    // RFC 6604 §2.1: after CNAMEs, NXDOMAIN is about the last name of the chain.
    // Records of the asked type on the chain contradict it: the reply is broken,
    // and neither its "no such name" nor its records can be believed.
    if (nxdomain && taken.any) return failure(DnsStatus::server_failure, "NXDOMAIN with records of the name" + from);
    if (nxdomain || !taken.any) {
        Answer negative =
            nxdomain ? failure(DnsStatus::nxdomain, "NXDOMAIN" + from)
                     : failure(DnsStatus::no_data, "no " + std::string(to_string(question.type)) + " records" + from);
        negative.ttl = std::min(negative_ttl(reply, parsed, chain.back()), chain_ttl(parsed.answers, chain));
        return negative;
    }
    answer.ttl = std::min(answer.ttl, chain_ttl(parsed.answers, chain));
    answer.detail = "answer" + from;
    return answer;
}

}  // namespace spf
