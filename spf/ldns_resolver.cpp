// spf/ldns_resolver.cpp: LdnsResolver, the Resolver that asks DNS servers.
// The only file that includes <ldns/ldns.h>: ldns builds the queries; replies
// are decoded by answer_from_reply() (dns_reply.cpp), whose cost is linear in
// the reply's size, which ldns's parser is not. The sockets are plain POSIX
// ones, one per attempt, so that every wait is bounded by the check's deadline
// and a refused port is told from silence.
//
// One question (RFC 1035 §4.2, RFC 7766 for TCP):
//   - UDP to each server in turn (with `rotate`, starting at the next server
//     for each question), each attempt waiting min(query_timeout, deadline -
//     now); a server that stays silent is asked again in each of `retries`
//     further rounds; past the deadline nothing more is sent;
//   - every attempt has a new query ID from the kernel's CSPRNG and a new
//     socket, so a new source port chosen by the kernel (RFC 5452 §9.2): a
//     spoofer must guess the 16 bits of the ID and about 15 of the port (Linux's
//     default range, 32768-60999), and cannot learn them from an earlier attempt;
//   - a datagram is ours only with our ID, QR set and exactly our question
//     (RFC 5452 §9.1); anything else is dropped and the wait goes on;
//   - a truncated (TC) reply is asked again over TCP, same server;
//   - a reply becomes an Answer through answer_from_reply(), the one mapping;
//     a server failure there moves on to the next server;
//   - an ICMP port-unreachable (ECONNREFUSED on the connected UDP socket) or a
//     refused TCP connection is a server_failure: nobody serves there, which is
//     as temporary for SPF as a SERVFAIL (RFC 7208 §2.6.6), and not a timeout;
//   - nothing but silence until the deadline or the last attempt: timeout.
#include "spf/ldns_resolver.hpp"

#include "spf/dns_name.hpp"
#include "spf/dns_reply.hpp"
#include "spf/posix_socket.hpp"
#include "spf/resolv_conf.hpp"
#include "spf/text.hpp"

#include <ldns/ldns.h>

#include <poll.h>
#include <sys/random.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <limits>
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

// ---- servers ----------------------------------------------------------------

std::string server_text(const DnsServer& server) {
    const bool v6 = server.host.find(':') != std::string::npos;
    return (v6 ? "[" + server.host + "]" : server.host) + ":" + std::to_string(server.port);
}

struct Endpoint {
    posix::SocketAddress address;
    std::string text;  // "127.0.0.1:53", "[::1]:5353"
};

std::optional<Endpoint> endpoint_of(const DnsServer& server) {
    const std::optional<IpAddress> address = IpAddress::parse(server.host);
    if (!address || server.port == 0) return std::nullopt;
    return Endpoint{posix::socket_address(*address, server.port), server_text(server)};
}

std::variant<ResolvConf, std::string> read_resolv_conf(const std::string& path) {
    std::ifstream in(path);
    if (!in) return "cannot read " + path + ": " + posix::error_text(errno);
    std::ostringstream text;
    text << in.rdbuf();
    ResolvConf conf = parse_resolv_conf(text.str());
    if (conf.servers.empty()) return "no usable nameserver in " + path;
    return conf;
}

// ---- the query --------------------------------------------------------------

struct Query {
    std::vector<std::uint8_t> wire;
    std::size_t question_length = 0;  // name + type + class, right after the header
};

// RFC 5452 §9.2: the ID must be unpredictable, so it comes from the kernel's
// CSPRNG. getrandom() without flags blocks only before the pool is first
// seeded, long before a mail filter starts.
std::optional<std::uint16_t> random_id() {
    std::uint16_t id = 0;
    for (;;) {
        const ssize_t got = ::getrandom(&id, sizeof id, 0);
        if (got == static_cast<ssize_t>(sizeof id)) return id;
        if (got < 0 && errno != EINTR) return std::nullopt;
    }
}

