// rfc7208-suite/zone_dns_server.cpp: ZoneDnsServer, a loopback authoritative DNS
// server over a spf::Zone. One background thread polls the UDP socket, the TCP
// listener, the TCP connections and an eventfd that stops it. Every query goes
// through Zone::lookup(), so a zone answers over the wire exactly as it does in
// memory: CNAME links then records in the answer section, AA set, NOERROR /
// NXDOMAIN / SERVFAIL, and no reply at all for the suite's TIMEOUT.
// This is test support: the constructor throws std::runtime_error when it cannot
// bind or is given something that is not an IP address (there is nothing a test
// can do but stop); nothing else throws, and no packet, however malformed, stops
// the thread. Queries are answered one at a time, in the order they arrive.
#include "rfc7208-suite/zone_dns_server.hpp"

#include <ldns/ldns.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
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

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

std::string error_text(int error) { return std::strerror(error); }

// ---- building answers ---------------------------------------------------------

// A name in wire form (RFC 1035 §3.1), octet for octet; null if it cannot be
// encoded. "" is the root.
RdfPtr name_rdf(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    std::vector<std::uint8_t> wire;
    std::size_t start = 0;
    while (!name.empty()) {
        const std::size_t dot = std::min(name.find('.', start), name.size());
        const std::size_t length = dot - start;
        if (length == 0 || length > 63) return {nullptr, ldns_rdf_deep_free};
        wire.push_back(static_cast<std::uint8_t>(length));
        wire.insert(wire.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
                    name.begin() + static_cast<std::ptrdiff_t>(dot));
        if (dot == name.size()) break;
        start = dot + 1;
    }
    wire.push_back(0);
    if (wire.size() > 255) return {nullptr, ldns_rdf_deep_free};
    return {ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, wire.size(), wire.data()), ldns_rdf_deep_free};
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

// Adds one RR to the answer section; false if a name cannot be encoded.
bool push_answer(ldns_pkt& reply, std::string_view owner, ldns_rr_type type, std::uint32_t ttl,
                 std::vector<RdfPtr> rdata) {
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
    if (!ldns_pkt_push_rr(&reply, LDNS_SECTION_ANSWER, rr.get())) return false;
    rr.release();  // the packet owns it now
    return true;
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

std::string text_of_name(const ldns_rdf* rdf) {
    const std::uint8_t* data = ldns_rdf_data(rdf);
    const std::size_t size = ldns_rdf_size(rdf);
    std::string name;
    for (std::size_t position = 0; position < size;) {
        const std::size_t length = data[position++];
        if (length == 0 || position + length > size) break;
        if (!name.empty()) name += '.';
        name.append(reinterpret_cast<const char*>(data + position), length);
        position += length;
    }
    return name;
}

// The whole of answering one message: the reply in wire form, or nothing to send.
std::optional<std::vector<std::uint8_t>> respond(std::span<const std::uint8_t> message, const Zone& zone, bool udp) {
    if (message.size() < header_size || (message[2] & 0x80) != 0) return std::nullopt;  // never answer replies
    ldns_pkt* parsed = nullptr;
    const ldns_status status = ldns_wire2pkt(&parsed, message.data(), message.size());
    const PacketPtr query(parsed, ldns_pkt_free);
    if (status != LDNS_STATUS_OK || !query) return header_reply(message, LDNS_RCODE_FORMERR);
    if (ldns_pkt_get_opcode(query.get()) != LDNS_PACKET_QUERY) return header_reply(message, LDNS_RCODE_NOTIMPL);
    if (ldns_pkt_qdcount(query.get()) != 1 || ldns_rr_list_rr_count(ldns_pkt_question(query.get())) != 1)
        return header_reply(message, LDNS_RCODE_FORMERR);

    const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(query.get()), 0);
    const auto type = static_cast<RrType>(static_cast<std::uint16_t>(ldns_rr_get_type(question)));
    const ZoneLookup lookup = zone.lookup(text_of_name(ldns_rr_owner(question)), type);
    if (lookup.status == DnsStatus::timeout) return std::nullopt;  // the suite's TIMEOUT: silence

    PacketPtr reply = reply_skeleton(*query, question, rcode_of(lookup.status));
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
    }
    std::optional<std::vector<std::uint8_t>> wire = complete ? to_wire(*reply) : std::nullopt;
    const std::size_t limit =
        udp ? (ldns_pkt_edns(query.get()) ? std::max(plain_udp_size, ldns_pkt_edns_udp_size(query.get()))
                                          : plain_udp_size)
            : 65535;
    if (wire && wire->size() <= limit) return wire;
    if (!wire || !udp) {
        // A name that cannot be encoded, or more than TCP can carry.
        PacketPtr failure = reply_skeleton(*query, question, LDNS_RCODE_SERVFAIL);
        return failure ? to_wire(*failure) : std::nullopt;
    }
    // RFC 2181 §9: too big for the client's buffer: TC set, answers left out.
    PacketPtr truncated = reply_skeleton(*query, question, rcode_of(lookup.status));
    if (!truncated) return std::nullopt;
    ldns_pkt_set_tc(truncated.get(), true);
    return to_wire(*truncated);
}

