// spf/ldns_resolver.cpp: LdnsResolver, the Resolver that asks DNS servers.
// The only file that includes <ldns/ldns.h>. ldns builds and parses the packets;
// the sockets are plain POSIX ones, one per attempt, so that every wait is
// bounded by the check's deadline and a refused port is told from silence.
//
// One question (RFC 1035 §4.2, RFC 7766 for TCP):
//   - UDP to each server in turn, each attempt waiting min(query_timeout,
//     deadline - now); a server that stays silent is asked again in each of
//     `retries` further rounds; past the deadline nothing more is sent;
//   - a truncated (TC) reply is asked again over TCP, same server;
//   - a reply becomes an Answer through answer_from_reply(), the one mapping;
//     a server failure there moves on to the next server;
//   - an ICMP port-unreachable (ECONNREFUSED on the connected UDP socket) or a
//     refused TCP connection is a server_failure: nobody serves there, which is
//     as temporary for SPF as a SERVFAIL (RFC 7208 §2.6.6), and not a timeout;
//   - nothing but silence until the deadline or the last attempt: timeout.
#include "spf/ldns_resolver.hpp"

#include <ldns/ldns.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <utility>

namespace spf {

namespace {

using SteadyClock = std::chrono::steady_clock;
using PacketPtr = std::unique_ptr<ldns_pkt, decltype(&ldns_pkt_free)>;
using RdfPtr = std::unique_ptr<ldns_rdf, decltype(&ldns_rdf_deep_free)>;
struct MallocFree {
    void operator()(std::uint8_t* bytes) const { std::free(bytes); }  // ldns buffers come from malloc
};
using WirePtr = std::unique_ptr<std::uint8_t, MallocFree>;

// RFC 6891 §6.2.5 and the DNS flag day 2020 advice: large enough for SPF
// answers, small enough not to fragment.
constexpr std::uint16_t edns_udp_size = 1232;
constexpr std::size_t header_size = 12;

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool same_name(std::string_view left, std::string_view right) {
    return left.size() == right.size() && std::equal(left.begin(), left.end(), right.begin(),
                                                     [](char l, char r) { return ascii_lower(l) == ascii_lower(r); });
}

std::string_view without_trailing_dot(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    return name;
}

std::string error_text(int error) { return std::strerror(error); }

// ---- names ----------------------------------------------------------------

// The wire form of a name (RFC 1035 §3.1), octet for octet: no escapes are
// interpreted, so a name built by macro expansion is asked exactly as built.
std::variant<std::vector<std::uint8_t>, std::string> encode_name(std::string_view name) {
    name = without_trailing_dot(name);
    std::vector<std::uint8_t> wire;
    std::size_t start = 0;
    while (!name.empty()) {
        const std::size_t dot = std::min(name.find('.', start), name.size());
        const std::size_t length = dot - start;
        if (length == 0) return std::string("empty label");
        if (length > 63) return std::string("label longer than 63 octets");
        wire.push_back(static_cast<std::uint8_t>(length));
        wire.insert(wire.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
                    name.begin() + static_cast<std::ptrdiff_t>(dot));
        if (dot == name.size()) break;
        start = dot + 1;
    }
    wire.push_back(0);
    if (wire.size() > 255) return std::string("name longer than 255 octets");
    return wire;
}

// The text of a wire-form name, labels joined by dots, no trailing dot, no
// escaping (the inverse of encode_name). Nothing if the rdf is malformed.
std::optional<std::string> decode_name(const ldns_rdf* rdf) {
    if (rdf == nullptr) return std::nullopt;
    const std::uint8_t* data = ldns_rdf_data(rdf);
    const std::size_t size = ldns_rdf_size(rdf);
    std::string name;
    std::size_t position = 0;
    while (position < size) {
        const std::size_t length = data[position++];
        if (length == 0) return name;
        if (length > 63 || position + length > size) return std::nullopt;
        if (!name.empty()) name += '.';
        name.append(reinterpret_cast<const char*>(data + position), length);
        position += length;
    }
    return std::nullopt;
}

// ---- servers ----------------------------------------------------------------

std::string server_text(const DnsServer& server) {
    const bool v6 = server.host.find(':') != std::string::npos;
    return (v6 ? "[" + server.host + "]" : server.host) + ":" + std::to_string(server.port);
}

struct Endpoint {
    sockaddr_storage address{};
    socklen_t length = 0;
    std::string text;  // "127.0.0.1:53", "[::1]:5353"
};

std::optional<Endpoint> endpoint_of(const DnsServer& server) {
    const std::optional<IpAddress> address = IpAddress::parse(server.host);
    if (!address || server.port == 0) return std::nullopt;
    Endpoint endpoint;
    endpoint.text = server_text(server);
    if (address->is_v4()) {
        sockaddr_in v4{};
        v4.sin_family = AF_INET;
        v4.sin_port = htons(server.port);
        std::memcpy(&v4.sin_addr, address->data(), 4);
        std::memcpy(&endpoint.address, &v4, sizeof v4);
        endpoint.length = sizeof v4;
    } else {
        sockaddr_in6 v6{};
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(server.port);
        std::memcpy(&v6.sin6_addr, address->data(), 16);
        std::memcpy(&endpoint.address, &v6, sizeof v6);
        endpoint.length = sizeof v6;
    }
    return endpoint;
}

// "nameserver ADDRESS" lines of resolv.conf(5). Scoped addresses (fe80::1%eth0)
// are skipped: IpAddress has no zone ids.
std::variant<std::vector<DnsServer>, std::string> read_resolv_conf(const std::string& path) {
    std::ifstream in(path);
    if (!in) return "cannot read " + path + ": " + error_text(errno);
    std::vector<DnsServer> servers;
    std::string line;
    while (std::getline(in, line)) {
        line = line.substr(0, line.find_first_of("#;"));
        std::istringstream words(line);
        std::string keyword;
        std::string host;
        if (!(words >> keyword >> host) || keyword != "nameserver") continue;
        if (IpAddress::parse(host)) servers.push_back(DnsServer{host, 53});
    }
    if (servers.empty()) return "no usable nameserver in " + path;
    return servers;
}

// ---- the query --------------------------------------------------------------

struct Query {
    std::vector<std::uint8_t> wire;
    std::size_t question_length = 0;  // name + type + class, right after the header
};

std::uint16_t random_id() {
    thread_local std::mt19937 engine{std::random_device{}()};
    return static_cast<std::uint16_t>(std::uniform_int_distribution<unsigned>(0, 65535)(engine));
}

std::variant<Query, std::string> build_query(const Question& question, bool edns0) {
    auto name = encode_name(question.name);
    if (auto* error = std::get_if<std::string>(&name)) return "cannot query " + question.name + ": " + *error;
    const auto& wire_name = std::get<std::vector<std::uint8_t>>(name);
    RdfPtr owner(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, wire_name.size(), wire_name.data()), ldns_rdf_deep_free);
    if (!owner) return std::string("cannot build the query: out of memory");
    // ldns_pkt_query_new() takes the owner.
    PacketPtr packet(
        ldns_pkt_query_new(owner.release(), static_cast<ldns_rr_type>(question.type), LDNS_RR_CLASS_IN, LDNS_RD),
        ldns_pkt_free);
    if (!packet) return std::string("cannot build the query: out of memory");
    ldns_pkt_set_id(packet.get(), random_id());
    if (edns0) ldns_pkt_set_edns_udp_size(packet.get(), edns_udp_size);
    std::uint8_t* bytes = nullptr;
    std::size_t size = 0;
    const ldns_status status = ldns_pkt2wire(&bytes, packet.get(), &size);
    const WirePtr wire(bytes);
    if (status != LDNS_STATUS_OK || !wire)
        return std::string("cannot build the query: ") + ldns_get_errorstr_by_id(status);
    Query query;
    query.wire.assign(wire.get(), wire.get() + size);
    query.question_length = wire_name.size() + 4;
    return query;
}

// A reply to this query: same ID, QR set, and the question echoed (names
// compared without case) or absent. Anything else is stale or forged.
bool is_reply_to(std::span<const std::uint8_t> reply, const Query& query) {
    if (reply.size() < header_size) return false;
    if (reply[0] != query.wire[0] || reply[1] != query.wire[1] || (reply[2] & 0x80) == 0) return false;
    const unsigned question_count = (unsigned{reply[4]} << 8) | reply[5];
    if (question_count == 0) return true;
    if (reply.size() < header_size + query.question_length) return false;
    const auto asked = std::span(query.wire).subspan(header_size, query.question_length);
    return std::equal(asked.begin(), asked.end(), reply.begin() + header_size, [](std::uint8_t l, std::uint8_t r) {
        return ascii_lower(static_cast<char>(l)) == ascii_lower(static_cast<char>(r));
    });
}

// ---- sockets ------------------------------------------------------------------

class Socket {
public:
    explicit Socket(int fd) : fd_(fd) {}
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// Milliseconds until `until`, rounded up so that poll() never spins on 0.
int ms_left(SteadyClock::time_point until) {
    const auto left = until - SteadyClock::now();
    if (left <= SteadyClock::duration::zero()) return 0;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return static_cast<int>(std::min<std::int64_t>(ms, std::numeric_limits<int>::max()));
}

// 1: ready; 0: time is up; -1: poll failed (errno).
int wait_for(int fd, short events, SteadyClock::time_point until) {
    for (;;) {
        const int left = ms_left(until);
        if (left == 0) return 0;
        pollfd watched{fd, events, 0};
        const int ready = ::poll(&watched, 1, left);
        if (ready < 0 && errno == EINTR) continue;
        if (ready != 0) return ready < 0 ? -1 : 1;
    }
}

struct Exchange {
    enum class Outcome : std::uint8_t { reply, silence, failed } outcome = Outcome::silence;
    std::vector<std::uint8_t> reply;
    std::string error;  // failed: what went wrong, for Answer::detail
};

Exchange failed(std::string error) { return {Exchange::Outcome::failed, {}, std::move(error)}; }
Exchange silence() { return {}; }

Exchange udp_exchange(const Endpoint& server, const Query& query, SteadyClock::time_point until) {
    const Socket socket(::socket(server.address.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (socket.get() < 0) return failed("socket: " + error_text(errno));
    // Connected, so that an ICMP port-unreachable comes back as ECONNREFUSED
    // and datagrams from other addresses are never read.
    if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&server.address), server.length) != 0)
        return failed("connect: " + error_text(errno));
    if (::send(socket.get(), query.wire.data(), query.wire.size(), 0) < 0)
        return failed(errno == ECONNREFUSED ? "port unreachable" : "send: " + error_text(errno));
    std::vector<std::uint8_t> buffer(65535);
    for (;;) {
        const int ready = wait_for(socket.get(), POLLIN, until);
        if (ready == 0) return silence();
        if (ready < 0) return failed("poll: " + error_text(errno));
        const ssize_t received = ::recv(socket.get(), buffer.data(), buffer.size(), 0);
        if (received < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
            return failed(errno == ECONNREFUSED ? "port unreachable" : "recv: " + error_text(errno));
        }
        const std::span<const std::uint8_t> reply(buffer.data(), static_cast<std::size_t>(received));
        if (!is_reply_to(reply, query)) continue;  // keep waiting for ours
        return {Exchange::Outcome::reply, {reply.begin(), reply.end()}, {}};
    }
}

// Sends or receives exactly bytes.size() octets on a non-blocking stream.
// Empty on success, else the error.
std::string transfer(int fd, std::span<std::uint8_t> bytes, bool sending, SteadyClock::time_point until) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const int ready = wait_for(fd, sending ? POLLOUT : POLLIN, until);
        if (ready == 0) return "timeout";
        if (ready < 0) return "poll: " + error_text(errno);
        const ssize_t moved = sending ? ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL)
                                      : ::recv(fd, bytes.data() + done, bytes.size() - done, 0);
        if (moved == 0 && !sending) return "connection closed";
        if (moved < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
            return error_text(errno);
        }
        done += static_cast<std::size_t>(moved);
    }
    return {};
}

