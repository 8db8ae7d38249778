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
//   - a truncated (TC) reply is asked again over TCP, same server, within the
//     same attempt's wait;
//   - a reply becomes an Answer through answer_from_reply(), the one mapping;
//     a server failure there moves on to the next server;
//   - an ICMP port-unreachable (ECONNREFUSED on the connected UDP socket) or a
//     refused TCP connection is a server_failure: nobody serves there, which is
//     as temporary for SPF as a SERVFAIL (RFC 7208 §2.6.6), and not a timeout;
//   - nothing but silence until the deadline or the last attempt: timeout.
//
// A batch (resolve_each(); resolve() is the batch of one, the same code):
//   - every question walks the servers as above, on its own, but all are in
//     the air at once and one poll() watches all their sockets; each answer
//     goes to the sink as soon as it is known, so a slow name holds back no
//     other. The TCP repeat is a state of the same loop (connect, send, length,
//     reply, all non-blocking): a server that stalls over TCP delays only the
//     question it stalls;
//   - still a new socket per attempt, never one shared socket for the batch:
//     sharing would let one query's port serve many IDs and outlive an attempt,
//     and give up the kernel-chosen port that makes a spoofer's guess hard;
//   - bounded: at most LdnsResolver::max_questions_in_flight (32) questions are
//     in the air, one socket each; the rest wait in order and take off as
//     answers free their slots. A datagram lands in one receive buffer per
//     batch, 64 KiB and never zeroed (it is read only as far as recv() wrote
//     it), and at most 64 datagrams are read from one socket per turn, so a
//     flood of forged ones cannot keep the loop from its timeouts;
//   - "timeout after N ms" counts from the moment the question took off.
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
#include <deque>
#include <exception>
#include <fstream>
#include <limits>
#include <memory>
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

bool would_block(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == EINTR; }

bool truncated(std::span<const std::uint8_t> reply) {
    return reply.size() >= wire::header_octets && (reply[2] & 0x02) != 0;
}

Answer failure(DnsStatus status, std::string detail) {
    Answer answer;
    answer.status = status;
    answer.detail = std::move(detail);
    return answer;
}

// Called inside a catch block: what went wrong, as the Answer of a question
// that could not be asked (nothing throws across the spf/ API).
Answer internal_failure() {
    try {
        throw;
    } catch (const std::exception& error) {
        return failure(DnsStatus::server_failure, std::string("internal error: ") + error.what());
    } catch (...) {
        return failure(DnsStatus::server_failure, "internal error");
    }
}

// ---- a batch of questions in the air ------------------------------------------------

// A whole datagram's worth, so that an oversized reply reaches is_reply_to()
// and answer_from_reply() as the server sent it, not cut short.
constexpr std::size_t datagram_octets = 65535;
// Datagrams read from one socket before the others get their turn: a flood of
// forged datagrams cannot hold the loop past the attempt's wait.
constexpr int datagrams_per_turn = 64;

// What every question of one resolver shares, fixed by create().
struct Servers {
    const LdnsOptions& options;  // query_timeout and retries filled in
    std::span<const Endpoint> endpoints;
    std::atomic<std::size_t>& next_first;  // `rotate`: the server the next question starts at
};

// One question on its way: where it is in its walk over the servers, and the
// attempt in the air (one socket, UDP or the TCP repeat of a truncated reply).
struct Flight {
    enum class Stage : std::uint8_t { udp, tcp_connect, tcp_send, tcp_length, tcp_reply };

    const Question* question = nullptr;  // nullptr: the slot is free
    std::size_t index = 0;               // in the batch
    Query query;
    std::size_t first = 0;  // the server this question starts at
    unsigned round = 0;     // the next server to ask is (round, turn)
    std::size_t turn = 0;
    std::vector<bool> finished;  // answered, refused or failed: not asked again
    std::optional<Answer> last_failure;
    SteadyClock::time_point start;
    bool used_tcp = false;  // a truncated reply was asked again over TCP

