// rfc7208-suite/zone_dns_server.cpp: ZoneDnsServer, a loopback authoritative DNS
// server over a spf::Zone. One background thread polls the UDP socket, the TCP
// listener, the TCP connections and an eventfd that stops it. Every query goes
// through Zone::lookup(), so a zone answers over the wire exactly as it does in
// memory: CNAME links then records in the answer section, AA set, NOERROR /
// NXDOMAIN / SERVFAIL, and no reply at all for the suite's TIMEOUT. NXDOMAIN
// and no-data replies carry an SOA in the authority section whose TTL and
// MINIMUM are the zone's negative TTL (RFC 2308 §3), owned by
// Zone::enclosing_name() of the name that was not there. A name with
// a behaviour (set_behaviour) gets the reply of hostile_reply.cpp instead, a
// delayed datagram or none; delayed datagrams wait in a list that sets the poll
// timeout, and a stalled TCP connection is read and never answered again. The
// server's delay (set_delay) holds every reply back the same way: datagrams in
// that list, TCP replies in a list per connection, so that a delay costs no
// throughput and concurrent queries are all answered one delay later.
// This is test support: the constructor throws std::runtime_error when it cannot
// bind or is given something that is not an IP address (there is nothing a test
// can do but stop); nothing else throws, and no packet, however malformed, stops
// the thread. Queries are answered one at a time, in the order they arrive
// (and, delayed, sent in that order on each TCP connection).
#include "rfc7208-suite/zone_dns_server.hpp"

#include "rfc7208-suite/hostile_reply.hpp"
#include "spf/dns_name.hpp"
#include "spf/posix_socket.hpp"
#include "spf/text.hpp"

#include <ldns/ldns.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace spf::testdns {

namespace {

using PacketPtr = std::unique_ptr<ldns_pkt, decltype(&ldns_pkt_free)>;
using RdfPtr = std::unique_ptr<ldns_rdf, decltype(&ldns_rdf_deep_free)>;
using RrPtr = std::unique_ptr<ldns_rr, decltype(&ldns_rr_free)>;
struct MallocFree {
    void operator()(std::uint8_t* bytes) const { std::free(bytes); }  // ldns buffers come from malloc
};
using WirePtr = std::unique_ptr<std::uint8_t, MallocFree>;

constexpr std::size_t header_size = 12;
constexpr std::uint16_t plain_udp_size = 512;  // RFC 1035 §4.2.1, without EDNS0
constexpr std::uint16_t our_udp_size = 1232;   // advertised in our OPT records
constexpr std::size_t max_connections = 64;
constexpr std::uint32_t cname_ttl = 300;

using posix::error_text;
using posix::Fd;
using posix::socket_address;
using posix::SocketAddress;

// ---- building answers ---------------------------------------------------------

// A name in wire form (spf/dns_name.hpp); null if it cannot be encoded. "" is the root.
RdfPtr name_rdf(std::string_view name) {
    const auto wire = encode_name(name);
    const auto* bytes = std::get_if<std::vector<std::uint8_t>>(&wire);
    if (bytes == nullptr) return {nullptr, ldns_rdf_deep_free};
    return {ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, bytes->size(), bytes->data()), ldns_rdf_deep_free};
}

RdfPtr bytes_rdf(ldns_rdf_type type, std::span<const std::uint8_t> bytes) {
    return {ldns_rdf_new_frm_data(type, bytes.size(), bytes.data()), ldns_rdf_deep_free};
}