// RFC 7766 §8: each message is preceded by its length in two octets.
Exchange tcp_exchange(const Endpoint& server, const Query& query, SteadyClock::time_point until) {
    const Socket socket(::socket(server.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (socket.get() < 0) return failed("socket: " + error_text(errno));
    if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&server.address), server.length) != 0) {
        if (errno != EINPROGRESS) return failed("TCP connect: " + error_text(errno));
        const int ready = wait_for(socket.get(), POLLOUT, until);
        if (ready == 0) return silence();
        int error = 0;
        socklen_t length = sizeof error;
        if (ready < 0 || ::getsockopt(socket.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
        if (error != 0) return failed("TCP connect: " + error_text(error));
    }
    // RFC 1035 §4.2.2: a two-octet length, then the message.
    std::vector<std::uint8_t> message(query.wire.size() + 2);
    message[0] = static_cast<std::uint8_t>(query.wire.size() >> 8);
    message[1] = static_cast<std::uint8_t>(query.wire.size() & 0xff);
    std::copy(query.wire.begin(), query.wire.end(), message.begin() + 2);
    const auto outcome = [](const std::string& error) {
        return error == "timeout" ? silence() : failed("TCP: " + error);
    };
    if (std::string error = transfer(socket.get(), message, true, until); !error.empty()) return outcome(error);
    std::uint8_t prefix[2] = {};
    if (std::string error = transfer(socket.get(), prefix, false, until); !error.empty()) return outcome(error);
    std::vector<std::uint8_t> reply((std::size_t{prefix[0]} << 8) | prefix[1]);
    if (std::string error = transfer(socket.get(), reply, false, until); !error.empty()) return outcome(error);
    if (!is_reply_to(reply, query)) return failed("TCP reply does not match the query");
    return {Exchange::Outcome::reply, std::move(reply), {}};
}

bool truncated(std::span<const std::uint8_t> reply) { return reply.size() >= header_size && (reply[2] & 0x02) != 0; }

// ---- the reply --------------------------------------------------------------

std::string rcode_text(ldns_pkt_rcode rcode) {
    switch (rcode) {
        case LDNS_RCODE_NOERROR: return "NOERROR";
        case LDNS_RCODE_FORMERR: return "FORMERR";
        case LDNS_RCODE_SERVFAIL: return "SERVFAIL";
        case LDNS_RCODE_NXDOMAIN: return "NXDOMAIN";
        case LDNS_RCODE_NOTIMPL: return "NOTIMP";
        case LDNS_RCODE_REFUSED: return "REFUSED";
        default: return "rcode " + std::to_string(static_cast<unsigned>(rcode));
    }
}

// The status a reply stands for, RFC 1035 §4.1.1 and RFC 2308 §2.2 (NODATA).
DnsStatus status_of(const ldns_pkt& reply, bool has_records) {
    if (ldns_pkt_tc(&reply)) return DnsStatus::server_failure;  // partial: never trusted
    switch (ldns_pkt_get_rcode(&reply)) {
        case LDNS_RCODE_NOERROR: return has_records ? DnsStatus::ok : DnsStatus::no_data;
        case LDNS_RCODE_NXDOMAIN: return DnsStatus::nxdomain;
        default: return DnsStatus::server_failure;
    }
}

// The names the answer section's CNAMEs chain from the question's name
// (RFC 1034 §3.6.2), the name itself first, lower-case.
std::vector<std::string> cname_chain(const ldns_rr_list* answers, std::string_view name) {
    std::vector<std::string> chain{std::string(without_trailing_dot(name))};
    const std::size_t count = ldns_rr_list_rr_count(answers);
    for (std::size_t link = 0; link < count; ++link) {
        bool extended = false;
        for (std::size_t i = 0; i < count && !extended; ++i) {
            const ldns_rr* rr = ldns_rr_list_rr(answers, i);
            if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME || ldns_rr_rd_count(rr) < 1) continue;
            const std::optional<std::string> owner = decode_name(ldns_rr_owner(rr));
            const std::optional<std::string> target = decode_name(ldns_rr_rdf(rr, 0));
            if (!owner || !target || !same_name(*owner, chain.back())) continue;
            const bool seen = std::any_of(chain.begin(), chain.end(),
                                          [&](const std::string& known) { return same_name(known, *target); });
            if (seen) return chain;  // a loop: the records found so far are all there is
            chain.push_back(*target);
            extended = true;
        }
        if (!extended) break;
    }
    return chain;
}

