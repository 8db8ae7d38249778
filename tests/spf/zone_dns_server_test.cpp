// tests/spf/zone_dns_server_test.cpp: ZoneDnsServer on the wire, seen through raw
// sockets and ldns packets rather than LdnsResolver: truncation, TCP framing,
// silence for TIMEOUT, malformed queries, zone swaps and bind failures, and the
// I/O side of behaviours: chosen per name, delayed datagrams, stalled TCP.
#include "rfc7208-suite/zone_dns_server.hpp"

#include "spf/dns_reply.hpp"

#include <ldns/ldns.h>

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace spf::testdns {
namespace {

using PacketPtr = std::unique_ptr<ldns_pkt, decltype(&ldns_pkt_free)>;
using Bytes = std::vector<std::uint8_t>;

// Long enough for loopback under load; only waited in full when a test fails.
constexpr int reply_wait_ms = 2000;

Zone zone_of(std::string_view text) {
    auto parsed = Zone::from_text(text);
    if (auto* error = std::get_if<std::string>(&parsed)) ADD_FAILURE() << *error;
    return std::get_if<Zone>(&parsed) ? std::get<Zone>(std::move(parsed)) : Zone{};
}

Bytes query_wire(const char* name, ldns_rr_type type, std::uint16_t id, std::optional<std::uint16_t> edns_size = {}) {
    ldns_rdf* owner = ldns_dname_new_frm_str(name);
    PacketPtr query(ldns_pkt_query_new(owner, type, LDNS_RR_CLASS_IN, LDNS_RD), ldns_pkt_free);
    ldns_pkt_set_id(query.get(), id);
    if (edns_size) ldns_pkt_set_edns_udp_size(query.get(), *edns_size);
    std::uint8_t* bytes = nullptr;
    std::size_t size = 0;
    EXPECT_EQ(ldns_pkt2wire(&bytes, query.get(), &size), LDNS_STATUS_OK);
    Bytes wire(bytes, bytes + size);
    std::free(bytes);
    return wire;
}

PacketPtr parse(const Bytes& wire) {
    ldns_pkt* packet = nullptr;
    EXPECT_EQ(ldns_wire2pkt(&packet, wire.data(), wire.size()), LDNS_STATUS_OK);
    return PacketPtr(packet, ldns_pkt_free);
}

class Client {
public:
    Client(const ZoneDnsServer& server, int type) : fd_(::socket(AF_INET, type, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(server.port());
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0) << std::strerror(errno);
    }
    ~Client() { ::close(fd_); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    void send(const Bytes& bytes) { EXPECT_EQ(::send(fd_, bytes.data(), bytes.size(), 0), ssize_t(bytes.size())); }
    void send_framed(const std::vector<Bytes>& messages) {
        Bytes framed;
        for (const Bytes& message : messages) {
            framed.push_back(static_cast<std::uint8_t>(message.size() >> 8));
            framed.push_back(static_cast<std::uint8_t>(message.size() & 0xff));
            framed.insert(framed.end(), message.begin(), message.end());
        }
        send(framed);
    }
    // One datagram, or nothing if none came in time.
    std::optional<Bytes> receive(int wait_ms = reply_wait_ms) {
        if (!readable(wait_ms)) return std::nullopt;
        Bytes buffer(65535);
        const ssize_t size = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (size < 0) return std::nullopt;
        buffer.resize(static_cast<std::size_t>(size));
        return buffer;
    }
    // One length-prefixed TCP message, or nothing.
    std::optional<Bytes> receive_framed() {
        Bytes prefix(2);
        if (read_up_to(prefix) != prefix.size()) return std::nullopt;
        Bytes message((std::size_t{prefix[0]} << 8) | prefix[1]);
        if (read_up_to(message) != message.size()) return std::nullopt;
        return message;
    }
    // Reads until bytes is full or nothing more comes within wait_ms; the count read.
    std::size_t read_up_to(Bytes& bytes, int wait_ms = reply_wait_ms) {
        std::size_t done = 0;
        while (done < bytes.size()) {
            if (!readable(wait_ms)) break;
            const ssize_t size = ::recv(fd_, bytes.data() + done, bytes.size() - done, 0);
            if (size <= 0) break;
            done += static_cast<std::size_t>(size);
        }
        return done;
    }
    // True while the peer has neither closed nor sent anything.
    bool open_and_quiet(int wait_ms) {
        if (!readable(wait_ms)) return true;
        std::uint8_t octet = 0;
        return ::recv(fd_, &octet, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }

private:
    bool readable(int wait_ms) {
        pollfd watched{fd_, POLLIN, 0};
        return ::poll(&watched, 1, wait_ms) == 1;
    }
    int fd_;
};

std::string big_txt_zone() {
    std::string text;
    for (int i = 0; i < 40; ++i)
        text += "big.example.com TXT \"" + std::string(250, static_cast<char>('a' + i % 26)) + "\"\n";
    return text + "small.example.com TXT \"v=spf1 -all\"\n";
}

TEST(ZoneDnsServer, AnswersAuthoritativelyWithTheQuestionEchoed) {
    ZoneDnsServer server(zone_of("small.example.com TXT \"v=spf1 -all\"\n"));
    Client client(server, SOCK_DGRAM);
    client.send(query_wire("Small.Example.com.", LDNS_RR_TYPE_TXT, 4242));
    const auto reply = client.receive();
    ASSERT_TRUE(reply);
    const PacketPtr packet = parse(*reply);
    EXPECT_EQ(ldns_pkt_id(packet.get()), 4242);
    EXPECT_TRUE(ldns_pkt_qr(packet.get()));
    EXPECT_TRUE(ldns_pkt_aa(packet.get()));
    EXPECT_FALSE(ldns_pkt_tc(packet.get()));
    EXPECT_EQ(ldns_pkt_get_rcode(packet.get()), LDNS_RCODE_NOERROR);
    ASSERT_EQ(ldns_pkt_qdcount(packet.get()), 1);
    const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(packet.get()), 0);
    EXPECT_EQ(ldns_rr_get_type(question), LDNS_RR_TYPE_TXT);
    EXPECT_EQ(ldns_pkt_ancount(packet.get()), 1);
    EXPECT_FALSE(ldns_pkt_edns(packet.get())) << "no OPT without one in the query";
}

TEST(ZoneDnsServer, EchoesAnOptRecordWhenTheQueryHadOne) {
    ZoneDnsServer server(zone_of("small.example.com TXT \"v=spf1 -all\"\n"));
    Client client(server, SOCK_DGRAM);
    client.send(query_wire("small.example.com", LDNS_RR_TYPE_TXT, 7, 1232));
    const auto reply = client.receive();
    ASSERT_TRUE(reply);
    const PacketPtr packet = parse(*reply);
    EXPECT_TRUE(ldns_pkt_edns(packet.get()));
    EXPECT_EQ(ldns_pkt_edns_udp_size(packet.get()), 1232);
}

TEST(ZoneDnsServer, TruncatesAUdpAnswerLargerThanTheClientsBuffer) {
    ZoneDnsServer server(zone_of(big_txt_zone()));
    Client client(server, SOCK_DGRAM);
    struct Row {
        const char* name;
        std::optional<std::uint16_t> edns_size;
    };
    for (const Row row : {Row{"without EDNS0", {}}, Row{"with a 1232-octet EDNS0 buffer", 1232}}) {
        SCOPED_TRACE(row.name);
        client.send(query_wire("big.example.com", LDNS_RR_TYPE_TXT, 1, row.edns_size));
        const auto reply = client.receive();
        ASSERT_TRUE(reply);
        EXPECT_LE(reply->size(), 512U);
        const PacketPtr packet = parse(*reply);
        EXPECT_TRUE(ldns_pkt_tc(packet.get()));
        EXPECT_EQ(ldns_pkt_ancount(packet.get()), 0);
        EXPECT_EQ(ldns_pkt_qdcount(packet.get()), 1);
    }
}

TEST(ZoneDnsServer, AnswersSeveralQueriesOnOneTcpConnection) {
    ZoneDnsServer server(zone_of(big_txt_zone()));
    Client client(server, SOCK_STREAM);
    client.send_framed(
        {query_wire("big.example.com", LDNS_RR_TYPE_TXT, 11), query_wire("small.example.com", LDNS_RR_TYPE_TXT, 12)});
    const auto first = client.receive_framed();
    const auto second = client.receive_framed();
    ASSERT_TRUE(first && second);
    const PacketPtr big = parse(*first);
    EXPECT_EQ(ldns_pkt_id(big.get()), 11);
    EXPECT_FALSE(ldns_pkt_tc(big.get()));
    EXPECT_EQ(ldns_pkt_ancount(big.get()), 40);
    EXPECT_EQ(ldns_pkt_id(parse(*second).get()), 12);
    EXPECT_EQ(server.queries_received(), 2U);
}

TEST(ZoneDnsServer, SplitsTxtStringsIntoCharacterStringsOf255Octets) {
    ZoneDnsServer server(zone_of("long.example.com TXT \"" + std::string(600, 'x') + "\"\n"));
    Client client(server, SOCK_STREAM);
    client.send_framed({query_wire("long.example.com", LDNS_RR_TYPE_TXT, 1)});
    const auto reply = client.receive_framed();
    ASSERT_TRUE(reply);
    const PacketPtr packet = parse(*reply);
    ASSERT_EQ(ldns_pkt_ancount(packet.get()), 1);
    const ldns_rr* rr = ldns_rr_list_rr(ldns_pkt_answer(packet.get()), 0);
    ASSERT_EQ(ldns_rr_rd_count(rr), 3U);
    EXPECT_EQ(ldns_rdf_size(ldns_rr_rdf(rr, 0)), 256U);  // the length octet and 255 octets
    EXPECT_EQ(ldns_rdf_size(ldns_rr_rdf(rr, 1)), 256U);
    EXPECT_EQ(ldns_rdf_size(ldns_rr_rdf(rr, 2)), 91U);
}

TEST(ZoneDnsServer, PutsTheCnameChainBeforeTheRecords) {
    ZoneDnsServer server(zone_of(R"(
        www.example.com  CNAME  web.example.com
        web.example.com  A      192.0.2.80
    )"));
    Client client(server, SOCK_DGRAM);
    client.send(query_wire("www.example.com", LDNS_RR_TYPE_A, 3));
    const auto reply = client.receive();
    ASSERT_TRUE(reply);
    const PacketPtr packet = parse(*reply);
    ASSERT_EQ(ldns_pkt_ancount(packet.get()), 2);
    EXPECT_EQ(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(packet.get()), 0)), LDNS_RR_TYPE_CNAME);
    EXPECT_EQ(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(packet.get()), 1)), LDNS_RR_TYPE_A);
}