// The rdata of a zone record; empty if a name in it cannot be encoded.
// TXT strings longer than 255 octets become several character-strings
// (RFC 1035 §3.3.14); a record without strings gets one empty string.
std::vector<RdfPtr> rdata_of(const ZoneRecord& record) {
    std::vector<RdfPtr> rdata;
    switch (record.kind) {
        case ZoneRecord::Kind::a:
        case ZoneRecord::Kind::aaaa:
            rdata.push_back(bytes_rdf(record.kind == ZoneRecord::Kind::a ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA,
                                      {record.address.data(), record.address.size()}));
            break;
        case ZoneRecord::Kind::mx: {
            const std::uint8_t preference[2] = {static_cast<std::uint8_t>(record.preference >> 8),
                                                static_cast<std::uint8_t>(record.preference & 0xff)};
            rdata.push_back(bytes_rdf(LDNS_RDF_TYPE_INT16, preference));
            rdata.push_back(name_rdf(record.target));
            break;
        }
        case ZoneRecord::Kind::ptr:
        case ZoneRecord::Kind::cname: rdata.push_back(name_rdf(record.target)); break;
        case ZoneRecord::Kind::txt: {
            std::string joined;
            for (const std::string& part : record.strings) joined += part;
            std::size_t start = 0;
            do {
                const std::size_t length = std::min<std::size_t>(255, joined.size() - start);
                std::vector<std::uint8_t> string{static_cast<std::uint8_t>(length)};
                string.insert(string.end(), joined.begin() + static_cast<std::ptrdiff_t>(start),
                              joined.begin() + static_cast<std::ptrdiff_t>(start + length));
                rdata.push_back(bytes_rdf(LDNS_RDF_TYPE_STR, string));
                start += length;
            } while (start < joined.size());
            break;
        }
        case ZoneRecord::Kind::timeout_all:
        case ZoneRecord::Kind::servfail_all: break;
    }
    const bool broken = std::any_of(rdata.begin(), rdata.end(), [](const RdfPtr& rdf) { return !rdf; });
    if (broken) rdata.clear();
    return rdata;
}

ldns_rr_type rr_type_of(ZoneRecord::Kind kind) {
    switch (kind) {
        case ZoneRecord::Kind::a: return LDNS_RR_TYPE_A;
        case ZoneRecord::Kind::aaaa: return LDNS_RR_TYPE_AAAA;
        case ZoneRecord::Kind::mx: return LDNS_RR_TYPE_MX;
        case ZoneRecord::Kind::txt: return LDNS_RR_TYPE_TXT;
        case ZoneRecord::Kind::ptr: return LDNS_RR_TYPE_PTR;
        case ZoneRecord::Kind::cname:
        case ZoneRecord::Kind::timeout_all:
        case ZoneRecord::Kind::servfail_all: break;
    }
    return LDNS_RR_TYPE_CNAME;
}

// Adds one RR to a section (the answer section unless told); false if a name cannot be encoded.
bool push_answer(ldns_pkt& reply, std::string_view owner, ldns_rr_type type, std::uint32_t ttl,
                 std::vector<RdfPtr> rdata, ldns_pkt_section section = LDNS_SECTION_ANSWER) {
    RdfPtr owner_rdf = name_rdf(owner);
    if (!owner_rdf || rdata.empty()) return false;
    RrPtr rr(ldns_rr_new(), ldns_rr_free);
    if (!rr) return false;
    ldns_rr_set_owner(rr.get(), owner_rdf.release());
    ldns_rr_set_type(rr.get(), type);
    ldns_rr_set_class(rr.get(), LDNS_RR_CLASS_IN);
    ldns_rr_set_ttl(rr.get(), ttl);
    for (RdfPtr& rdf : rdata) {
        if (!ldns_rr_push_rdf(rr.get(), rdf.get())) return false;
        rdf.release();  // the rr owns it now
    }
    if (!ldns_pkt_push_rr(&reply, section, rr.get())) return false;
    rr.release();  // the packet owns it now
    return true;
}

RdfPtr int32_rdf(std::uint32_t value) {
    const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
                                   static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
    return bytes_rdf(LDNS_RDF_TYPE_INT32, bytes);
}

// RFC 2308 §3: a negative reply carries the SOA of the zone in the authority
// section, and a cache keeps the answer for min(its TTL, its MINIMUM). Both are
// the zone's negative TTL, so the wire path gives the Answer::ttl that
// ZoneResolver gives. The owner is Zone::enclosing_name() of the name that was
// not there (a test zone has no apex); the other fields are made up.
bool push_soa(ldns_pkt& reply, const std::string& owner, std::uint32_t negative_ttl) {
    const std::string suffix = owner.empty() ? "" : "." + owner;
    std::vector<RdfPtr> rdata;
    rdata.push_back(name_rdf("ns" + suffix));                    // MNAME
    rdata.push_back(name_rdf("hostmaster" + suffix));            // RNAME
    for (const std::uint32_t field : {1U, 3600U, 600U, 86400U})  // SERIAL, REFRESH, RETRY, EXPIRE
        rdata.push_back(int32_rdf(field));
    rdata.push_back(int32_rdf(negative_ttl));  // MINIMUM
    if (std::any_of(rdata.begin(), rdata.end(), [](const RdfPtr& rdf) { return !rdf; })) return false;
    return push_answer(reply, owner, LDNS_RR_TYPE_SOA, negative_ttl, std::move(rdata), LDNS_SECTION_AUTHORITY);
}