std::optional<std::string> txt_of(const ldns_rr* rr) {
    // RFC 7208 §3.3: the character-strings of one record are joined without separator.
    std::string text;
    for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
        const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
        const std::uint8_t* data = ldns_rdf_data(rdf);
        const std::size_t size = ldns_rdf_size(rdf);
        if (size < 1 || std::size_t{data[0]} + 1 != size) return std::nullopt;
        text.append(reinterpret_cast<const char*>(data + 1), size - 1);
    }
    return text;
}

std::optional<IpAddress> address_of(const ldns_rr* rr, std::size_t width) {
    if (ldns_rr_rd_count(rr) != 1 || ldns_rdf_size(ldns_rr_rdf(rr, 0)) != width) return std::nullopt;
    const std::uint8_t* data = ldns_rdf_data(ldns_rr_rdf(rr, 0));
    if (width == 4) return IpAddress::v4({data[0], data[1], data[2], data[3]});
    std::array<std::uint8_t, 16> bytes{};
    std::copy(data, data + 16, bytes.begin());
    return IpAddress::v6(bytes);
}

std::optional<std::pair<std::uint16_t, std::string>> mx_of(const ldns_rr* rr) {
    if (ldns_rr_rd_count(rr) != 2 || ldns_rdf_size(ldns_rr_rdf(rr, 0)) != 2) return std::nullopt;
    const std::uint8_t* preference = ldns_rdf_data(ldns_rr_rdf(rr, 0));
    std::optional<std::string> exchange = decode_name(ldns_rr_rdf(rr, 1));
    if (!exchange) return std::nullopt;
    return std::pair{static_cast<std::uint16_t>((preference[0] << 8) | preference[1]), std::move(*exchange)};
}

