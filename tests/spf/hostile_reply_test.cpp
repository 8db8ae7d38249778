// tests/spf/hostile_reply_test.cpp: rfc7208-suite/hostile_reply.cpp and
// dns_behaviour.cpp: each misbehaving reply octet by octet (no sockets), and
// the text forms that spf-test-dns --behaviour reads.
#include "rfc7208-suite/hostile_reply.hpp"

#include <ldns/ldns.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace spf::testdns {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Mode = Behaviour::Mode;
using PacketPtr = std::unique_ptr<ldns_pkt, decltype(&ldns_pkt_free)>;

constexpr std::uint16_t query_id = 0x1234;
constexpr std::size_t plenty = 65535;  // a UDP limit that truncates nothing
const std::string record = "v=spf1 ip4:192.0.2.1 -all";

Zone zone() {
    Zone zone;
    ZoneRecord txt;
    txt.kind = ZoneRecord::Kind::txt;
    txt.strings = {record};
    zone.add("spf.example.com", txt);
    ZoneRecord a;
    a.kind = ZoneRecord::Kind::a;
    a.address = *IpAddress::parse("192.0.2.1");
    zone.add("spf.example.com", a);
    return zone;
}

QueryHeader txt_query(std::uint16_t type = 16) { return {query_id, true, "spf.example.com", type}; }

Bytes reply(Behaviour behaviour, bool udp = true, std::size_t udp_limit = plenty, std::uint16_t type = 16) {
    static const Zone served = zone();
    const QueryHeader query = txt_query(type);
    const Transmission sent =
        hostile_reply(query, served.lookup(query.name, static_cast<RrType>(type)), behaviour, udp, udp_limit);
    EXPECT_TRUE(sent.message);
    return sent.message.value_or(Bytes{});
}

Behaviour mode(Mode m, std::size_t count = 0) {
    Behaviour behaviour;
    behaviour.mode = m;
    behaviour.count = count;
    return behaviour;
}

PacketPtr parsed(const Bytes& wire) {
    ldns_pkt* packet = nullptr;
    const ldns_status status = ldns_wire2pkt(&packet, wire.data(), wire.size());
    PacketPtr owned(packet, ldns_pkt_free);
    if (status != LDNS_STATUS_OK) owned.reset();
    return owned;
}

std::uint16_t id_of(const Bytes& wire) { return static_cast<std::uint16_t>((wire.at(0) << 8) | wire.at(1)); }
std::uint16_t count_at(const Bytes& wire, std::size_t offset) {
    return static_cast<std::uint16_t>((wire.at(offset) << 8) | wire.at(offset + 1));
}
std::uint16_t question_count(const Bytes& wire) { return count_at(wire, 4); }
std::uint16_t answer_count(const Bytes& wire) { return count_at(wire, 6); }
bool tc(const Bytes& wire) { return (wire.at(2) & 0x02) != 0; }
unsigned rcode(const Bytes& wire) { return wire.at(3) & 0x0f; }

std::string txt_of(const ldns_rr* rr) {
    std::string text;
    for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
        const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
        text.append(reinterpret_cast<const char*>(ldns_rdf_data(rdf)) + 1, ldns_rdf_size(rdf) - 1);
    }
    return text;
}

std::string owner_of(const ldns_rr* rr) {
    char* text = ldns_rdf2str(ldns_rr_owner(rr));
    std::string owner = text;
    std::free(text);
    return owner;
}

// The start of the answer section: header, then the question "spf.example.com" TXT IN.
constexpr std::size_t answers_offset = 12 + 17 + 4;

TEST(HostileReply, KeepsEverythingButTheIdForWrongId) {
    const Bytes wire = reply(mode(Mode::wrong_id));
    EXPECT_NE(id_of(wire), query_id);
    const PacketPtr packet = parsed(wire);
    ASSERT_TRUE(packet);
    ASSERT_EQ(ldns_pkt_ancount(packet.get()), 1);
    EXPECT_EQ(txt_of(ldns_rr_list_rr(ldns_pkt_answer(packet.get()), 0)), record);
}

TEST(HostileReply, LeavesTheQuestionOutButKeepsTheIdAndTheRecords) {
    const Bytes wire = reply(mode(Mode::no_question));
    EXPECT_EQ(id_of(wire), query_id);
    EXPECT_EQ(question_count(wire), 0);
    const PacketPtr packet = parsed(wire);
    ASSERT_TRUE(packet);
    ASSERT_EQ(ldns_pkt_ancount(packet.get()), 1);
    const ldns_rr* rr = ldns_rr_list_rr(ldns_pkt_answer(packet.get()), 0);
    EXPECT_EQ(owner_of(rr), "spf.example.com.");
    EXPECT_EQ(txt_of(rr), record);
}