ldns_pkt_rcode rcode_of(DnsStatus status) {
    switch (status) {
        case DnsStatus::ok:
        case DnsStatus::no_data: return LDNS_RCODE_NOERROR;
        case DnsStatus::nxdomain: return LDNS_RCODE_NXDOMAIN;
        case DnsStatus::server_failure:
        case DnsStatus::timeout: break;
    }
    return LDNS_RCODE_SERVFAIL;
}

// A reply of just a header (the ID, opcode and RD of the query, QR, the rcode),
// for queries too broken to answer properly.
std::vector<std::uint8_t> header_reply(std::span<const std::uint8_t> query, std::uint8_t rcode) {
    std::vector<std::uint8_t> reply(header_size, 0);
    reply[0] = query[0];
    reply[1] = query[1];
    reply[2] = static_cast<std::uint8_t>(0x80 | (query[2] & 0x79));  // QR, opcode, RD
    reply[3] = rcode;
    return reply;
}

// The reply's header, question and OPT; answers are added by the caller.
PacketPtr reply_skeleton(const ldns_pkt& query, const ldns_rr* question, ldns_pkt_rcode rcode) {
    PacketPtr reply(ldns_pkt_new(), ldns_pkt_free);
    if (!reply) return reply;
    ldns_pkt_set_id(reply.get(), ldns_pkt_id(&query));
    ldns_pkt_set_qr(reply.get(), true);
    ldns_pkt_set_aa(reply.get(), true);
    ldns_pkt_set_rd(reply.get(), ldns_pkt_rd(&query));
    ldns_pkt_set_opcode(reply.get(), LDNS_PACKET_QUERY);
    ldns_pkt_set_rcode(reply.get(), static_cast<std::uint8_t>(rcode));
    RrPtr echoed(ldns_rr_clone(question), ldns_rr_free);
    if (!echoed || !ldns_pkt_push_rr(reply.get(), LDNS_SECTION_QUESTION, echoed.get())) return {nullptr, ldns_pkt_free};
    echoed.release();                                                                  // the packet owns it now
    if (ldns_pkt_edns(&query)) ldns_pkt_set_edns_udp_size(reply.get(), our_udp_size);  // RFC 6891 §6.1.1
    return reply;
}

std::optional<std::vector<std::uint8_t>> to_wire(const ldns_pkt& packet) {
    std::uint8_t* bytes = nullptr;
    std::size_t size = 0;
    const ldns_status status = ldns_pkt2wire(&bytes, &packet, &size);
    const WirePtr wire(bytes);
    if (status != LDNS_STATUS_OK || !wire) return std::nullopt;
    return std::vector<std::uint8_t>(wire.get(), wire.get() + size);
}

// The asked name as text, case kept; "" if ldns handed over something malformed.
std::string text_of_name(const ldns_rdf* rdf) {
    return decode_name({ldns_rdf_data(rdf), ldns_rdf_size(rdf)}).value_or("");
}

// The client's UDP payload size (RFC 6891 §6.2.5; 512 without EDNS0).
std::size_t udp_limit_of(const ldns_pkt& query) {
    return ldns_pkt_edns(&query) ? std::max(plain_udp_size, ldns_pkt_edns_udp_size(&query)) : plain_udp_size;
}