// Adds the records of the asked type owned by a name of the chain; false if none.
bool take_records(const ldns_pkt& reply, const Question& question, Answer& answer) {
    const ldns_rr_list* answers = ldns_pkt_answer(&reply);
    const std::vector<std::string> chain = cname_chain(answers, question.name);
    std::vector<std::pair<std::uint16_t, std::string>> exchanges;
    std::uint32_t ttl = std::numeric_limits<std::uint32_t>::max();
    bool any = false;
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(answers); ++i) {
        const ldns_rr* rr = ldns_rr_list_rr(answers, i);
        if (static_cast<std::uint16_t>(ldns_rr_get_type(rr)) != static_cast<std::uint16_t>(question.type)) continue;
        const std::optional<std::string> owner = decode_name(ldns_rr_owner(rr));
        if (!owner ||
            std::none_of(chain.begin(), chain.end(), [&](const std::string& name) { return same_name(name, *owner); }))
            continue;
        bool used = false;
        switch (question.type) {
            case RrType::txt:
                if (std::optional<std::string> text = txt_of(rr)) {
                    answer.texts.push_back(std::move(*text));
                    used = true;
                }
                break;
            case RrType::a:
            case RrType::aaaa:
                if (std::optional<IpAddress> address = address_of(rr, question.type == RrType::a ? 4 : 16)) {
                    answer.addresses.push_back(*address);
                    used = true;
                }
                break;
            case RrType::mx:
                if (std::optional<std::pair<std::uint16_t, std::string>> exchange = mx_of(rr)) {
                    exchanges.push_back(std::move(*exchange));
                    used = true;
                }
                break;
            case RrType::ptr:
                if (std::optional<std::string> target =
                        ldns_rr_rd_count(rr) == 1 ? decode_name(ldns_rr_rdf(rr, 0)) : std::nullopt) {
                    answer.names.push_back(std::move(*target));
                    used = true;
                }
                break;
        }
        if (used) ttl = std::min(ttl, ldns_rr_ttl(rr));
        any = any || used;
    }
    std::stable_sort(exchanges.begin(), exchanges.end(),
                     [](const auto& left, const auto& right) { return left.first < right.first; });
    for (auto& exchange : exchanges) answer.names.push_back(std::move(exchange.second));
    if (any) answer.ttl = ttl;
    return any;
}

