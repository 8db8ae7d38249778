// rfc7208-suite/hostile_reply.cpp: see hostile_reply.hpp. Every reply starts as
// the honest one (the zone's records, uncompressed owner names) in a Message,
// which each mode then bends; the header counts always match what follows
// unless a mode's point is that they do not.
#include "rfc7208-suite/hostile_reply.hpp"

#include "spf/dns_name.hpp"
#include "spf/text.hpp"

#include <algorithm>
#include <random>
#include <utility>

namespace spf::testdns {

namespace {

using Bytes = std::vector<std::uint8_t>;
using Mode = Behaviour::Mode;

constexpr std::size_t header_size = 12;
constexpr std::size_t max_message = 65535;  // RFC 1035 §4.2.2: a two-octet length over TCP
constexpr std::size_t rr_fixed_size = 10;   // type, class, TTL, RDLENGTH
constexpr std::uint16_t class_in = 1;
constexpr std::uint16_t type_cname = 5;
constexpr std::uint16_t type_txt = 16;
constexpr std::uint16_t type_private = 65280;  // RFC 6895 §3.1: private use; no decoder looks at it
constexpr std::uint32_t filler_ttl = 300;

constexpr std::uint8_t flag_qr = 0x80;
constexpr std::uint8_t flag_aa = 0x04;
constexpr std::uint8_t flag_tc = 0x02;
constexpr std::uint8_t flag_rd = 0x01;

constexpr std::uint8_t rcode_noerror = 0;
constexpr std::uint8_t rcode_servfail = 2;
constexpr std::uint8_t rcode_nxdomain = 3;
constexpr std::uint8_t rcode_refused = 5;

void put16(Bytes& bytes, std::size_t value) {
    bytes.push_back(static_cast<std::uint8_t>((value >> 8) & 0xff));
    bytes.push_back(static_cast<std::uint8_t>(value & 0xff));
}

void put32(Bytes& bytes, std::uint32_t value) {
    put16(bytes, value >> 16);
    put16(bytes, value & 0xffff);
}

Bytes name_wire(std::string_view name) {
    auto wire = encode_name(name);
    if (auto* bytes = std::get_if<Bytes>(&wire)) return std::move(*bytes);
    return Bytes{0};  // unreachable for zone names and asked names; the root keeps the packet well formed
}

struct Rr {
    Bytes owner;  // wire form, or a compression pointer
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    Bytes rdata;
    std::size_t size() const { return owner.size() + rr_fixed_size + rdata.size(); }
};

struct Message {
    std::uint16_t id = 0;
    std::uint8_t flags = 0;  // the third header octet: QR, opcode, AA, TC, RD
    std::uint8_t rcode = rcode_noerror;
    std::optional<Bytes> question;  // name, type, class
    std::vector<Rr> answers;