// What the zone says, as a reply in wire form; nothing for the suite's TIMEOUT.
// soa_owner: where a negative reply's SOA goes (push_soa).
std::optional<std::vector<std::uint8_t>> honest_reply(const ldns_pkt& query, const ldns_rr* question,
                                                      const ZoneLookup& lookup, const std::string& soa_owner,
                                                      bool udp) {
    if (lookup.status == DnsStatus::timeout) return std::nullopt;  // the suite's TIMEOUT: silence

    PacketPtr reply = reply_skeleton(query, question, rcode_of(lookup.status));
    if (!reply) return std::nullopt;
    bool complete = true;
    if (lookup.status != DnsStatus::server_failure) {
        for (const auto& [owner, target] : lookup.cnames) {
            std::vector<RdfPtr> rdata;
            rdata.push_back(name_rdf(target));
            complete = complete && push_answer(*reply, owner, LDNS_RR_TYPE_CNAME, cname_ttl, std::move(rdata));
        }
        for (const ZoneRecord* record : lookup.records)
            complete =
                complete && push_answer(*reply, lookup.owner, rr_type_of(record->kind), record->ttl, rdata_of(*record));
        if (lookup.status == DnsStatus::no_data || lookup.status == DnsStatus::nxdomain)
            complete = complete && push_soa(*reply, soa_owner, lookup.negative_ttl);
    }
    std::optional<std::vector<std::uint8_t>> wire = complete ? to_wire(*reply) : std::nullopt;
    const std::size_t limit = udp ? udp_limit_of(query) : 65535;
    if (wire && wire->size() <= limit) return wire;
    if (!wire || !udp) {
        // A name that cannot be encoded, or more than TCP can carry.
        PacketPtr failure = reply_skeleton(query, question, LDNS_RCODE_SERVFAIL);
        return failure ? to_wire(*failure) : std::nullopt;
    }
    // RFC 2181 §9: too big for the client's buffer: TC set, answers left out.
    PacketPtr truncated = reply_skeleton(query, question, rcode_of(lookup.status));
    if (!truncated) return std::nullopt;
    ldns_pkt_set_tc(truncated.get(), true);
    return to_wire(*truncated);
}

std::string lower_case(std::string_view name) {
    std::string lower(without_trailing_dot(name));
    for (char& c : lower) c = ascii_lower(c);
    return lower;
}

using Behaviours = std::map<std::string, Behaviour>;  // by lower-case name

// The whole of answering one message: what to send, or nothing.
Transmission respond(std::span<const std::uint8_t> message, const Zone& zone, const Behaviours& behaviours, bool udp) {
    if (message.size() < header_size || (message[2] & 0x80) != 0) return {};  // never answer replies
    ldns_pkt* parsed = nullptr;
    const ldns_status status = ldns_wire2pkt(&parsed, message.data(), message.size());
    const PacketPtr query(parsed, ldns_pkt_free);
    if (status != LDNS_STATUS_OK || !query) return send_now(header_reply(message, LDNS_RCODE_FORMERR));
    if (ldns_pkt_get_opcode(query.get()) != LDNS_PACKET_QUERY)
        return send_now(header_reply(message, LDNS_RCODE_NOTIMPL));
    if (ldns_pkt_qdcount(query.get()) != 1 || ldns_rr_list_rr_count(ldns_pkt_question(query.get())) != 1)
        return send_now(header_reply(message, LDNS_RCODE_FORMERR));

    const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(query.get()), 0);
    const std::uint16_t type = static_cast<std::uint16_t>(ldns_rr_get_type(question));
    const std::string name = text_of_name(ldns_rr_owner(question));
    const ZoneLookup lookup = zone.lookup(name, static_cast<RrType>(type));
    const bool negative = lookup.status == DnsStatus::no_data || lookup.status == DnsStatus::nxdomain;
    const std::string soa_owner = negative ? zone.enclosing_name(lookup.owner) : std::string();

    const auto chosen = behaviours.find(lower_case(name));
    const Behaviour behaviour = chosen == behaviours.end() ? Behaviour{} : chosen->second;
    switch (behaviour.mode) {
        case Behaviour::Mode::normal: return send_now(honest_reply(*query, question, lookup, soa_owner, udp));
        case Behaviour::Mode::silence: return {};
        case Behaviour::Mode::delay: {
            Transmission late = send_now(honest_reply(*query, question, lookup, soa_owner, udp));
            if (udp) late.delay = behaviour.delay;
            return late;
        }
        default: break;
    }
    const QueryHeader header{ldns_pkt_id(query.get()), ldns_pkt_rd(query.get()), name, type};
    return hostile_reply(header, lookup, behaviour, udp, udp_limit_of(*query));
}

// ---- sockets --------------------------------------------------------------------

