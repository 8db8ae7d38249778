// spf/dns_reply.hpp: a DNS reply in wire form (RFC 1035 §4.1) turned into an
// Answer, by a decoder of our own. Everything in a reply comes from whoever
// answers for the sender's domain, so the decoder's cost is linear in the
// reply's size and bounded by it: one pass over the octets, names of at most
// 255 octets reached through at most 127 compression pointers, each of which
// must point before the name that uses it (no loop, no forward reference).
// No reply is too large to decode: a DNS message has at most 65,535 octets
// (the TCP length prefix, RFC 1035 §4.2.2), and the Answer made of it holds
// fewer octets than the reply. ldns's packet parser is not used: it costs
// memory quadratic in the number of character-strings of a TXT record.
#pragma once

#include "spf/resolver.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace spf {

namespace wire {

constexpr std::size_t header_octets = 12;
constexpr std::uint16_t class_in = 1;
constexpr std::uint16_t type_cname = 5;
constexpr std::uint16_t type_soa = 6;
constexpr std::uint16_t type_opt = 41;
constexpr std::size_t max_pointers_per_name = 127;  // a name has at most 127 labels
// CNAME links followed inside one reply; a longer chain is a server failure,
// as in Zone::lookup() (resolvers stop at 8 to 16 links).
constexpr std::size_t max_cname_links = 8;

enum class Rcode : std::uint8_t { noerror = 0, formerr = 1, servfail = 2, nxdomain = 3, notimp = 4, refused = 5 };
std::string rcode_text(unsigned rcode);  // "NOERROR", "SERVFAIL", ..., "rcode 9"

struct Header {
    std::uint16_t id = 0;
    bool response = false;  // QR
    unsigned opcode = 0;
    bool truncated = false;  // TC
    unsigned rcode = 0;      // the 4 bits of the header (no EDNS0 extension)
    std::uint16_t questions = 0;
    std::uint16_t answers = 0;
    std::uint16_t authorities = 0;
    std::uint16_t additionals = 0;
    // From the EDNS0 OPT records of the additional section (RFC 6891 §6.1.3).
    unsigned opt_records = 0;
    unsigned extended_rcode = 0;  // the OPT TTL's top octet: the upper 8 bits of a 12-bit rcode
};

struct QuestionEntry {
    std::string name;  // no trailing dot; the octets as sent (no escapes)
    std::uint16_t type = 0;
    std::uint16_t klass = 0;
};

struct Record {
    std::string owner;
    std::uint16_t type = 0;
    std::uint16_t klass = 0;
    std::uint32_t ttl = 0;
    std::size_t rdata_offset = 0;  // into the message: names in rdata may point back into it
    std::uint16_t rdata_length = 0;
};

struct Message {
    Header header;
    std::vector<QuestionEntry> questions;
    std::vector<Record> answers;
    std::vector<Record> authorities;  // the additional section is checked, not kept
};

// The whole message, or why it is malformed. Every section must be complete;
// octets after the last record are ignored.
std::variant<Message, std::string> parse_message(std::span<const std::uint8_t> message);

// The (possibly compressed) name at `offset`; on success `offset` moves past it.
std::optional<std::string> read_name(std::span<const std::uint8_t> message, std::size_t& offset);

}  // namespace wire

// The one mapping from a reply to an Answer: malformed, truncated (TC) or not a
// reply to this question (exactly one question, same name without regard to
// case, same type, class IN) -> server_failure; NOERROR with records of the
// asked type owned by the name or a CNAME target chained from it in the answer
// section -> ok, without them -> no_data; a CNAME loop or a chain longer than
// max_cname_links -> server_failure; more than one OPT record or a non-zero
// extended rcode (RFC 6891: BADVERS, ...) -> server_failure; NXDOMAIN -> nxdomain (after CNAMEs it is
// about the chain's last name, RFC 6604), but NXDOMAIN with records of the
// asked type on the chain contradicts itself -> server_failure; any other
// rcode -> server_failure. A record of the asked type on the chain whose data is
// malformed makes the whole reply malformed: dropping it could change which
// SPF record is selected. `server` names the sender in Answer::detail.
// Answer::ttl: ok -> the smallest TTL of the records taken; no_data and
// nxdomain -> RFC 2308 §5, min(TTL, MINIMUM) of the SOA in the authority
// section owned by the chain's last name or one of its parents (the smallest
// if several), 0 without one. An SOA of an unrelated zone or with malformed
// rdata is ignored, not a failure: it only costs the answer its caching.
// TTLs and MINIMUM with the top bit set count as 0 (RFC 2181 §8).
Answer answer_from_reply(std::span<const std::uint8_t> reply, const Question& question, std::string_view server);

}  // namespace spf