// ---- sockets --------------------------------------------------------------------

struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
};

SocketAddress socket_address(const IpAddress& address, std::uint16_t port) {
    SocketAddress result;
    if (address.is_v4()) {
        sockaddr_in v4{};
        v4.sin_family = AF_INET;
        v4.sin_port = htons(port);
        std::memcpy(&v4.sin_addr, address.data(), 4);
        std::memcpy(&result.storage, &v4, sizeof v4);
        result.length = sizeof v4;
    } else {
        sockaddr_in6 v6{};
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(port);
        std::memcpy(&v6.sin6_addr, address.data(), 16);
        std::memcpy(&result.storage, &v6, sizeof v6);
        result.length = sizeof v6;
    }
    return result;
}

// A bound socket, or the errno of the failure.
std::variant<Fd, int> bound_socket(const SocketAddress& address, int type) {
    Fd fd(::socket(address.storage.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return errno;
    const int on = 1;
    if (address.storage.ss_family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    if (type == SOCK_STREAM) ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0) return errno;
    return fd;
}

std::uint16_t bound_port(int fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return 0;
    if (storage.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
}

struct Connection {
    Fd fd;
    std::vector<std::uint8_t> input;   // bytes of messages not yet complete
    std::vector<std::uint8_t> output;  // length-prefixed replies not yet sent
};

}  // namespace

struct ZoneDnsServer::Impl {
    std::string address;
    std::uint16_t port = 0;
    Fd udp;
    Fd tcp;
    Fd wake;  // eventfd: written once by the destructor to stop the thread
    mutable std::mutex zone_mutex;
    std::shared_ptr<const Zone> zone;  // guarded by zone_mutex; replies hold their own copy
    std::atomic<std::uint64_t> queries{0};
    std::vector<Connection> connections;
    std::thread thread;

    void bind_sockets(const IpAddress& ip, std::uint16_t wanted_port);
    std::shared_ptr<const Zone> current_zone() const {
        const std::lock_guard lock(zone_mutex);
        return zone;
    }
    std::optional<std::vector<std::uint8_t>> answer(std::span<const std::uint8_t> message, bool over_udp);
    void run();
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

std::optional<std::vector<std::uint8_t>> ZoneDnsServer::Impl::answer(std::span<const std::uint8_t> message,
                                                                     bool over_udp) {
    queries.fetch_add(1, std::memory_order_relaxed);
    try {
        const std::shared_ptr<const Zone> served = current_zone();
        return respond(message, *served, over_udp);
    } catch (const std::exception&) {
        return std::nullopt;  // out of memory: this one query goes unanswered
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
        const auto reply = answer({buffer.data(), static_cast<std::size_t>(received)}, true);
        if (reply)
            ::sendto(udp.get(), reply->data(), reply->size(), 0, reinterpret_cast<const sockaddr*>(&peer), peer_length);
    }
}

void ZoneDnsServer::Impl::accept_connections() {
    for (;;) {
        Fd client(::accept4(tcp.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (client.get() < 0) return;
        if (connections.size() >= max_connections) continue;  // closed at once
        connections.push_back(Connection{std::move(client), {}, {}});
    }
}

// RFC 7766 §8: messages framed by a two-octet length, several per connection.
bool ZoneDnsServer::Impl::serve_connection(Connection& connection, short revents) {
    if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        std::uint8_t chunk[4096];
        const ssize_t received = ::recv(connection.fd.get(), chunk, sizeof chunk, 0);
        if (received == 0) return false;
        if (received < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
        if (received > 0) connection.input.insert(connection.input.end(), chunk, chunk + received);
        while (connection.input.size() >= 2) {
            const std::size_t length = (std::size_t{connection.input[0]} << 8) | connection.input[1];
            if (connection.input.size() < 2 + length) break;
            const auto reply = answer({connection.input.data() + 2, length}, false);
            connection.input.erase(connection.input.begin(),
                                   connection.input.begin() + static_cast<std::ptrdiff_t>(2 + length));
            if (!reply) continue;
            connection.output.push_back(static_cast<std::uint8_t>(reply->size() >> 8));
            connection.output.push_back(static_cast<std::uint8_t>(reply->size() & 0xff));
            connection.output.insert(connection.output.end(), reply->begin(), reply->end());
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
        if (::poll(watched.data(), watched.size(), -1) < 0) continue;  // EINTR
        if (watched[0].revents != 0) return;
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

std::uint64_t ZoneDnsServer::queries_received() const { return impl_->queries.load(std::memory_order_relaxed); }

}  // namespace spf::testdns