// A bound socket, or the errno of the failure.
std::variant<Fd, int> bound_socket(const SocketAddress& address, int type) {
    Fd fd(::socket(address.family(), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return errno;
    const int on = 1;
    if (address.family() == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    if (type == SOCK_STREAM) ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(fd.get(), address.get(), address.length) != 0) return errno;
    return fd;
}

std::uint16_t bound_port(int fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return 0;
    if (storage.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
}

using Clock = std::chrono::steady_clock;

// A length-prefixed TCP reply held back by the server's delay (set_delay).
struct DelayedFrame {
    Clock::time_point due;
    std::vector<std::uint8_t> framed;
};

struct Connection {
    Fd fd;
    std::vector<std::uint8_t> input;    // bytes of messages not yet complete
    std::vector<std::uint8_t> output;   // length-prefixed replies not yet sent
    bool stalled = false;               // tcp-stall: held open, read and never answered
    std::vector<DelayedFrame> delayed;  // in the order the queries came, so due times ascend
};

// A UDP reply held back by a delay behaviour or the server's delay.
struct DelayedDatagram {
    Clock::time_point due;
    sockaddr_storage peer{};
    socklen_t peer_length = 0;
    std::vector<std::uint8_t> message;
};

}  // namespace

struct ZoneDnsServer::Impl {
    std::string address;
    std::uint16_t port = 0;
    Fd udp;
    Fd tcp;
    Fd wake;  // eventfd: written once by the destructor to stop the thread
    mutable std::mutex zone_mutex;
    // Both guarded by zone_mutex; a query takes its own reference to each.
    std::shared_ptr<const Zone> zone;
    std::shared_ptr<const Behaviours> behaviours = std::make_shared<const Behaviours>();
    std::atomic<std::uint64_t> queries{0};
    // set_delay(): added to every reply's delay.
    std::atomic<std::chrono::milliseconds::rep> delay_ms{0};
    std::vector<Connection> connections;  // only the server thread touches these two
    std::vector<DelayedDatagram> delayed;
    std::thread thread;

    void bind_sockets(const IpAddress& ip, std::uint16_t wanted_port);
    Transmission answer(std::span<const std::uint8_t> message, bool over_udp);
    void run();
    int poll_timeout_ms() const;  // until the next delayed reply is due; -1: none
    void send_due_datagrams();
    void release_due_frames();  // delayed TCP replies that are due go to their connection's output
    void read_datagrams();
    void accept_connections();
    bool serve_connection(Connection& connection, short revents);  // false: close it
};

void ZoneDnsServer::Impl::bind_sockets(const IpAddress& ip, std::uint16_t wanted_port) {
    const std::string where = (ip.is_v4() ? address : "[" + address + "]") + ":";
    // With port 0 the kernel picks a free UDP port, which TCP may find taken; pick again.
    for (int attempt = 0; attempt < 50; ++attempt) {
        auto udp_socket = bound_socket(socket_address(ip, wanted_port), SOCK_DGRAM);
        if (auto* error = std::get_if<int>(&udp_socket))
            throw std::runtime_error("cannot bind UDP " + where + std::to_string(wanted_port) + ": " +
                                     error_text(*error));
        const std::uint16_t chosen = bound_port(std::get<Fd>(udp_socket).get());
        auto tcp_socket = bound_socket(socket_address(ip, chosen), SOCK_STREAM);
        if (auto* error = std::get_if<int>(&tcp_socket)) {
            if (wanted_port == 0 && *error == EADDRINUSE) continue;
            throw std::runtime_error("cannot bind TCP " + where + std::to_string(chosen) + ": " + error_text(*error));
        }
        if (::listen(std::get<Fd>(tcp_socket).get(), 64) != 0)
            throw std::runtime_error("cannot listen on TCP " + where + std::to_string(chosen) + ": " +
                                     error_text(errno));
        udp = std::get<Fd>(std::move(udp_socket));
        tcp = std::get<Fd>(std::move(tcp_socket));
        port = chosen;
        return;
    }
    throw std::runtime_error("cannot find a port free for both UDP and TCP on " + address);
}

Transmission ZoneDnsServer::Impl::answer(std::span<const std::uint8_t> message, bool over_udp) {
    queries.fetch_add(1, std::memory_order_relaxed);
    try {
        std::shared_ptr<const Zone> served;
        std::shared_ptr<const Behaviours> chosen;
        {
            const std::lock_guard lock(zone_mutex);
            served = zone;
            chosen = behaviours;
        }
        Transmission reply = respond(message, *served, *chosen, over_udp);
        if (reply.message) reply.delay += std::chrono::milliseconds(delay_ms.load(std::memory_order_relaxed));
        return reply;
    } catch (const std::exception&) {
        return {};  // out of memory: this one query goes unanswered
    }
}

int ZoneDnsServer::Impl::poll_timeout_ms() const {
    std::optional<Clock::time_point> next;
    const auto consider = [&](Clock::time_point due) { next = next ? std::min(*next, due) : due; };
    for (const DelayedDatagram& datagram : delayed) consider(datagram.due);
    for (const Connection& connection : connections)
        if (!connection.delayed.empty()) consider(connection.delayed.front().due);
    if (!next) return -1;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now()).count();
    return static_cast<int>(std::clamp<std::int64_t>(left, 0, std::numeric_limits<int>::max()));
}

void ZoneDnsServer::Impl::release_due_frames() {
    const auto now = Clock::now();
    for (Connection& connection : connections) {
        auto due = connection.delayed.begin();
        for (; due != connection.delayed.end() && due->due <= now; ++due)
            connection.output.insert(connection.output.end(), due->framed.begin(), due->framed.end());
        connection.delayed.erase(connection.delayed.begin(), due);
    }
}

void ZoneDnsServer::Impl::send_due_datagrams() {
    const auto now = Clock::now();
    for (std::size_t i = delayed.size(); i-- > 0;) {
        const DelayedDatagram& datagram = delayed[i];
        if (datagram.due > now) continue;
        ::sendto(udp.get(), datagram.message.data(), datagram.message.size(), 0,
                 reinterpret_cast<const sockaddr*>(&datagram.peer), datagram.peer_length);
        delayed.erase(delayed.begin() + static_cast<std::ptrdiff_t>(i));
    }
}

void ZoneDnsServer::Impl::read_datagrams() {
    std::vector<std::uint8_t> buffer(65535);
    for (int count = 0; count < 64; ++count) {  // then let TCP have a turn
        sockaddr_storage peer{};
        socklen_t peer_length = sizeof peer;
        const ssize_t received =
            ::recvfrom(udp.get(), buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&peer), &peer_length);
        if (received < 0) return;  // EAGAIN, or an ICMP error from an earlier reply
        Transmission reply = answer({buffer.data(), static_cast<std::size_t>(received)}, true);
        if (!reply.message) continue;
        if (reply.delay > std::chrono::milliseconds::zero()) {
            delayed.push_back({Clock::now() + reply.delay, peer, peer_length, std::move(*reply.message)});
            continue;
        }
        ::sendto(udp.get(), reply.message->data(), reply.message->size(), 0, reinterpret_cast<const sockaddr*>(&peer),
                 peer_length);
    }
}