    // The attempt in the air.
    std::size_t server = 0;
    SteadyClock::time_point until;  // its one wait, UDP and TCP together
    Stage stage = Stage::udp;
    posix::Fd socket;
    std::vector<std::uint8_t> tcp_query;  // the two-octet length, then the query
    std::uint8_t tcp_length[2] = {};
    std::unique_ptr<std::uint8_t[]> tcp_reply;  // not zeroed: every octet is received before it is read
    std::size_t tcp_reply_size = 0;
    std::size_t tcp_done = 0;  // octets of the current stage sent or received

    short events() const { return stage == Stage::udp || stage >= Stage::tcp_length ? POLLIN : POLLOUT; }
    bool on_tcp() const { return stage != Stage::udp; }
};

// The questions of one resolve_each() call. At most max_in_flight of them are
// in the air at once, each with its own socket; the rest wait in order and
// take off as slots free up. Every socket in the air is watched by one poll().
// next() gives the answers out one by one, as each becomes known.
class Batch {
public:
    struct Done {
        std::size_t index;
        Answer answer;
        std::chrono::microseconds elapsed{0};
        bool tcp = false;
        bool sent = false;  // false: answered without a query (no time left, a name too long)
    };

    Batch(const Servers& servers, std::span<const Question> questions, Deadline deadline, std::size_t max_in_flight)
        : servers_(servers),
          questions_(questions),
          deadline_(deadline),
          slots_(std::min(questions.size(), max_in_flight)),
          given_(questions.size(), false) {
        if (!questions.empty()) buffer_ = std::make_unique_for_overwrite<std::uint8_t[]>(datagram_octets);
        watched_.reserve(slots_.size());
        watched_flights_.reserve(slots_.size());
    }

    // The next answer known, waiting for one if need be; nullopt when every
    // question has had its answer.
    std::optional<Done> next() {
        for (;;) {
            take_off();
            if (!done_.empty()) {
                Done done = std::move(done_.front());
                done_.pop_front();
                given_[done.index] = true;
                return done;
            }
            if (in_air_ == 0) return std::nullopt;
            wait();
        }
    }

    bool given(std::size_t index) const { return given_[index]; }

private:
    // Free slots take the next questions waiting.
    void take_off() {
        for (Flight& flight : slots_) {
            if (next_question_ == questions_.size()) return;
            if (flight.question == nullptr) launch(flight, next_question_++);
        }
    }

    void launch(Flight& flight, std::size_t index) {
        const Question& question = questions_[index];
        if (SteadyClock::now() >= deadline_)
            return done_.push_back(
                {index, failure(DnsStatus::timeout, "timeout: the deadline passed before the query was sent")});
        auto built = build_query(question, servers_.options.edns0);
        if (auto* error = std::get_if<std::string>(&built))
            return done_.push_back({index, failure(DnsStatus::server_failure, *error)});
        const std::size_t count = servers_.endpoints.size();
        flight.question = &question;
        flight.index = index;
        flight.query = std::get<Query>(std::move(built));
        flight.first =
            servers_.options.rotate ? servers_.next_first.fetch_add(1, std::memory_order_relaxed) % count : 0;
        flight.round = 0;
        flight.turn = 0;
        flight.finished.assign(count, false);
        flight.last_failure.reset();
        flight.start = SteadyClock::now();
        flight.used_tcp = false;
        ++in_air_;
        ask_next(flight);
    }