Answer failure(DnsStatus status, std::string detail) {
    Answer answer;
    answer.status = status;
    answer.detail = std::move(detail);
    return answer;
}

}  // namespace

// ---- public functions ----------------------------------------------------------

std::variant<DnsServer, std::string> parse_dns_server(std::string_view text) {
    const std::string quoted = "\"" + std::string(text) + "\"";
    if (text.empty()) return std::string("empty DNS server address");
    std::string_view host = text;
    std::optional<std::string_view> port_text;
    const bool bracketed = text.front() == '[';
    if (bracketed) {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos) return "missing ']' in " + quoted;
        host = text.substr(1, close - 1);
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return "expected \":PORT\" after ']' in " + quoted;
            port_text = rest.substr(1);
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        // One colon: IPv4:PORT. More: an IPv6 address without a port.
        const std::size_t colon = text.find(':');
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }
    const std::optional<IpAddress> address = IpAddress::parse(host);
    if (!address)
        return "\"" + std::string(host) + "\" is not an IP address (a DNS server is given by address, not by name)";
    if (bracketed && address->is_v4()) return "brackets are for IPv6 addresses, in " + quoted;
    DnsServer server{std::string(host), 53};
    if (port_text) {
        unsigned port = 0;
        const auto [end, error] = std::from_chars(port_text->data(), port_text->data() + port_text->size(), port);
        if (error != std::errc() || end != port_text->data() + port_text->size() || port == 0 || port > 65535)
            return "bad port \"" + std::string(*port_text) + "\" in " + quoted + " (expected 1 to 65535)";
        server.port = static_cast<std::uint16_t>(port);
    }
    return server;
}

