// spf/zone.hpp: DNS data held in memory, and ZoneResolver, which answers from it.
// The same Zone feeds the unit tests (ZoneResolver), the suite runner (both
// modes) and the loopback DNS server, so one lookup() defines the semantics for
// all of them: names match case-insensitively, CNAMEs are followed, and the test
// suite's TIMEOUT markers become DnsStatus::timeout.
//
// Text form, one record a line ('#' starts a comment):
//     example.com       TXT   "v=spf1 a include:_spf.example.net -all"
//     example.com       TXT   "first string " "second string"
//     example.com       A     192.0.2.25
//     example.com       AAAA  2001:db8::25
//     example.com       MX    10 mail.example.com
//     25.2.0.192.in-addr.arpa  PTR  mail.example.com
//     www.example.com   CNAME example.com
//     _spf.example.net  TIMEOUT          every query for the name times out
//     slow.example.net  TXT   TIMEOUT    TXT queries for the name time out
//     broken.example    SERVFAIL         every query for the name fails
//     $NEGATIVE-TTL 60                   see below; at most once, anywhere
// Inside quotes, \" and \\ stand for themselves and \DDD for the octet DDD (decimal).
//
// TTLs: every record has TTL 300. A negative answer (NXDOMAIN, no data) has the
// zone's negative TTL, 300 unless a "$NEGATIVE-TTL SECONDS" line (0 to
// 2147483647, RFC 2181 §8) says otherwise. It is what a real zone's SOA would
// give a cache (RFC 2308 §5: min(SOA TTL, MINIMUM)): ZoneResolver puts it in
// Answer::ttl, and the loopback DNS server sends an SOA with that TTL and
// MINIMUM in the authority section, so that both paths answer alike.
#pragma once

#include "spf/ip_address.hpp"
#include "spf/resolver.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace spf {

struct ZoneRecord {
    enum class Kind : std::uint8_t {
        a,
        aaaa,
        mx,
        txt,
        ptr,
        cname,
        timeout_all,   // TIMEOUT marker for every type (suite driver semantics)
        servfail_all,  // every query for this name gets SERVFAIL
    };
    Kind kind = Kind::txt;
    bool timeout = false;              // "TYPE: TIMEOUT": queries of this type time out
    std::vector<std::string> strings;  // TXT character-strings, as given (not split)
    IpAddress address;                 // A, AAAA
    std::uint16_t preference = 0;      // MX
    std::string target;                // MX exchange, PTR and CNAME target (no trailing dot)
    std::uint32_t ttl = 300;
};

// The result of one lookup in a Zone, before it becomes an Answer or a packet.
struct ZoneLookup {
    DnsStatus status = DnsStatus::ok;
    // CNAME records followed, in order: (owner, target).
    std::vector<std::pair<std::string, std::string>> cnames;
    std::string owner;                       // the name the records below belong to
    std::vector<const ZoneRecord*> records;  // records of the asked type, zone order
    std::uint32_t negative_ttl = 0;          // no_data and nxdomain: the zone's negative TTL
    std::string detail;                      // why, when status is not ok: "CNAME loop at x.example"
};

class Zone {
public:
    // Adds a record; names are stored lower-case without a trailing dot.
    void add(std::string_view name, ZoneRecord record);
    bool contains(std::string_view name) const;

    static constexpr std::uint32_t default_negative_ttl = 300;
    static constexpr std::uint32_t max_ttl = 0x7fffffff;  // RFC 2181 §8
    // The TTL of negative answers (see the text form); larger values become max_ttl.
    void set_negative_ttl(std::uint32_t ttl);
    std::uint32_t negative_ttl() const { return negative_ttl_; }
    // Where a negative answer for name would have its SOA: the nearest parent
    // domain of name that the zone holds records for, or, holding none, name's
    // parent ("" is the root, the parent of a top-level name and of itself).
    // The zone has no apexes of its own; this is the closest there is. Lower case.
    std::string enclosing_name(std::string_view name) const;

    // Semantics of the openspf suite's reference driver (testspf.py):
    // - a name with a TIMEOUT marker times out, unless a record of the asked
    //   type comes before the marker (those are answered);
    // - "TYPE: TIMEOUT" times out queries of that type only;
    // - a name absent from the zone is NXDOMAIN, except names that begin with
    //   "error." (server failure); a label longer than 63 octets is a server
    //   failure (the query cannot be sent);
    // - a CNAME is followed (up to 8 links; a loop is a server failure).
    ZoneLookup lookup(std::string_view name, RrType type) const;

    // Parses the text form above; the error names the line.
    static std::variant<Zone, std::string> from_text(std::string_view text);

    const std::map<std::string, std::vector<ZoneRecord>>& names() const { return names_; }

private:
    std::map<std::string, std::vector<ZoneRecord>> names_;
    std::uint32_t negative_ttl_ = default_negative_ttl;
};

// Answers from a Zone in memory. Immutable after construction, so thread-safe.
class ZoneResolver final : public Resolver {
public:
    explicit ZoneResolver(Zone zone) : zone_(std::move(zone)) {}
    // Aborts the process with the error on malformed text: for tests only.
    static ZoneResolver from_text(std::string_view text);

    Answer resolve(const Question& question, Deadline deadline) override;
    const Zone& zone() const { return zone_; }

private:
    Zone zone_;
};

Answer to_answer(const ZoneLookup& lookup, RrType type);

}  // namespace spf