    void land(Flight& flight, Answer answer) {
        done_.push_back({flight.index, std::move(answer),
                         std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - flight.start),
                         flight.used_tcp, true});
        flight.socket.reset();
        flight.tcp_reply.reset();
        flight.question = nullptr;
        --in_air_;
    }

    // The next server in the walk, a new ID and a new socket; or, with nobody
    // left to ask or no time left, the question's answer.
    void ask_next(Flight& flight) {
        const std::size_t count = servers_.endpoints.size();
        for (; flight.round <= *servers_.options.retries; ++flight.round, flight.turn = 0) {
            while (flight.turn < count) {
                const std::size_t i = (flight.first + flight.turn++) % count;
                if (flight.finished[i]) continue;
                if (SteadyClock::now() >= deadline_) return conclude(flight);
                const std::optional<std::uint16_t> id = random_id();
                if (!id)
                    return land(flight, failure(DnsStatus::server_failure, "getrandom: " + posix::error_text(errno)));
                set_id(flight.query, *id);
                flight.server = i;
                flight.until = attempt_end();
                std::string error = send_udp(flight);
                if (error.empty()) return;  // in the air
                flight.finished[i] = true;
                flight.last_failure =
                    failure(DnsStatus::server_failure, std::move(error) + " at " + servers_.endpoints[i].text);
            }
        }
        conclude(flight);
    }

    // Every server asked in every round, or the deadline come.
    void conclude(Flight& flight) {
        // Cut short by the deadline with a server still to be asked: a timeout,
        // whatever the servers asked before said (resolver.hpp: a lookup that cannot
        // finish in time is a timeout; the evaluator tells our deadline by it).
        const bool cut_short =
            SteadyClock::now() >= deadline_ &&
            std::find(flight.finished.begin(), flight.finished.end(), false) != flight.finished.end();
        if (flight.last_failure && !cut_short) return land(flight, std::move(*flight.last_failure));
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - flight.start);
        std::string silent;
        for (std::size_t i = 0; i < flight.finished.size(); ++i)
            if (!flight.finished[i]) silent += (silent.empty() ? "" : ", ") + servers_.endpoints[i].text;
        std::string detail = "timeout after " + std::to_string(elapsed.count()) + " ms (no reply from " + silent + ")";
        if (flight.last_failure) detail += "; before it: " + flight.last_failure->detail;
        land(flight, failure(DnsStatus::timeout, std::move(detail)));
    }

    // One attempt, one wait: min(query_timeout, deadline - now). A server that
    // sets TC and then stalls over TCP gets no second query_timeout.
    SteadyClock::time_point attempt_end() const {
        const auto now = SteadyClock::now();
        const auto timeout = *servers_.options.query_timeout;
        return deadline_ - now < timeout ? deadline_ : now + timeout;
    }

    // Empty when the query is on its way, else what went wrong.
    std::string send_udp(Flight& flight) {
        flight.socket.reset();
        flight.stage = Flight::Stage::udp;
        const posix::SocketAddress& address = servers_.endpoints[flight.server].address;
        posix::Fd socket(::socket(address.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!socket.valid()) return "socket: " + posix::error_text(errno);
        // Connected, so that an ICMP port-unreachable comes back as ECONNREFUSED
        // and datagrams from other addresses are never read.
        if (::connect(socket.get(), address.get(), address.length) != 0) return "connect: " + posix::error_text(errno);
        if (::send(socket.get(), flight.query.wire.data(), flight.query.wire.size(), 0) < 0)
            return errno == ECONNREFUSED ? "port unreachable" : "send: " + posix::error_text(errno);
        flight.socket = std::move(socket);
        return {};
    }

    // The server answered or refused: it is not asked again for this question.
    void fail_attempt(Flight& flight, std::string error) {
        if (flight.on_tcp()) error = "truncated UDP reply, then " + error;
        flight.finished[flight.server] = true;
        flight.last_failure =
            failure(DnsStatus::server_failure, std::move(error) + " at " + servers_.endpoints[flight.server].text);
        ask_next(flight);
    }

    void take_reply(Flight& flight, std::span<const std::uint8_t> reply) {
        flight.finished[flight.server] = true;
        Answer answer = answer_from_reply(reply, *flight.question, servers_.endpoints[flight.server].text);
        if (answer.status != DnsStatus::server_failure) return land(flight, std::move(answer));
        flight.last_failure = std::move(answer);  // another server may do better
        ask_next(flight);
    }

    // Waits for the first socket to be ready or the first attempt to run out
    // of time, and moves every flight it concerns on.
    void wait() {
        // Attempts out of time first: silence, the next server (a new attempt, or
        // the answer of a question, given out before anything more is waited for).
        for (Flight& flight : slots_)
            if (flight.question != nullptr && SteadyClock::now() >= flight.until) ask_next(flight);
        if (!done_.empty() || in_air_ == 0) return;

        watched_.clear();
        watched_flights_.clear();
        int timeout = std::numeric_limits<int>::max();
        for (Flight& flight : slots_) {
            if (flight.question == nullptr) continue;
            watched_.push_back({flight.socket.get(), flight.events(), 0});
            watched_flights_.push_back(&flight);
            timeout = std::min(timeout, ms_left(flight.until));
        }
        const int ready = ::poll(watched_.data(), static_cast<nfds_t>(watched_.size()), timeout);
        if (ready < 0) {
            if (errno == EINTR) return;
            const std::string error = posix::error_text(errno);
            for (Flight* flight : watched_flights_)
                fail_attempt(*flight, (flight->on_tcp() ? "TCP: poll: " : "poll: ") + error);
            return;
        }
        // Each flight is watched once and moved on only by its own event.
        for (std::size_t k = 0; k < watched_.size(); ++k)
            if (watched_[k].revents != 0) on_ready(*watched_flights_[k]);
    }

    void on_ready(Flight& flight) {
        switch (flight.stage) {
            case Flight::Stage::udp: return receive_udp(flight);
            case Flight::Stage::tcp_connect: return connected(flight);
            case Flight::Stage::tcp_send: return send_tcp(flight);
            case Flight::Stage::tcp_length:
            case Flight::Stage::tcp_reply: return receive_tcp(flight);
        }
    }

    void receive_udp(Flight& flight) {
        for (int datagrams = 0; datagrams < datagrams_per_turn; ++datagrams) {
            const ssize_t received = ::recv(flight.socket.get(), buffer_.get(), datagram_octets, 0);
            if (received < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // keep waiting
                return fail_attempt(flight,
                                    errno == ECONNREFUSED ? "port unreachable" : "recv: " + posix::error_text(errno));
            }
            const std::span<const std::uint8_t> reply(buffer_.get(), static_cast<std::size_t>(received));
            if (!is_reply_to(reply, flight.query)) continue;  // keep waiting for ours
            if (!truncated(reply)) return take_reply(flight, reply);
            // RFC 7766 §5: a truncated UDP answer is asked again over TCP, same server,
            // within the same attempt's wait.
            if (SteadyClock::now() >= flight.until) return ask_next(flight);
            return connect_tcp(flight);
        }
    }

    void connect_tcp(Flight& flight) {
        flight.socket.reset();
        flight.stage = Flight::Stage::tcp_connect;
        flight.used_tcp = true;
        const posix::SocketAddress& address = servers_.endpoints[flight.server].address;
        posix::Fd socket(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!socket.valid()) return fail_attempt(flight, "socket: " + posix::error_text(errno));
        // RFC 1035 §4.2.2: a two-octet length, then the message.
        const std::vector<std::uint8_t>& wire = flight.query.wire;
        flight.tcp_query.assign(
            {static_cast<std::uint8_t>(wire.size() >> 8), static_cast<std::uint8_t>(wire.size() & 0xff)});
        flight.tcp_query.insert(flight.tcp_query.end(), wire.begin(), wire.end());
        flight.tcp_done = 0;
        if (::connect(socket.get(), address.get(), address.length) == 0)
            flight.stage = Flight::Stage::tcp_send;
        else if (errno != EINPROGRESS)
            return fail_attempt(flight, "TCP connect: " + posix::error_text(errno));
        flight.socket = std::move(socket);
    }

    void connected(Flight& flight) {
        int error = 0;
        socklen_t length = sizeof error;
        if (::getsockopt(flight.socket.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
        if (error != 0) return fail_attempt(flight, "TCP connect: " + posix::error_text(error));
        flight.stage = Flight::Stage::tcp_send;
    }

    void send_tcp(Flight& flight) {
        const ssize_t sent = ::send(flight.socket.get(), flight.tcp_query.data() + flight.tcp_done,
                                    flight.tcp_query.size() - flight.tcp_done, MSG_NOSIGNAL);
        if (sent < 0) {
            if (would_block(errno)) return;
            return fail_attempt(flight, "TCP: " + posix::error_text(errno));
        }
        flight.tcp_done += static_cast<std::size_t>(sent);
        if (flight.tcp_done < flight.tcp_query.size()) return;
        flight.stage = Flight::Stage::tcp_length;
        flight.tcp_done = 0;
    }

    // RFC 7766 §8: the two-octet length, then the reply.
    void receive_tcp(Flight& flight) {
        for (;;) {
            const bool length = flight.stage == Flight::Stage::tcp_length;
            std::uint8_t* into = length ? flight.tcp_length : flight.tcp_reply.get();
            const std::size_t size = length ? sizeof flight.tcp_length : flight.tcp_reply_size;
            if (flight.tcp_done < size) {
                const ssize_t received = ::recv(flight.socket.get(), into + flight.tcp_done, size - flight.tcp_done, 0);
                if (received == 0) return fail_attempt(flight, "TCP: connection closed");
                if (received < 0) {
                    if (would_block(errno)) return;
                    return fail_attempt(flight, "TCP: " + posix::error_text(errno));
                }
                flight.tcp_done += static_cast<std::size_t>(received);
                if (flight.tcp_done < size) continue;
            }
            if (length) {
                flight.tcp_reply_size = (std::size_t{flight.tcp_length[0]} << 8) | flight.tcp_length[1];
                flight.tcp_reply = std::make_unique_for_overwrite<std::uint8_t[]>(flight.tcp_reply_size);
                flight.tcp_done = 0;
                flight.stage = Flight::Stage::tcp_reply;
                continue;
            }
            const std::span<const std::uint8_t> reply(flight.tcp_reply.get(), flight.tcp_reply_size);
            if (!is_reply_to(reply, flight.query)) return fail_attempt(flight, "TCP reply does not match the query");
            return take_reply(flight, reply);
        }
    }

    const Servers& servers_;
    std::span<const Question> questions_;
    Deadline deadline_;
    std::vector<Flight> slots_;  // fixed size: the watched flights' addresses stay put
    std::size_t next_question_ = 0;
    std::size_t in_air_ = 0;
    std::deque<Done> done_;                   // known, not yet given out
    std::vector<bool> given_;                 // by question index
    std::unique_ptr<std::uint8_t[]> buffer_;  // every datagram of the batch lands here; not zeroed
    std::vector<pollfd> watched_;
    std::vector<Flight*> watched_flights_;
};

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
    std::atomic<std::size_t> next_first{0};  // `rotate`: the server each question starts at
};

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
    Answer answer;
    resolve_each(std::span(&question, 1), deadline,
                 [&answer](std::size_t, Answer&& given) { answer = std::move(given); });
    return answer;
}

void LdnsResolver::resolve_each(std::span<const Question> questions, Deadline deadline, const AnswerSink& sink) {
    // Nothing throws across the spf/ API: an exhausted machine is a server
    // failure for every question not yet answered. The sink is the caller's:
    // what it throws goes back to the caller.
    const Servers servers{impl_->options, impl_->servers, impl_->next_first};
    std::optional<Batch> batch;
    const auto fail_the_rest = [&] {
        const Answer failed = internal_failure();
        for (std::size_t i = 0; i < questions.size(); ++i)
            if (!batch || !batch->given(i)) sink(i, Answer(failed));
    };
    try {
        batch.emplace(servers, questions, deadline, max_questions_in_flight);
    } catch (...) {
        return fail_the_rest();
    }
    for (;;) {
        std::optional<Batch::Done> done;
        try {
            done = batch->next();
        } catch (...) {
            return fail_the_rest();
        }
        if (!done) return;
        if (impl_->options.observer && done->sent)
            impl_->options.observer->answered(questions[done->index].type, done->answer.status, done->elapsed,
                                              done->tcp);
        sink(done->index, std::move(done->answer));
    }
}

}  // namespace spf