    std::size_t size() const {
        std::size_t total = header_size + (question ? question->size() : 0);
        for (const Rr& rr : answers) total += rr.size();
        return total;
    }
};

void append_rr(Bytes& wire, const Rr& rr) {
    wire.insert(wire.end(), rr.owner.begin(), rr.owner.end());
    put16(wire, rr.type);
    put16(wire, class_in);
    put32(wire, rr.ttl);
    put16(wire, rr.rdata.size());
    wire.insert(wire.end(), rr.rdata.begin(), rr.rdata.end());
}

Bytes header_of(const Message& message, std::size_t answer_count) {
    Bytes wire;
    put16(wire, message.id);
    wire.push_back(message.flags);
    wire.push_back(message.rcode);
    put16(wire, message.question ? 1 : 0);
    put16(wire, answer_count);
    put16(wire, 0);  // authority
    put16(wire, 0);  // additional
    return wire;
}

Bytes to_wire(const Message& message) {
    Bytes wire = header_of(message, message.answers.size());
    if (message.question) wire.insert(wire.end(), message.question->begin(), message.question->end());
    for (const Rr& rr : message.answers) append_rr(wire, rr);
    return wire;
}

Bytes question_for(std::string_view name, std::uint16_t type) {
    Bytes question = name_wire(name);
    put16(question, type);
    put16(question, class_in);
    return question;
}

// Character-strings of at most `octets` each (RFC 1035 §3.3.14); no text is one empty string.
Bytes txt_rdata(const std::vector<std::string>& strings, std::size_t octets) {
    std::string joined;
    for (const std::string& part : strings) joined += part;
    Bytes rdata;
    std::size_t start = 0;
    do {
        const std::size_t length = std::min(octets, joined.size() - start);
        rdata.push_back(static_cast<std::uint8_t>(length));
        rdata.insert(rdata.end(), joined.begin() + static_cast<std::ptrdiff_t>(start),
                     joined.begin() + static_cast<std::ptrdiff_t>(start + length));
        start += length;
    } while (start < joined.size());
    return rdata;
}

std::optional<Rr> record_rr(std::string_view owner, const ZoneRecord& record, std::size_t txt_octets) {
    Rr rr{name_wire(owner), 0, record.ttl, {}};
    switch (record.kind) {
        case ZoneRecord::Kind::a:
        case ZoneRecord::Kind::aaaa:
            rr.type = record.kind == ZoneRecord::Kind::a ? 1 : 28;
            rr.rdata.assign(record.address.data(), record.address.data() + record.address.size());
            return rr;
        case ZoneRecord::Kind::mx:
            rr.type = 15;
            put16(rr.rdata, record.preference);
            for (std::uint8_t octet : name_wire(record.target)) rr.rdata.push_back(octet);
            return rr;
        case ZoneRecord::Kind::ptr:
            rr.type = 12;
            rr.rdata = name_wire(record.target);
            return rr;
        case ZoneRecord::Kind::txt:
            rr.type = type_txt;
            rr.rdata = txt_rdata(record.strings, txt_octets);
            return rr;
        case ZoneRecord::Kind::cname:
        case ZoneRecord::Kind::timeout_all:
        case ZoneRecord::Kind::servfail_all: break;
    }
    return std::nullopt;
}

std::uint8_t rcode_of(DnsStatus status) {
    switch (status) {
        case DnsStatus::ok:
        case DnsStatus::no_data: return rcode_noerror;
        case DnsStatus::nxdomain: return rcode_nxdomain;
        case DnsStatus::server_failure:
        case DnsStatus::timeout: break;
    }
    return rcode_servfail;
}

// What an honest server would send: the CNAME chain, then the records.
Message honest_message(const QueryHeader& query, const ZoneLookup& lookup, std::size_t txt_octets) {
    Message message;
    message.id = query.id;
    message.flags = static_cast<std::uint8_t>(flag_qr | flag_aa | (query.recursion_desired ? flag_rd : 0));
    message.rcode = rcode_of(lookup.status);
    message.question = question_for(query.name, query.type);
    if (lookup.status == DnsStatus::server_failure || lookup.status == DnsStatus::timeout) return message;
    for (const auto& [owner, target] : lookup.cnames)
        message.answers.push_back({name_wire(owner), type_cname, 300, name_wire(target)});
    for (const ZoneRecord* record : lookup.records)
        if (std::optional<Rr> rr = record_rr(lookup.owner, *record, txt_octets))
            message.answers.push_back(std::move(*rr));
    return message;
}

// The honest reply's header and question with TC set: "ask again over TCP".
Bytes truncated_flag_only(Message message) {
    message.flags |= flag_tc;
    message.answers.clear();
    return to_wire(message);
}

// A filler record of the asked type, the i-th: documentation addresses, names
// under example.net, text that no SPF record selection takes (RFC 7208 §4.5).
Rr filler(const QueryHeader& query, std::size_t i) {
    Rr rr{name_wire(query.name), query.type, filler_ttl, {}};
    switch (query.type) {
        case 1: rr.rdata = {198, 51, 100, static_cast<std::uint8_t>(i & 0xff)}; break;
        case 28:
            rr.rdata = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0};
            put16(rr.rdata, i & 0xffff);
            break;
        case 15:
            put16(rr.rdata, i & 0xffff);
            for (std::uint8_t octet : name_wire("mx" + std::to_string(i) + ".example.net")) rr.rdata.push_back(octet);
            break;
        case 12: rr.rdata = name_wire("host" + std::to_string(i) + ".example.net"); break;
        default: rr.rdata = txt_rdata({"filler " + std::to_string(i)}, 255); break;
    }
    return rr;
}

// TXT records of 'x's owned by the asked name, until the message is exactly
// max_message octets long; each record at most 200 strings of 255.
void pad_to_maximum(Message& message, const QueryHeader& query) {
    const Bytes owner = name_wire(query.name);
    const std::size_t overhead = owner.size() + rr_fixed_size;
    const std::size_t smallest = overhead + 1;  // one empty string
    const std::size_t largest = overhead + 200 * 256;
    std::size_t left = max_message - std::min(max_message, message.size());
    while (left >= smallest) {
        std::size_t take = std::min(left, largest);
        if (left - take != 0 && left - take < smallest) take = left - smallest;
        Rr rr{owner, type_txt, filler_ttl, {}};
        for (std::size_t rdata_left = take - overhead; rdata_left > 0;) {
            const std::size_t string = std::min<std::size_t>(rdata_left, 256);  // length octet + up to 255
            rr.rdata.push_back(static_cast<std::uint8_t>(string - 1));
            rr.rdata.insert(rr.rdata.end(), string - 1, 'x');
            rdata_left -= string;
        }
        message.answers.push_back(std::move(rr));
        left -= take;
    }
}

// The header and question promise one answer; what follows is no RR: the first
// octet, 0x80, is a label type RFC 1035 §4.1.4 reserves, the rest noise (the
// same noise every time, so that a failure can be repeated).
Bytes garbage(const Message& honest) {
    Bytes wire = header_of(honest, 1);
    if (honest.question) wire.insert(wire.end(), honest.question->begin(), honest.question->end());
    wire.push_back(0x80);
    std::mt19937 noise(7208);
    for (int i = 0; i < 63; ++i) wire.push_back(static_cast<std::uint8_t>(noise() & 0xff));
    return wire;
}

// The message cut in the middle of its last record (or of the question when
// there are no records); the header still counts what is missing.
Bytes cut_short(const Message& message) {
    const Bytes whole = to_wire(message);
    const std::size_t last_start = message.answers.empty() ? header_size : whole.size() - message.answers.back().size();
    return Bytes(whole.begin(),
                 whole.begin() + static_cast<std::ptrdiff_t>(last_start + (whole.size() - last_start) / 2));
}

Bytes pointer_to(std::size_t offset) {
    return {static_cast<std::uint8_t>(0xc0 | ((offset >> 8) & 0x3f)), static_cast<std::uint8_t>(offset & 0xff)};
}

// Every answer's owner is a compression pointer to itself (RFC 1035 §4.1.4).
Bytes pointers_that_loop(Message message) {
    std::size_t offset = header_size + (message.question ? message.question->size() : 0);
    for (Rr& rr : message.answers) {
        rr.owner = pointer_to(offset);
        offset += rr.size();
    }
    return to_wire(message);
}

// Every answer's owner points forward, at the asked name written out in full as
// the owner of one more record after them (private type, no data). RFC 1035
// §4.1.4 allows pointers only to a prior occurrence; a decoder that follows this
// one finds the asked name and the zone's records.
Bytes pointers_forward(Message message, const QueryHeader& query) {
    for (Rr& rr : message.answers) rr.owner = pointer_to(0);  // the size is what counts here
    const std::size_t target = message.size();
    for (Rr& rr : message.answers) rr.owner = pointer_to(target);
    message.answers.push_back({name_wire(query.name), type_private, filler_ttl, {}});
    return to_wire(message);
}

std::string other_name(std::string_view asked) {
    return iequals(asked, "other.example.net") ? "another.example.net" : "other.example.net";
}

}  // namespace