Answer answer_from_reply(std::span<const std::uint8_t> reply, const Question& question, std::string_view server) {
    const std::string from = " from " + std::string(server);
    ldns_pkt* parsed = nullptr;
    const ldns_status parse_status = reply.size() < header_size ? LDNS_STATUS_WIRE_INCOMPLETE_HEADER
                                                                : ldns_wire2pkt(&parsed, reply.data(), reply.size());
    const PacketPtr packet(parsed, ldns_pkt_free);
    if (parse_status != LDNS_STATUS_OK || !packet) return failure(DnsStatus::server_failure, "malformed reply" + from);

    Answer answer;
    const bool has_records = take_records(*packet, question, answer);
    const DnsStatus status = status_of(*packet, has_records);
    if (status == DnsStatus::ok) {
        answer.detail = "answer" + from;
        return answer;
    }
    if (ldns_pkt_tc(packet.get())) return failure(status, "truncated reply" + from);
    if (status == DnsStatus::no_data)
        return failure(status, "no " + std::string(to_string(question.type)) + " records" + from);
    return failure(status, rcode_text(ldns_pkt_get_rcode(packet.get())) + from);
}

struct LdnsResolver::Impl {
    LdnsOptions options;  // servers filled in from resolv.conf when none were given
    std::vector<Endpoint> servers;

    Answer resolve(const Question& question, Deadline deadline) const;
    // One server, one UDP attempt (and TCP after a truncated reply).
    Exchange ask(const Endpoint& server, const Query& query, Deadline deadline) const;
    SteadyClock::time_point attempt_end(Deadline deadline) const {
        const auto now = SteadyClock::now();
        return deadline - now < options.query_timeout ? deadline : now + options.query_timeout;
    }
};