void ZoneDnsServer::Impl::accept_connections() {
    for (;;) {
        Fd client(::accept4(tcp.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (client.get() < 0) return;
        if (connections.size() >= max_connections) continue;  // closed at once
        connections.push_back(Connection{std::move(client), {}, {}, false, {}});
    }
}

// RFC 7766 §8: messages framed by a two-octet length, several per connection.
bool ZoneDnsServer::Impl::serve_connection(Connection& connection, short revents) {
    if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        std::uint8_t chunk[4096];
        const ssize_t received = ::recv(connection.fd.get(), chunk, sizeof chunk, 0);
        if (received == 0) return false;
        if (received < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
        if (received > 0 && !connection.stalled)
            connection.input.insert(connection.input.end(), chunk, chunk + received);
        while (connection.input.size() >= 2 && !connection.stalled) {
            const std::size_t length = (std::size_t{connection.input[0]} << 8) | connection.input[1];
            if (connection.input.size() < 2 + length) break;
            const Transmission reply = answer({connection.input.data() + 2, length}, false);
            connection.input.erase(connection.input.begin(),
                                   connection.input.begin() + static_cast<std::ptrdiff_t>(2 + length));
            if (!reply.message) continue;
            const std::vector<std::uint8_t>& message = *reply.message;
            std::vector<std::uint8_t> framed{static_cast<std::uint8_t>(message.size() >> 8),
                                             static_cast<std::uint8_t>(message.size() & 0xff)};
            framed.insert(framed.end(), message.begin(), message.end());
            if (reply.stall_after) {
                framed.resize(std::min(framed.size(), *reply.stall_after));
                connection.stalled = true;
                connection.input.clear();
            }
            // Behind an earlier delayed reply a reply waits too: replies leave in the order asked.
            if (reply.delay > std::chrono::milliseconds::zero() || !connection.delayed.empty()) {
                const auto due = Clock::now() + reply.delay;
                connection.delayed.push_back(
                    {connection.delayed.empty() ? due : std::max(due, connection.delayed.back().due),
                     std::move(framed)});
                continue;
            }
            connection.output.insert(connection.output.end(), framed.begin(), framed.end());
        }
    }
    if (!connection.output.empty()) {
        const ssize_t sent =
            ::send(connection.fd.get(), connection.output.data(), connection.output.size(), MSG_NOSIGNAL);
        if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
        if (sent > 0) connection.output.erase(connection.output.begin(), connection.output.begin() + sent);
    }
    return true;
}

void ZoneDnsServer::Impl::run() {
    std::vector<pollfd> watched;
    for (;;) {
        watched.clear();
        watched.push_back({wake.get(), POLLIN, 0});
        watched.push_back({udp.get(), POLLIN, 0});
        watched.push_back({tcp.get(), POLLIN, 0});
        for (const Connection& connection : connections) {
            const short events = static_cast<short>(POLLIN | (connection.output.empty() ? 0 : POLLOUT));
            watched.push_back({connection.fd.get(), events, 0});
        }
        if (::poll(watched.data(), watched.size(), poll_timeout_ms()) < 0) continue;  // EINTR
        if (watched[0].revents != 0) return;
        send_due_datagrams();
        release_due_frames();  // sent once poll() says the connection can take them
        // Connections first: accept_connections() may append to the vector.
        std::vector<bool> keep(connections.size(), true);
        for (std::size_t i = 0; i < connections.size(); ++i)
            if (watched[3 + i].revents != 0) keep[i] = serve_connection(connections[i], watched[3 + i].revents);
        for (std::size_t i = connections.size(); i-- > 0;)
            if (!keep[i]) connections.erase(connections.begin() + static_cast<std::ptrdiff_t>(i));
        if (watched[1].revents != 0) read_datagrams();
        if (watched[2].revents != 0) accept_connections();
    }
}

ZoneDnsServer::ZoneDnsServer(Zone zone, const std::string& address, std::uint16_t port)
    : impl_(std::make_unique<Impl>()) {
    const std::optional<IpAddress> ip = IpAddress::parse(address);
    if (!ip) throw std::runtime_error("ZoneDnsServer: \"" + address + "\" is not an IP address");
    impl_->address = address;
    impl_->zone = std::make_shared<const Zone>(std::move(zone));
    impl_->bind_sockets(*ip, port);
    impl_->wake = Fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (impl_->wake.get() < 0) throw std::runtime_error("ZoneDnsServer: eventfd: " + error_text(errno));
    impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

ZoneDnsServer::~ZoneDnsServer() {
    const std::uint64_t one = 1;
    // An eventfd write can fail only if the counter would overflow, i.e. it is already signalled.
    [[maybe_unused]] const ssize_t written = ::write(impl_->wake.get(), &one, sizeof one);
    impl_->thread.join();
}

std::uint16_t ZoneDnsServer::port() const { return impl_->port; }
const std::string& ZoneDnsServer::address() const { return impl_->address; }

void ZoneDnsServer::set_zone(Zone zone) {
    auto replacement = std::make_shared<const Zone>(std::move(zone));
    const std::lock_guard lock(impl_->zone_mutex);
    impl_->zone = std::move(replacement);
}

void ZoneDnsServer::set_behaviour(std::string_view name, Behaviour behaviour) {
    const std::lock_guard lock(impl_->zone_mutex);
    auto replacement = std::make_shared<Behaviours>(*impl_->behaviours);
    if (behaviour.mode == Behaviour::Mode::normal)
        replacement->erase(lower_case(name));
    else
        (*replacement)[lower_case(name)] = behaviour;
    impl_->behaviours = std::move(replacement);
}

void ZoneDnsServer::set_delay(std::chrono::milliseconds delay) {
    impl_->delay_ms.store(std::max(delay, std::chrono::milliseconds::zero()).count(), std::memory_order_relaxed);
}

std::uint64_t ZoneDnsServer::queries_received() const { return impl_->queries.load(std::memory_order_relaxed); }

}  // namespace spf::testdns