TEST(ZoneDnsServer, SetsTheRcodeTheZoneCallsFor) {
    ZoneDnsServer server(zone_of(R"(
        example.com     A  192.0.2.1
        broken.example  SERVFAIL
    )"));
    Client client(server, SOCK_DGRAM);
    struct Row {
        const char* name;
        ldns_pkt_rcode rcode;
        std::uint16_t answers;
    };
    const Row rows[] = {
        {"example.com", LDNS_RCODE_NOERROR, 1},
        {"nowhere.example.com", LDNS_RCODE_NXDOMAIN, 0},
        {"broken.example", LDNS_RCODE_SERVFAIL, 0},
    };
    std::uint16_t id = 100;
    for (const Row& row : rows) {
        SCOPED_TRACE(row.name);
        client.send(query_wire(row.name, LDNS_RR_TYPE_A, ++id));
        const auto reply = client.receive();
        ASSERT_TRUE(reply);
        const PacketPtr packet = parse(*reply);
        EXPECT_EQ(ldns_pkt_id(packet.get()), id);
        EXPECT_EQ(ldns_pkt_get_rcode(packet.get()), row.rcode);
        EXPECT_EQ(ldns_pkt_ancount(packet.get()), row.answers);
    }
}

TEST(ZoneDnsServer, SendsNothingForATimeout) {
    ZoneDnsServer server(zone_of(R"(
        _spf.example.net  TIMEOUT
        example.com       A  192.0.2.1
    )"));
    Client client(server, SOCK_DGRAM);
    // The server reads in order: had it answered the first query, that reply would come first.
    client.send(query_wire("_spf.example.net", LDNS_RR_TYPE_TXT, 1));
    client.send(query_wire("example.com", LDNS_RR_TYPE_A, 2));
    const auto reply = client.receive();
    ASSERT_TRUE(reply);
    EXPECT_EQ(ldns_pkt_id(parse(*reply).get()), 2);
    EXPECT_EQ(server.queries_received(), 2U);
}

TEST(ZoneDnsServer, SurvivesGarbageAndAnswersFormerrWhenItCan) {
    ZoneDnsServer server(zone_of("example.com A 192.0.2.1\n"));
    Client udp(server, SOCK_DGRAM);
    // A header claiming one question that is not there: FORMERR with the same ID.
    udp.send({0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0});
    const auto formerr = udp.receive();
    ASSERT_TRUE(formerr);
    ASSERT_EQ(formerr->size(), 12U);
    EXPECT_EQ((*formerr)[0], 0xab);
    EXPECT_EQ((*formerr)[1], 0xcd);
    EXPECT_EQ((*formerr)[3] & 0x0f, LDNS_RCODE_FORMERR);
    // Too short to answer, a reply instead of a query, random bytes: no crash.
    udp.send({0x01, 0x02, 0x03});
    Bytes reply_not_query = query_wire("example.com", LDNS_RR_TYPE_A, 5);
    reply_not_query[2] |= 0x80;
    udp.send(reply_not_query);
    Bytes noise(300);
    std::uint32_t state = 12345;
    for (std::uint8_t& byte : noise) byte = static_cast<std::uint8_t>((state = state * 1103515245 + 12345) >> 24);
    noise[2] &= 0x7f;
    udp.send(noise);
    // A status query (opcode 2): not implemented.
    Bytes status = query_wire("example.com", LDNS_RR_TYPE_A, 6);
    status[2] = static_cast<std::uint8_t>((status[2] & 0x87) | (2 << 3));
    udp.send(status);
    std::optional<Bytes> notimp;
    while (auto reply = udp.receive()) {
        if ((*reply)[0] == status[0] && (*reply)[1] == status[1]) {
            notimp = reply;
            break;
        }
    }
    ASSERT_TRUE(notimp);
    EXPECT_EQ((*notimp)[3] & 0x0f, LDNS_RCODE_NOTIMPL);
    // Over TCP: a frame of junk, then a good query on the same connection.
    Client tcp(server, SOCK_STREAM);
    tcp.send_framed({Bytes{0xff, 0xff, 0xff}, query_wire("example.com", LDNS_RR_TYPE_A, 9)});
    std::optional<Bytes> answered;
    while (auto reply = tcp.receive_framed()) {
        if (reply->size() > 12 && (*reply)[0] == 0 && (*reply)[1] == 9) {
            answered = reply;
            break;
        }
    }
    ASSERT_TRUE(answered);
    EXPECT_EQ(ldns_pkt_ancount(parse(*answered).get()), 1);
}

TEST(ZoneDnsServer, ServesTheNewZoneAfterSetZone) {
    ZoneDnsServer server(zone_of("example.com A 192.0.2.1\n"));
    Client client(server, SOCK_DGRAM);
    client.send(query_wire("example.com", LDNS_RR_TYPE_A, 1));
    auto before = client.receive();
    ASSERT_TRUE(before);
    EXPECT_EQ(ldns_pkt_get_rcode(parse(*before).get()), LDNS_RCODE_NOERROR);
    server.set_zone(zone_of("other.example A 192.0.2.2\n"));
    client.send(query_wire("example.com", LDNS_RR_TYPE_A, 2));
    auto after = client.receive();
    ASSERT_TRUE(after);
    EXPECT_EQ(ldns_pkt_get_rcode(parse(*after).get()), LDNS_RCODE_NXDOMAIN);
}

TEST(ZoneDnsServer, ThrowsWhenItCannotBind) {
    ZoneDnsServer first(Zone{});
    EXPECT_NE(first.port(), 0);
    EXPECT_THROW(ZoneDnsServer(Zone{}, "127.0.0.1", first.port()), std::runtime_error);
    EXPECT_THROW(ZoneDnsServer(Zone{}, "localhost"), std::runtime_error);
    EXPECT_THROW(ZoneDnsServer(Zone{}, "192.0.2.1"), std::runtime_error) << "not an address of this machine";
}

// ---- negative replies: the SOA that gives the negative TTL (RFC 2308) -----------

TEST(ZoneDnsServer, PutsAnSoaWithTheNegativeTtlInNegativeReplies) {
    ZoneDnsServer server(zone_of(R"(
        $NEGATIVE-TTL 75
        example.com      A      192.0.2.1
        www.example.com  CNAME  gone.example.com
    )"));
    struct Row {
        const char* name;
        ldns_rr_type type;
        DnsStatus status;
        const char* soa_owner;
    };
    const Row rows[] = {
        {"nowhere.example.com", LDNS_RR_TYPE_TXT, DnsStatus::nxdomain, "example.com."},
        {"example.com", LDNS_RR_TYPE_TXT, DnsStatus::no_data, "com."},
        {"deep.down.example.com", LDNS_RR_TYPE_A, DnsStatus::nxdomain, "example.com."},
        {"www.example.com", LDNS_RR_TYPE_A, DnsStatus::nxdomain, "example.com."},  // gone.example.com is not there
        {"nothing.example.org", LDNS_RR_TYPE_A, DnsStatus::nxdomain, "example.org."},
    };
    std::uint16_t id = 0;
    for (const bool over_tcp : {false, true}) {
        Client client(server, over_tcp ? SOCK_STREAM : SOCK_DGRAM);
        for (const Row& row : rows) {
            SCOPED_TRACE(std::string(row.name) + (over_tcp ? " over TCP" : " over UDP"));
            const Bytes query = query_wire(row.name, row.type, ++id);
            std::optional<Bytes> reply;
            if (over_tcp) {
                client.send_framed({query});
                reply = client.receive_framed();
            } else {
                client.send(query);
                reply = client.receive();
            }
            ASSERT_TRUE(reply);
            const PacketPtr packet = parse(*reply);
            ASSERT_EQ(ldns_pkt_nscount(packet.get()), 1);
            const ldns_rr* soa = ldns_rr_list_rr(ldns_pkt_authority(packet.get()), 0);
            EXPECT_EQ(ldns_rr_get_type(soa), LDNS_RR_TYPE_SOA);
            EXPECT_EQ(ldns_rr_ttl(soa), 75U);
            ASSERT_EQ(ldns_rr_rd_count(soa), 7U);
            EXPECT_EQ(ldns_rdf2native_int32(ldns_rr_rdf(soa, 6)), 75U) << "MINIMUM";
            char* owner = ldns_rdf2str(ldns_rr_owner(soa));
            EXPECT_STREQ(owner, row.soa_owner);
            std::free(owner);
            // What a resolver makes of it: the negative TTL, as ZoneResolver gives it.
            const Answer answer = answer_from_reply(*reply, {row.name, static_cast<RrType>(row.type)}, "127.0.0.1");
            EXPECT_EQ(answer.status, row.status);
            EXPECT_EQ(answer.ttl, 75U);
        }
    }
}

TEST(ZoneDnsServer, PutsNoSoaInAnswersOrFailures) {
    ZoneDnsServer server(zone_of("example.com A 192.0.2.1\nbroken.example SERVFAIL\n"));
    Client client(server, SOCK_DGRAM);
    std::uint16_t id = 0;
    for (const char* name : {"example.com", "broken.example", "error.example.com"}) {
        SCOPED_TRACE(name);
        client.send(query_wire(name, LDNS_RR_TYPE_A, ++id));
        const auto reply = client.receive();
        ASSERT_TRUE(reply);
        EXPECT_EQ(ldns_pkt_nscount(parse(*reply).get()), 0);
    }
}

// ---- behaviours (the replies themselves are tested in hostile_reply_test.cpp) ----

Behaviour behaving(Behaviour::Mode mode, std::chrono::milliseconds delay = {}) {
    Behaviour behaviour;
    behaviour.mode = mode;
    behaviour.delay = delay;
    return behaviour;
}

TEST(ZoneDnsServer, MisbehavesForTheNameGivenOnlyUntilToldToStop) {
    ZoneDnsServer server(zone_of(R"(
        hostile.example.com  TXT "v=spf1 -all"
        honest.example.com   TXT "v=spf1 -all"
    )"));
    server.set_behaviour("Hostile.Example.COM.", behaving(Behaviour::Mode::refused));
    Client client(server, SOCK_DGRAM);
    client.send(query_wire("hostile.example.com", LDNS_RR_TYPE_TXT, 1));
    auto reply = client.receive();
    ASSERT_TRUE(reply);
    EXPECT_EQ((*reply)[3] & 0x0f, LDNS_RCODE_REFUSED);
    client.send(query_wire("honest.example.com", LDNS_RR_TYPE_TXT, 2));
    reply = client.receive();
    ASSERT_TRUE(reply);
    EXPECT_EQ((*reply)[3] & 0x0f, LDNS_RCODE_NOERROR);
    server.set_behaviour("hostile.example.com", Behaviour{});
    client.send(query_wire("HOSTILE.example.com", LDNS_RR_TYPE_TXT, 3));
    reply = client.receive();
    ASSERT_TRUE(reply);
    EXPECT_EQ((*reply)[3] & 0x0f, LDNS_RCODE_NOERROR);
}

TEST(ZoneDnsServer, StaysSilentForAName) {
    ZoneDnsServer server(zone_of("quiet.example.com TXT \"v=spf1 -all\"\nexample.com A 192.0.2.1\n"));
    server.set_behaviour("quiet.example.com", behaving(Behaviour::Mode::silence));
    Client client(server, SOCK_DGRAM);
    // The server reads in order: had it answered the first query, that reply would come first.
    client.send(query_wire("quiet.example.com", LDNS_RR_TYPE_TXT, 1));
    client.send(query_wire("example.com", LDNS_RR_TYPE_A, 2));
    const auto reply = client.receive();
    ASSERT_TRUE(reply);
    EXPECT_EQ(ldns_pkt_id(parse(*reply).get()), 2);
    EXPECT_FALSE(client.receive(200));
}

TEST(ZoneDnsServer, SendsADelayedReplyLateWhileAnsweringOthers) {
    ZoneDnsServer server(zone_of("slow.example.com TXT \"v=spf1 -all\"\nexample.com A 192.0.2.1\n"));
    server.set_behaviour("slow.example.com", behaving(Behaviour::Mode::delay, std::chrono::milliseconds(600)));
    Client client(server, SOCK_DGRAM);
    client.send(query_wire("slow.example.com", LDNS_RR_TYPE_TXT, 1));
    client.send(query_wire("example.com", LDNS_RR_TYPE_A, 2));
    // The delay is a lower bound, so these checks cannot be upset by a slow machine.
    const auto first = client.receive();
    ASSERT_TRUE(first);
    EXPECT_EQ(ldns_pkt_id(parse(*first).get()), 2) << "the delayed reply does not hold up the next one";
    const auto late = client.receive();
    ASSERT_TRUE(late);
    EXPECT_EQ(ldns_pkt_id(parse(*late).get()), 1);
    EXPECT_EQ(ldns_pkt_ancount(parse(*late).get()), 1);
}

TEST(ZoneDnsServer, HoldsAStalledTcpConnectionAfterHalfAReply) {
    ZoneDnsServer server(zone_of("stall.example.com TXT \"v=spf1 -all\"\nexample.com A 192.0.2.1\n"));
    server.set_behaviour("stall.example.com", behaving(Behaviour::Mode::tcp_stall));
    Client udp(server, SOCK_DGRAM);
    udp.send(query_wire("stall.example.com", LDNS_RR_TYPE_TXT, 1));
    const auto truncated = udp.receive();
    ASSERT_TRUE(truncated);
    EXPECT_TRUE(ldns_pkt_tc(parse(*truncated).get()));

    Client tcp(server, SOCK_STREAM);
    tcp.send_framed({query_wire("stall.example.com", LDNS_RR_TYPE_TXT, 1)});
    Bytes prefix(2);
    ASSERT_EQ(tcp.read_up_to(prefix), 2U);
    Bytes message((std::size_t{prefix[0]} << 8) | prefix[1]);
    const std::size_t got = tcp.read_up_to(message, 300);
    EXPECT_GT(got, 0U);
    EXPECT_LT(got, message.size());
    EXPECT_TRUE(tcp.open_and_quiet(300)) << "neither the rest nor a close";
    tcp.send_framed({query_wire("example.com", LDNS_RR_TYPE_A, 2)});
    EXPECT_TRUE(tcp.open_and_quiet(300)) << "a stalled connection answers nothing more";

    Client other(server, SOCK_STREAM);
    other.send_framed({query_wire("example.com", LDNS_RR_TYPE_A, 3)});
    const auto answered = other.receive_framed();
    ASSERT_TRUE(answered) << "other connections are served meanwhile";
    EXPECT_EQ(ldns_pkt_id(parse(*answered).get()), 3);
}

// ---- set_delay: every reply late, none held up by another ----------------------

TEST(ZoneDnsServer, DelaysEveryReplyWithoutSerialisingConcurrentQueries) {
    ZoneDnsServer server(zone_of("example.com A 192.0.2.1\n"));
    constexpr auto delay = std::chrono::milliseconds(200);
    constexpr int clients = 8;
    server.set_delay(delay);
    std::vector<std::unique_ptr<Client>> udp;
    for (int i = 0; i < clients; ++i) udp.push_back(std::make_unique<Client>(server, SOCK_DGRAM));
    const auto sent = std::chrono::steady_clock::now();
    for (int i = 0; i < clients; ++i)
        udp[static_cast<std::size_t>(i)]->send(
            query_wire("example.com", LDNS_RR_TYPE_A, static_cast<std::uint16_t>(i)));
    for (int i = 0; i < clients; ++i) {
        SCOPED_TRACE(i);
        const auto reply = udp[static_cast<std::size_t>(i)]->receive();
        ASSERT_TRUE(reply);
        // A lower bound that a slow machine cannot upset: no reply before its time.
        EXPECT_GE(std::chrono::steady_clock::now() - sent, delay);
        EXPECT_EQ(ldns_pkt_id(parse(*reply).get()), i);
        EXPECT_EQ(ldns_pkt_ancount(parse(*reply).get()), 1);
    }
    // Serialised, the last reply could not come before clients * delay (1.6 s);
    // concurrent, all come after about one delay. The bound leaves 0.8 s of slack.
    EXPECT_LT(std::chrono::steady_clock::now() - sent, clients * delay - std::chrono::milliseconds(600));
}

TEST(ZoneDnsServer, DelaysTcpRepliesInTheOrderAsked) {
    ZoneDnsServer server(zone_of(big_txt_zone()));
    constexpr auto delay = std::chrono::milliseconds(200);
    server.set_delay(delay);
    Client tcp(server, SOCK_STREAM);
    const auto sent = std::chrono::steady_clock::now();
    tcp.send_framed(
        {query_wire("big.example.com", LDNS_RR_TYPE_TXT, 11), query_wire("small.example.com", LDNS_RR_TYPE_TXT, 12)});
    const auto first = tcp.receive_framed();
    ASSERT_TRUE(first);
    EXPECT_GE(std::chrono::steady_clock::now() - sent, delay);
    const auto second = tcp.receive_framed();
    ASSERT_TRUE(second);
    EXPECT_EQ(ldns_pkt_id(parse(*first).get()), 11);
    EXPECT_EQ(ldns_pkt_ancount(parse(*first).get()), 40);
    EXPECT_EQ(ldns_pkt_id(parse(*second).get()), 12);

    server.set_delay(std::chrono::milliseconds::zero());  // and back to at once
    Client udp(server, SOCK_DGRAM);
    udp.send(query_wire("small.example.com", LDNS_RR_TYPE_TXT, 13));
    const auto prompt = udp.receive();
    ASSERT_TRUE(prompt);
    EXPECT_EQ(ldns_pkt_id(parse(*prompt).get()), 13);
}

TEST(ZoneDnsServer, AddsItsDelayToADelayBehaviour) {
    ZoneDnsServer server(zone_of("slow.example.com TXT \"v=spf1 -all\"\n"));
    server.set_behaviour("slow.example.com", behaving(Behaviour::Mode::delay, std::chrono::milliseconds(150)));
    server.set_delay(std::chrono::milliseconds(150));
    Client client(server, SOCK_DGRAM);
    const auto sent = std::chrono::steady_clock::now();
    client.send(query_wire("slow.example.com", LDNS_RR_TYPE_TXT, 1));
    const auto reply = client.receive();
    ASSERT_TRUE(reply);
    EXPECT_GE(std::chrono::steady_clock::now() - sent, std::chrono::milliseconds(300));
}

}  // namespace
}  // namespace spf::testdns