Exchange LdnsResolver::Impl::ask(const Endpoint& server, const Query& query, Deadline deadline) const {
    Exchange exchange = udp_exchange(server, query, attempt_end(deadline));
    if (exchange.outcome != Exchange::Outcome::reply || !truncated(exchange.reply)) return exchange;
    // RFC 7766 §5: a truncated UDP answer is asked again over TCP.
    if (SteadyClock::now() >= deadline) return silence();
    exchange = tcp_exchange(server, query, attempt_end(deadline));
    if (exchange.outcome == Exchange::Outcome::failed) exchange.error = "truncated UDP reply, then " + exchange.error;
    return exchange;
}

Answer LdnsResolver::Impl::resolve(const Question& question, Deadline deadline) const {
    const auto start = SteadyClock::now();
    auto built = build_query(question, options.edns0);
    if (auto* error = std::get_if<std::string>(&built)) return failure(DnsStatus::server_failure, *error);
    const Query& query = std::get<Query>(built);

    std::vector<bool> finished(servers.size(), false);  // answered, refused or failed: not asked again
    std::optional<Answer> last_failure;
    for (unsigned round = 0; round <= options.retries; ++round) {
        for (std::size_t i = 0; i < servers.size(); ++i) {
            if (finished[i]) continue;
            if (SteadyClock::now() >= deadline) break;
            const Exchange exchange = ask(servers[i], query, deadline);
            if (exchange.outcome == Exchange::Outcome::silence) continue;
            finished[i] = true;
            if (exchange.outcome == Exchange::Outcome::failed) {
                last_failure = failure(DnsStatus::server_failure, exchange.error + " at " + servers[i].text);
                continue;
            }
            Answer answer = answer_from_reply(exchange.reply, question, servers[i].text);
            if (answer.status != DnsStatus::server_failure) return answer;
            last_failure = std::move(answer);  // another server may do better
        }
    }
    if (last_failure) return *last_failure;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
    std::string silent;
    for (std::size_t i = 0; i < servers.size(); ++i) silent += (i == 0 ? "" : ", ") + servers[i].text;
    return failure(DnsStatus::timeout,
                   "timeout after " + std::to_string(elapsed.count()) + " ms (no reply from " + silent + ")");
}

std::variant<std::unique_ptr<LdnsResolver>, std::string> LdnsResolver::create(const LdnsOptions& options) {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    if (impl->options.servers.empty()) {
        auto servers = read_resolv_conf(options.resolv_conf);
        if (auto* error = std::get_if<std::string>(&servers)) return *error;
        impl->options.servers = std::get<std::vector<DnsServer>>(std::move(servers));
    }
    if (options.query_timeout <= std::chrono::milliseconds::zero())
        return std::string("query timeout must be positive");
    for (const DnsServer& server : impl->options.servers) {
        std::optional<Endpoint> endpoint = endpoint_of(server);
        if (!endpoint)
            return "bad DNS server \"" + server.host + "\" port " + std::to_string(server.port) +
                   " (an IP address and a port from 1 to 65535)";
        impl->servers.push_back(std::move(*endpoint));
    }
    return std::unique_ptr<LdnsResolver>(new LdnsResolver(std::move(impl)));
}

LdnsResolver::LdnsResolver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LdnsResolver::~LdnsResolver() = default;

const LdnsOptions& LdnsResolver::options() const { return impl_->options; }

Answer LdnsResolver::resolve(const Question& question, Deadline deadline) {
    // Nothing throws across the spf/ API: an exhausted machine is a server failure.
    try {
        if (SteadyClock::now() >= deadline)
            return failure(DnsStatus::timeout, "timeout: the deadline passed before the query was sent");
        return impl_->resolve(question, deadline);
    } catch (const std::exception& error) {
        return failure(DnsStatus::server_failure, std::string("internal error: ") + error.what());
    } catch (...) {
        return failure(DnsStatus::server_failure, "internal error");
    }
}

}  // namespace spf