TEST(HostileReply, AsksAnotherQuestionThanTheQuery) {
    const PacketPtr packet = parsed(reply(mode(Mode::other_question)));
    ASSERT_TRUE(packet);
    EXPECT_EQ(ldns_pkt_id(packet.get()), query_id);
    ASSERT_EQ(ldns_pkt_qdcount(packet.get()), 1);
    EXPECT_EQ(owner_of(ldns_rr_list_rr(ldns_pkt_question(packet.get()), 0)), "other.example.net.");
    EXPECT_EQ(txt_of(ldns_rr_list_rr(ldns_pkt_answer(packet.get()), 0)), record);
}

TEST(HostileReply, SendsGarbageAfterAGoodHeaderAndQuestion) {
    for (const Behaviour behaviour : {mode(Mode::garbage), mode(Mode::tcp_garbage)}) {
        SCOPED_TRACE(to_string(behaviour));
        const Bytes wire = reply(behaviour, false);
        EXPECT_EQ(id_of(wire), query_id);
        EXPECT_EQ(question_count(wire), 1);
        EXPECT_EQ(answer_count(wire), 1);
        EXPECT_EQ(wire.at(answers_offset), 0x80) << "a reserved label type";
        EXPECT_FALSE(parsed(wire));
        EXPECT_EQ(reply(behaviour, false), wire) << "the same garbage every time";
    }
}

TEST(HostileReply, CutsTheLastRecordInHalf) {
    const Bytes wire = reply(mode(Mode::truncated));
    const std::size_t record_size = 17 + 10 + 1 + record.size();  // owner, fixed fields, one string
    EXPECT_EQ(wire.size(), answers_offset + record_size / 2);
    EXPECT_FALSE(tc(wire));
    EXPECT_EQ(answer_count(wire), 1);
    EXPECT_FALSE(parsed(wire));
}

TEST(HostileReply, TcpModesSetTcOverUdpAndMisbehaveOverTcp) {
    for (const Mode m : {Mode::tcp_garbage, Mode::tcp_stall, Mode::tcp_max_size}) {
        const Bytes udp = reply(mode(m), true);
        SCOPED_TRACE(to_string(mode(m)));
        EXPECT_TRUE(tc(udp));
        EXPECT_EQ(answer_count(udp), 0);
        EXPECT_EQ(question_count(udp), 1);
    }
    const Transmission stall =
        hostile_reply(txt_query(), zone().lookup("spf.example.com", RrType::txt), mode(Mode::tcp_stall), false, plenty);
    ASSERT_TRUE(stall.message && stall.stall_after);
    EXPECT_TRUE(parsed(*stall.message)) << "the whole reply is well formed; only half of it is sent";
    EXPECT_EQ(*stall.stall_after, 2 + stall.message->size() / 2);
}

TEST(HostileReply, PadsTheTcpAnswerToExactly65535Octets) {
    const Bytes wire = reply(mode(Mode::tcp_max_size), false);
    EXPECT_EQ(wire.size(), 65535U);
    const PacketPtr packet = parsed(wire);
    ASSERT_TRUE(packet);
    ASSERT_GT(ldns_pkt_ancount(packet.get()), 1);
    EXPECT_EQ(txt_of(ldns_rr_list_rr(ldns_pkt_answer(packet.get()), 0)), record);
    for (std::size_t i = 1; i < ldns_pkt_ancount(packet.get()); ++i)
        EXPECT_EQ(txt_of(ldns_rr_list_rr(ldns_pkt_answer(packet.get()), i)).find_first_not_of('x'), std::string::npos);
}

TEST(HostileReply, SplitsTxtIntoStringsOfTheOctetsAsked) {
    const PacketPtr packet = parsed(reply(mode(Mode::many_strings, 1)));
    ASSERT_TRUE(packet);
    const ldns_rr* rr = ldns_rr_list_rr(ldns_pkt_answer(packet.get()), 0);
    EXPECT_EQ(ldns_rr_rd_count(rr), record.size());
    EXPECT_EQ(txt_of(rr), record);
    const PacketPtr threes = parsed(reply(mode(Mode::many_strings, 3)));
    ASSERT_TRUE(threes);
    EXPECT_EQ(ldns_rr_rd_count(ldns_rr_list_rr(ldns_pkt_answer(threes.get()), 0)), (record.size() + 2) / 3);
}

TEST(HostileReply, AsksForTcpWhenTheReplyDoesNotFitTheUdpBuffer) {
    const Bytes udp = reply(mode(Mode::many_records, 100), true, 1232);
    EXPECT_TRUE(tc(udp));
    EXPECT_EQ(answer_count(udp), 0);
    EXPECT_EQ(answer_count(reply(mode(Mode::many_records, 100), false)), 101);
}