Transmission hostile_reply(const QueryHeader& query, const ZoneLookup& lookup, const Behaviour& behaviour, bool udp,
                           std::size_t udp_limit) {
    const std::size_t txt_octets =
        behaviour.mode == Mode::many_strings ? std::clamp<std::size_t>(behaviour.count, 1, 255) : 255;
    Message message = honest_message(query, lookup, txt_octets);
    const Bytes ask_over_tcp = truncated_flag_only(message);

    switch (behaviour.mode) {
        case Mode::tcp_garbage:
            if (udp) return send_now(ask_over_tcp);
            return send_now(garbage(message));
        case Mode::tcp_stall: {
            if (udp) return send_now(ask_over_tcp);
            Transmission stalling = send_now(to_wire(message));
            stalling.stall_after = 2 + stalling.message->size() / 2;
            return stalling;
        }
        case Mode::tcp_max_size:
            if (udp) return send_now(ask_over_tcp);
            pad_to_maximum(message, query);
            return send_now(to_wire(message));
        default: break;
    }

    Bytes wire;
    switch (behaviour.mode) {
        case Mode::wrong_id:
            message.id = static_cast<std::uint16_t>(message.id + 1);
            wire = to_wire(message);
            break;
        case Mode::no_question:
            message.question.reset();
            wire = to_wire(message);
            break;
        case Mode::other_question:
            message.question = question_for(other_name(query.name), query.type);
            wire = to_wire(message);
            break;
        case Mode::garbage: wire = garbage(message); break;
        case Mode::truncated: wire = cut_short(message); break;
        case Mode::many_records:
            for (std::size_t i = 0; i < behaviour.count; ++i) message.answers.push_back(filler(query, i));
            wire = to_wire(message);
            break;
        case Mode::compression_loop: wire = pointers_that_loop(std::move(message)); break;
        case Mode::compression_forward: wire = pointers_forward(std::move(message), query); break;
        case Mode::nxdomain_with_answers:
            message.rcode = rcode_nxdomain;
            wire = to_wire(message);
            break;
        case Mode::servfail:
            message.rcode = rcode_servfail;
            wire = to_wire(message);
            break;
        case Mode::refused:
            message.rcode = rcode_refused;
            wire = to_wire(message);
            break;
        default: wire = to_wire(message); break;  // normal, silence, delay, many_strings: as built
    }
    if (udp && wire.size() > udp_limit) return send_now(ask_over_tcp);
    if (wire.size() > max_message) {
        // More than TCP can frame (many strings or records): what an honest server says.
        Message failure = honest_message(query, lookup, 255);
        failure.answers.clear();
        failure.rcode = rcode_servfail;
        return send_now(to_wire(failure));
    }
    return send_now(std::move(wire));
}

}  // namespace spf::testdns