void set_id(Query& query, std::uint16_t id) {
    query.wire[0] = static_cast<std::uint8_t>(id >> 8);
    query.wire[1] = static_cast<std::uint8_t>(id & 0xff);
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

// A reply to this query: same ID, QR set, and exactly one question, ours
// (the name compared without case, type and class octet for octet). Anything
// else is stale or forged.
bool is_reply_to(std::span<const std::uint8_t> reply, const Query& query) {
    if (reply.size() < wire::header_octets + query.question_length) return false;
    if (reply[0] != query.wire[0] || reply[1] != query.wire[1] || (reply[2] & 0x80) == 0) return false;
    if (reply[4] != 0 || reply[5] != 1) return false;  // QDCOUNT = 1
    const auto asked = std::span(query.wire).subspan(wire::header_octets, query.question_length);
    const auto echoed = reply.subspan(wire::header_octets, query.question_length);
    const std::size_t name_length = query.question_length - 4;
    for (std::size_t i = 0; i < query.question_length; ++i) {
        // Length octets are at most 63, below 'A': folding them changes nothing.
        const bool same = i < name_length
                              ? ascii_lower(static_cast<char>(asked[i])) == ascii_lower(static_cast<char>(echoed[i]))
                              : asked[i] == echoed[i];
        if (!same) return false;
    }
    return true;
}

// ---- sockets ------------------------------------------------------------------

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
    const posix::Fd socket(::socket(server.address.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (socket.get() < 0) return failed("socket: " + posix::error_text(errno));
    // Connected, so that an ICMP port-unreachable comes back as ECONNREFUSED
    // and datagrams from other addresses are never read.
    if (::connect(socket.get(), server.address.get(), server.address.length) != 0)
        return failed("connect: " + posix::error_text(errno));
    if (::send(socket.get(), query.wire.data(), query.wire.size(), 0) < 0)
        return failed(errno == ECONNREFUSED ? "port unreachable" : "send: " + posix::error_text(errno));
    std::vector<std::uint8_t> buffer(65535);
    for (;;) {
        const int ready = wait_for(socket.get(), POLLIN, until);
        if (ready == 0) return silence();
        if (ready < 0) return failed("poll: " + posix::error_text(errno));
        const ssize_t received = ::recv(socket.get(), buffer.data(), buffer.size(), 0);
        if (received < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
            return failed(errno == ECONNREFUSED ? "port unreachable" : "recv: " + posix::error_text(errno));
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
        if (ready < 0) return "poll: " + posix::error_text(errno);
        const ssize_t moved = sending ? ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL)
                                      : ::recv(fd, bytes.data() + done, bytes.size() - done, 0);
        if (moved == 0 && !sending) return "connection closed";
        if (moved < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
            return posix::error_text(errno);
        }
        done += static_cast<std::size_t>(moved);
    }
    return {};
}

// RFC 7766 §8: each message is preceded by its length in two octets.
Exchange tcp_exchange(const Endpoint& server, const Query& query, SteadyClock::time_point until) {
    const posix::Fd socket(::socket(server.address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (socket.get() < 0) return failed("socket: " + posix::error_text(errno));
    if (::connect(socket.get(), server.address.get(), server.address.length) != 0) {
        if (errno != EINPROGRESS) return failed("TCP connect: " + posix::error_text(errno));
        const int ready = wait_for(socket.get(), POLLOUT, until);
        if (ready == 0) return silence();
        int error = 0;
        socklen_t length = sizeof error;
        if (ready < 0 || ::getsockopt(socket.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
        if (error != 0) return failed("TCP connect: " + posix::error_text(error));
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

bool truncated(std::span<const std::uint8_t> reply) {
    return reply.size() >= wire::header_octets && (reply[2] & 0x02) != 0;
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

struct LdnsResolver::Impl {
    LdnsOptions options;  // servers, timeout and retries filled in from resolv.conf when not given
    std::vector<Endpoint> servers;
    mutable std::atomic<std::size_t> next_first{0};  // `rotate`: the server each question starts at

    std::chrono::milliseconds query_timeout() const { return *options.query_timeout; }
    Answer resolve(const Question& question, Deadline deadline) const;
    // One server, one UDP attempt (and TCP after a truncated reply).
    Exchange ask(const Endpoint& server, const Query& query, Deadline deadline) const;
    SteadyClock::time_point attempt_end(Deadline deadline) const {
        const auto now = SteadyClock::now();
        return deadline - now < query_timeout() ? deadline : now + query_timeout();
    }
};

Exchange LdnsResolver::Impl::ask(const Endpoint& server, const Query& query, Deadline deadline) const {
    // One attempt, one wait: a server that sets TC and then stalls over TCP gets
    // no second query_timeout.
    const SteadyClock::time_point until = attempt_end(deadline);
    Exchange exchange = udp_exchange(server, query, until);
    if (exchange.outcome != Exchange::Outcome::reply || !truncated(exchange.reply)) return exchange;
    // RFC 7766 §5: a truncated UDP answer is asked again over TCP.
    if (SteadyClock::now() >= until) return silence();
    exchange = tcp_exchange(server, query, until);
    if (exchange.outcome == Exchange::Outcome::failed) exchange.error = "truncated UDP reply, then " + exchange.error;
    return exchange;
}

Answer LdnsResolver::Impl::resolve(const Question& question, Deadline deadline) const {
    const auto start = SteadyClock::now();
    auto built = build_query(question, options.edns0);
    if (auto* error = std::get_if<std::string>(&built)) return failure(DnsStatus::server_failure, *error);
    Query& query = std::get<Query>(built);

    const std::size_t count = servers.size();
    const std::size_t first = options.rotate ? next_first.fetch_add(1, std::memory_order_relaxed) % count : 0;
    std::vector<bool> finished(count, false);  // answered, refused or failed: not asked again
    std::optional<Answer> last_failure;
    for (unsigned round = 0; round <= *options.retries; ++round) {
        for (std::size_t turn = 0; turn < count; ++turn) {
            const std::size_t i = (first + turn) % count;
            if (finished[i]) continue;
            if (SteadyClock::now() >= deadline) break;
            const std::optional<std::uint16_t> id = random_id();
            if (!id) return failure(DnsStatus::server_failure, "getrandom: " + posix::error_text(errno));
            set_id(query, *id);
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
    // Cut short by the deadline with a server still to be asked: a timeout,
    // whatever the servers asked before said (resolver.hpp: a lookup that cannot
    // finish in time is a timeout; the evaluator tells our deadline by it).
    const bool cut_short =
        SteadyClock::now() >= deadline && std::find(finished.begin(), finished.end(), false) != finished.end();
    if (last_failure && !cut_short) return *last_failure;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
    std::string silent;
    for (std::size_t i = 0; i < count; ++i)
        if (!finished[i]) silent += (silent.empty() ? "" : ", ") + servers[i].text;
    std::string detail = "timeout after " + std::to_string(elapsed.count()) + " ms (no reply from " + silent + ")";
    if (last_failure) detail += "; before it: " + last_failure->detail;
    return failure(DnsStatus::timeout, std::move(detail));
}

std::variant<std::unique_ptr<LdnsResolver>, std::string> LdnsResolver::create(const LdnsOptions& options) {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    LdnsOptions& chosen = impl->options;
    if (chosen.servers.empty()) {
        // The servers of resolv.conf come with its options; explicit settings still win.
        auto read = read_resolv_conf(options.resolv_conf);
        if (auto* error = std::get_if<std::string>(&read)) return *error;
        const ResolvConf& conf = std::get<ResolvConf>(read);
        chosen.servers = conf.servers;
        if (!chosen.query_timeout) chosen.query_timeout = conf.timeout;
        if (!chosen.retries) chosen.retries = conf.attempts - 1;
        chosen.rotate = chosen.rotate || conf.rotate;
    }
    if (!chosen.query_timeout) chosen.query_timeout = LdnsOptions::default_query_timeout;
    if (!chosen.retries) chosen.retries = LdnsOptions::default_retries;
    if (*chosen.query_timeout <= std::chrono::milliseconds::zero())
        return std::string("query timeout must be positive");
    for (const DnsServer& server : chosen.servers) {
        std::optional<Endpoint> endpoint = endpoint_of(server);
        if (!endpoint)
            return "bad DNS server \"" + server.host + "\" port " + std::to_string(server.port) +
                   " (an IP address and a port from 1 to 65535)";
        impl->servers.push_back(std::move(*endpoint));
    }
    if (impl->servers.empty()) return std::string("no DNS server");
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