TEST(HostileReply, AddsFillersOfTheAskedType) {
    const PacketPtr packet = parsed(reply(mode(Mode::many_records, 300), false, plenty, 1));
    ASSERT_TRUE(packet);
    ASSERT_EQ(ldns_pkt_ancount(packet.get()), 301);
    for (std::size_t i = 0; i < 301; ++i) {
        const ldns_rr* rr = ldns_rr_list_rr(ldns_pkt_answer(packet.get()), i);
        ASSERT_EQ(ldns_rr_get_type(rr), LDNS_RR_TYPE_A);
        const std::uint8_t* address = ldns_rdf_data(ldns_rr_rdf(rr, 0));
        const std::vector<unsigned> octets(address, address + 4);
        const std::vector<unsigned> expected = i == 0 ? std::vector<unsigned>{192, 0, 2, 1}  // the zone's record first
                                                      : std::vector<unsigned>{198, 51, 100, unsigned((i - 1) & 0xff)};
        EXPECT_EQ(octets, expected) << i;
    }
}

TEST(HostileReply, AnswersServfailWhenMoreThanTcpCanCarry) {
    const Bytes wire = reply(mode(Mode::many_records, 5000), false);  // 5000 TXT fillers of about 30 octets
    EXPECT_EQ(rcode(wire), 2U);
    EXPECT_EQ(answer_count(wire), 0);
}

TEST(HostileReply, PointsOwnerNamesAtThemselves) {
    const Bytes wire = reply(mode(Mode::compression_loop));
    ASSERT_GT(wire.size(), answers_offset + 2);
    EXPECT_EQ(wire[answers_offset], 0xc0 | (answers_offset >> 8));
    EXPECT_EQ(wire[answers_offset + 1], answers_offset & 0xff);
    EXPECT_FALSE(parsed(wire));
}

TEST(HostileReply, PointsOwnerNamesForwardAtTheAskedName) {
    const Bytes wire = reply(mode(Mode::compression_forward));
    EXPECT_EQ(answer_count(wire), 2);
    const std::size_t target = (std::size_t{wire.at(answers_offset)} & 0x3f) << 8 | wire.at(answers_offset + 1);
    EXPECT_EQ(wire.at(answers_offset) & 0xc0, 0xc0);
    EXPECT_GT(target, answers_offset);
    ASSERT_LT(target + 17, wire.size());
    EXPECT_EQ(Bytes(wire.begin() + static_cast<std::ptrdiff_t>(target),
                    wire.begin() + static_cast<std::ptrdiff_t>(target + 17)),
              Bytes(wire.begin() + 12, wire.begin() + 12 + 17))
        << "the question's name, in full";
}

TEST(HostileReply, SetsTheRcodeAndKeepsTheRecords) {
    struct Row {
        Mode mode;
        unsigned rcode;
    };
    for (const Row row : {Row{Mode::nxdomain_with_answers, 3}, Row{Mode::servfail, 2}, Row{Mode::refused, 5}}) {
        SCOPED_TRACE(to_string(mode(row.mode)));
        const Bytes wire = reply(mode(row.mode));
        EXPECT_EQ(rcode(wire), row.rcode);
        EXPECT_EQ(answer_count(wire), 1);
        EXPECT_TRUE(parsed(wire));
    }
}

TEST(DnsBehaviour, ReadsEveryTextFormBack) {
    for (const char* text :
         {"normal", "silence", "delay:1500", "wrong-id", "no-question", "other-question", "garbage", "truncated",
          "tcp-garbage", "tcp-stall", "tcp-max-size", "many-strings:1", "many-strings:255", "many-records:20000",
          "compression-loop", "compression-forward", "nxdomain-with-answers", "servfail", "refused"}) {
        SCOPED_TRACE(text);
        const auto parsed_behaviour = parse_behaviour(text);
        ASSERT_TRUE(std::holds_alternative<Behaviour>(parsed_behaviour)) << std::get<std::string>(parsed_behaviour);
        EXPECT_EQ(to_string(std::get<Behaviour>(parsed_behaviour)), text);
    }
    const auto one_octet = parse_behaviour("many-strings");
    ASSERT_TRUE(std::holds_alternative<Behaviour>(one_octet));
    EXPECT_EQ(std::get<Behaviour>(one_octet).count, 1U);
    EXPECT_EQ(std::get<Behaviour>(parse_behaviour("delay:250")).delay, std::chrono::milliseconds(250));
}

TEST(DnsBehaviour, ExplainsWhatIsWrong) {
    struct Row {
        const char* text;
        const char* error;
    };
    const Row rows[] = {
        {"sulk", "unknown behaviour \"sulk\" (one of normal, silence, delay, "},
        {"delay", "behaviour delay needs a number after ':'"},
        {"delay:soon", "bad delay \"soon\" (0 to 600000 ms)"},
        {"garbage:3", "behaviour garbage takes no argument"},
        {"many-strings:0", "bad string length \"0\" (1 to 255 octets)"},
        {"many-strings:256", "bad string length \"256\" (1 to 255 octets)"},
        {"many-records:65536", "bad count \"65536\" (0 to 65535)"},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.text);
        const auto result = parse_behaviour(row.text);
        ASSERT_TRUE(std::holds_alternative<std::string>(result));
        EXPECT_EQ(std::get<std::string>(result).rfind(row.error, 0), 0U) << std::get<std::string>(result);
    }
}

}  // namespace
}  // namespace spf::testdns
