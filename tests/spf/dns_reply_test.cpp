// tests/spf/dns_reply_test.cpp: answer_from_reply() and the wire decoder under it,
// with replies built octet by octet here: well-formed ones of every record type,
// and the hostile ones a sender's DNS can send (no question, another question,
// compression loops and forward pointers, thousands of character-strings,
// thousands of records, maximum-size messages). The cost of hostile replies is
// asserted with getrusage(): CTest runs every test in a process of its own, so
// the peak RSS before a test is that of a fresh process.
#include "spf/dns_reply.hpp"

#include "spf/dns_name.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cstdint>
#include <string>
#include <vector>

namespace spf {
namespace {

using Bytes = std::vector<std::uint8_t>;
const std::string server = "192.0.2.53:53";

constexpr std::uint16_t type_a = 1, type_cname = 5, type_soa = 6, type_mx = 15, type_txt = 16, type_ptr = 12,
                        type_aaaa = 28;

void put16(Bytes& bytes, unsigned value) {
    bytes.push_back(static_cast<std::uint8_t>(value >> 8));
    bytes.push_back(static_cast<std::uint8_t>(value & 0xff));
}

void put32(Bytes& bytes, std::uint32_t value) {
    put16(bytes, value >> 16);
    put16(bytes, value & 0xffff);
}

Bytes name_wire(std::string_view name) { return std::get<Bytes>(encode_name(name)); }

Bytes txt_rdata(const std::vector<std::string>& strings) {
    Bytes rdata;
    for (const std::string& text : strings) {
        rdata.push_back(static_cast<std::uint8_t>(text.size()));
        rdata.insert(rdata.end(), text.begin(), text.end());
    }
    return rdata;
}

// A DNS message written section by section; counts are filled in by bytes().
class Message {
public:
    explicit Message(unsigned rcode = 0, bool truncated = false) {
        put16(bytes_, 0x1234);
        bytes_.push_back(static_cast<std::uint8_t>(0x80 | (truncated ? 0x02 : 0)));  // QR
        bytes_.push_back(static_cast<std::uint8_t>(rcode));
        bytes_.resize(12, 0);
    }
    Message& question(std::string_view name = "example.com", std::uint16_t type = type_txt, std::uint16_t klass = 1) {
        const Bytes wire = name_wire(name);
        bytes_.insert(bytes_.end(), wire.begin(), wire.end());
        put16(bytes_, type);
        put16(bytes_, klass);
        ++counts_[0];
        return *this;
    }
    // A record whose owner is given in wire form (so that it can be a pointer).
    Message& record_at(const Bytes& owner, std::uint16_t type, const Bytes& rdata, std::uint32_t ttl = 300,
                       int section = 1) {
        bytes_.insert(bytes_.end(), owner.begin(), owner.end());
        put16(bytes_, type);
        put16(bytes_, 1);
        put32(bytes_, ttl);
        put16(bytes_, static_cast<unsigned>(rdata.size()));
        bytes_.insert(bytes_.end(), rdata.begin(), rdata.end());
        ++counts_[section];
        return *this;
    }
    Message& record(std::string_view owner, std::uint16_t type, const Bytes& rdata, std::uint32_t ttl = 300) {
        return record_at(name_wire(owner), type, rdata, ttl);
    }
    Message& txt(std::string_view owner, const std::vector<std::string>& strings, std::uint32_t ttl = 300) {
        return record(owner, type_txt, txt_rdata(strings), ttl);
    }
    // A record of the authority section: after every record of the answer section.
    Message& authority(std::string_view owner, std::uint16_t type, const Bytes& rdata, std::uint32_t ttl = 300) {
        return record_at(name_wire(owner), type, rdata, ttl, 2);
    }
    Message& raw(const Bytes& more) {
        bytes_.insert(bytes_.end(), more.begin(), more.end());
        return *this;
    }
    Message& claim_answers(unsigned count) {
        claimed_answers_ = count;
        return *this;
    }
    std::size_t size() const { return bytes_.size(); }
    // The message with ARCOUNT set: records written with raw() after the last section.
    Bytes bytes_with_additionals(unsigned count) const {
        Bytes out = bytes();
        out[10] = static_cast<std::uint8_t>(count >> 8);
        out[11] = static_cast<std::uint8_t>(count & 0xff);
        return out;
    }
    Bytes bytes() const {
        Bytes out = bytes_;
        for (int i = 0; i < 4; ++i) {
            const unsigned count = i == 1 && claimed_answers_ ? *claimed_answers_ : counts_[i];
            out[4 + 2 * i] = static_cast<std::uint8_t>(count >> 8);
            out[5 + 2 * i] = static_cast<std::uint8_t>(count & 0xff);
        }
        return out;
    }

private:
    Bytes bytes_;
    unsigned counts_[4] = {0, 0, 0, 0};
    std::optional<unsigned> claimed_answers_;
};

const Bytes question_pointer{0xc0, 0x0c};  // the name of the question, right after the header

Answer txt_answer(const Bytes& reply) { return answer_from_reply(reply, {"example.com", RrType::txt}, server); }

std::vector<std::string> address_texts(const Answer& answer) {
    std::vector<std::string> texts;
    for (const IpAddress& address : answer.addresses) texts.push_back(address.to_string());
    return texts;
}

TEST(AnswerFromReply, MapsEveryKindOfReplyToItsStatus) {
    struct Row {
        const char* name;
        Bytes reply;
        DnsStatus status;
        std::vector<std::string> texts;
        std::string detail;
    };
    const std::string from = " from " + server;
    Bytes not_response = Message().question().txt("example.com", {"v=spf1 -all"}).bytes();
    not_response[2] = 0;
    Bytes notify = Message().question().txt("example.com", {"v=spf1 -all"}).bytes();
    notify[2] |= 4 << 3;  // opcode NOTIFY
    const Row rows[] = {
        {"NOERROR with the records",
         Message().question().txt("example.com", {"v=spf1 -all"}).bytes(),
         DnsStatus::ok,
         {"v=spf1 -all"},
         "answer" + from},
        {"the question echoed in another case",
         Message().question("EXAMPLE.Com").txt("example.COM", {"v=spf1"}).bytes(),
         DnsStatus::ok,
         {"v=spf1"},
         "answer" + from},
        {"NOERROR without them", Message().question().bytes(), DnsStatus::no_data, {}, "no TXT records" + from},
        {"NOERROR with records of another type",
         Message().question().record("example.com", type_a, {192, 0, 2, 1}).bytes(),
         DnsStatus::no_data,
         {},
         "no TXT records" + from},
        {"NOERROR with records of another name",
         Message().question().txt("other.example", {"v=spf1 +all"}).bytes(),
         DnsStatus::no_data,
         {},
         "no TXT records" + from},
        {"NOERROR through a CNAME chain",
         Message()
             .question()
             .txt("b.example", {"v=spf1 ?all"})
             .record("example.com", type_cname, name_wire("A.example"))
             .record("a.example", type_cname, name_wire("b.example"))
             .bytes(),
         DnsStatus::ok,
         {"v=spf1 ?all"},
         "answer" + from},
        // The reading of README's "How the engine reads RFC 7208", as Zone::lookup() has it.
        {"NOERROR with a CNAME loop",
         Message()
             .question()
             .record("example.com", type_cname, name_wire("a.example"))
             .record("a.example", type_cname, name_wire("EXAMPLE.com"))
             .txt("a.example", {"v=spf1 +all"})
             .bytes(),
         DnsStatus::server_failure,
         {},
         "CNAME loop at EXAMPLE.com" + from},
        {"NOERROR with a malformed TXT record of the name",
         Message()
             .question()
             .txt("example.com", {"v=spf1 -all"})
             .record("example.com", type_txt, {5, 'v', '='})
             .bytes(),
         DnsStatus::server_failure,
         {},
         "malformed TXT record at example.com" + from},
        {"NOERROR with an empty TXT rdata",
         Message().question().record("example.com", type_txt, {}).bytes(),
         DnsStatus::server_failure,
         {},
         "malformed TXT record at example.com" + from},
        {"NXDOMAIN", Message(3).question().bytes(), DnsStatus::nxdomain, {}, "NXDOMAIN" + from},
        {"NXDOMAIN with records of the name",
         Message(3).question().txt("example.com", {"v=spf1 +all"}).bytes(),
         DnsStatus::server_failure,
         {},
         "NXDOMAIN with records of the name" + from},
        {"NXDOMAIN at the end of a CNAME chain",
         Message(3).question().record("example.com", type_cname, name_wire("gone.example")).bytes(),
         DnsStatus::nxdomain,
         {},
         "NXDOMAIN" + from},
        {"NXDOMAIN with records of another name",
         Message(3).question().txt("other.example", {"v=spf1"}).bytes(),
         DnsStatus::nxdomain,
         {},
         "NXDOMAIN" + from},
        {"SERVFAIL", Message(2).question().bytes(), DnsStatus::server_failure, {}, "SERVFAIL" + from},
        {"REFUSED", Message(5).question().bytes(), DnsStatus::server_failure, {}, "REFUSED" + from},
        {"FORMERR", Message(1).question().bytes(), DnsStatus::server_failure, {}, "FORMERR" + from},
        {"NOTIMP", Message(4).question().bytes(), DnsStatus::server_failure, {}, "NOTIMP" + from},
        {"YXDOMAIN",
         Message(6).question().txt("example.com", {"v=spf1 -all"}).bytes(),
         DnsStatus::server_failure,
         {},
         "rcode 6" + from},
        {"EDNS0 BADVERS (an extended rcode in the OPT record)",
         Message().question().raw({0, 0, 41, 0x04, 0xd0, 1, 0, 0, 0, 0, 0}).bytes_with_additionals(1),
         DnsStatus::server_failure,
         {},
         "BADVERS" + from},
        {"two OPT records",
         Message()
             .question()
             .txt("example.com", {"v=spf1"})
             .raw({0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0, 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0})
             .bytes_with_additionals(2),
         DnsStatus::server_failure,
         {},
         "malformed reply (more than one OPT record)" + from},
        {"one OPT record",
         Message()
             .question()
             .txt("example.com", {"v=spf1"})
             .raw({0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0})
             .bytes_with_additionals(1),
         DnsStatus::ok,
         {"v=spf1"},
         "answer" + from},
        {"truncated",
         Message(0, true).question().txt("example.com", {"v=spf1 -all"}).bytes(),
         DnsStatus::server_failure,
         {},
         "truncated reply" + from},
        {"no question section",
         Message().txt("example.com", {"v=spf1 +all"}).bytes(),
         DnsStatus::server_failure,
         {},
         "reply does not match the question" + from},
        {"two questions",
         Message().question().question().txt("example.com", {"v=spf1 +all"}).bytes(),
         DnsStatus::server_failure,
         {},
         "reply does not match the question" + from},
        {"a question for another name",
         Message().question("other.example").txt("example.com", {"v=spf1 +all"}).bytes(),
         DnsStatus::server_failure,
         {},
         "reply does not match the question" + from},
        {"a question of another type",
         Message().question("example.com", type_a).bytes(),
         DnsStatus::server_failure,
         {},
         "reply does not match the question" + from},
        {"a question of another class",
         Message().question("example.com", type_txt, 3).bytes(),
         DnsStatus::server_failure,
         {},
         "reply does not match the question" + from},
        {"not a response (QR clear)",
         not_response,
         DnsStatus::server_failure,
         {},
         "malformed reply (not a response to a query)" + from},
        {"another opcode", notify, DnsStatus::server_failure, {}, "malformed reply (not a response to a query)" + from},
        {"shorter than a header",
         {0x12, 0x34, 0x81},
         DnsStatus::server_failure,
         {},
         "malformed reply (shorter than a DNS header)" + from},
        {"answer count past the end",
         Message().question().claim_answers(5).bytes(),
         DnsStatus::server_failure,
         {},
         "malformed reply (malformed answer section)" + from},
        {"a record cut short",
         Message().question().raw({0xc0, 0x0c, 0, 16, 0, 1}).claim_answers(1).bytes(),
         DnsStatus::server_failure,
         {},
         "malformed reply (malformed answer section)" + from},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.name);
        const Answer answer = txt_answer(row.reply);
        EXPECT_EQ(answer.status, row.status);
        EXPECT_EQ(answer.texts, row.texts);
        EXPECT_EQ(answer.detail, row.detail);
        EXPECT_TRUE(answer.status == DnsStatus::ok || answer.empty());
    }
}

TEST(AnswerFromReply, ReadsEachRecordType) {
    Bytes preference_20{0, 20};
    Bytes mx_b = preference_20;
    const Bytes b_name = name_wire("b.example");
    mx_b.insert(mx_b.end(), b_name.begin(), b_name.end());
    const Answer mx = answer_from_reply(
        Message()
            .question("example.com", type_mx)
            .record("example.com", type_mx, mx_b, 600)
            .record("example.com", type_mx, {0, 10, 1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0}, 60)
            .record("example.com", type_mx, {0, 0, 0})
            .bytes(),
        {"example.com", RrType::mx}, server);
    EXPECT_EQ(mx.names, (std::vector<std::string>{"", "a.example", "b.example"}));
    EXPECT_EQ(mx.ttl, 60U);
    const Answer a = answer_from_reply(
        Message().question("example.com", type_a).record("example.com", type_a, {192, 0, 2, 7}).bytes(),
        {"EXAMPLE.COM.", RrType::a}, server);
    EXPECT_EQ(address_texts(a), (std::vector<std::string>{"192.0.2.7"}));
    Bytes v6{0x20, 0x01, 0x0d, 0xb8};
    v6.resize(15, 0);
    v6.push_back(7);
    const Answer aaaa =
        answer_from_reply(Message().question("example.com", type_aaaa).record("example.com", type_aaaa, v6).bytes(),
                          {"example.com", RrType::aaaa}, server);
    EXPECT_EQ(address_texts(aaaa), (std::vector<std::string>{"2001:db8::7"}));
    const Answer ptr = answer_from_reply(Message()
                                             .question("7.2.0.192.in-addr.arpa", type_ptr)
                                             .record("7.2.0.192.in-addr.arpa", type_ptr, name_wire("mail.example.com"))
                                             .bytes(),
                                         {"7.2.0.192.in-addr.arpa", RrType::ptr}, server);
    EXPECT_EQ(ptr.names, (std::vector<std::string>{"mail.example.com"}));
    // An A record of the wrong size is malformed, not skipped.
    const Answer short_a =
        answer_from_reply(Message().question("example.com", type_a).record("example.com", type_a, {192, 0, 2}).bytes(),
                          {"example.com", RrType::a}, server);
    EXPECT_EQ(short_a.status, DnsStatus::server_failure);
    // RFC 2181 §8: a TTL with the top bit set counts as zero.
    EXPECT_EQ(txt_answer(Message().question().txt("example.com", {"x"}, 0x80000000U).bytes()).ttl, 0U);
}

// ---- negative TTLs (RFC 2308 §5) -------------------------------------------------

// SOA rdata: MNAME, RNAME, SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM.
Bytes soa_rdata(std::uint32_t minimum, std::string_view mname = "ns.example.com") {
    Bytes rdata = name_wire(mname);
    const Bytes rname = name_wire("hostmaster.example.com");
    rdata.insert(rdata.end(), rname.begin(), rname.end());
    for (std::uint32_t field : {2026120101U, 7200U, 900U, 1209600U}) put32(rdata, field);
    put32(rdata, minimum);
    return rdata;
}

constexpr unsigned nxdomain_rcode = 3;

TEST(NegativeTtl, IsTheSmallerOfTheSoaTtlAndItsMinimum) {
    struct Row {
        const char* name;
        unsigned rcode;
        std::uint32_t soa_ttl;
        std::uint32_t minimum;
        DnsStatus status;
        std::uint32_t ttl;
    };
    const Row rows[] = {
        {"NXDOMAIN, MINIMUM smaller", nxdomain_rcode, 300, 60, DnsStatus::nxdomain, 60},
        {"NXDOMAIN, TTL smaller", nxdomain_rcode, 30, 600, DnsStatus::nxdomain, 30},
        {"NODATA, MINIMUM smaller", 0, 3600, 120, DnsStatus::no_data, 120},
        {"NODATA, TTL smaller", 0, 45, 86400, DnsStatus::no_data, 45},
        {"TTL with the top bit set", nxdomain_rcode, 0x80000001U, 60, DnsStatus::nxdomain, 0},
        {"MINIMUM with the top bit set", 0, 300, 0xffffffffU, DnsStatus::no_data, 0},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.name);
        const Answer answer = txt_answer(Message(row.rcode)
                                             .question()
                                             .authority("example.com", type_soa, soa_rdata(row.minimum), row.soa_ttl)
                                             .bytes());
        EXPECT_EQ(answer.status, row.status);
        EXPECT_EQ(answer.ttl, row.ttl);
    }
}

TEST(NegativeTtl, IsZeroWithoutAnSoaOfTheNamesZone) {
    struct Row {
        const char* name;
        Bytes reply;
        DnsStatus status;
    };
    const Row rows[] = {
        {"NXDOMAIN without authority", Message(nxdomain_rcode).question().bytes(), DnsStatus::nxdomain},
        {"NODATA without authority", Message().question().bytes(), DnsStatus::no_data},
        {"NODATA with an NS instead",
         Message().question().authority("example.com", 2, name_wire("ns.example.com")).bytes(), DnsStatus::no_data},
        {"an SOA of an unrelated zone",
         Message(nxdomain_rcode).question().authority("example.net", type_soa, soa_rdata(60)).bytes(),
         DnsStatus::nxdomain},
        {"an SOA of a child zone",
         Message(nxdomain_rcode).question().authority("sub.example.com", type_soa, soa_rdata(60)).bytes(),
         DnsStatus::nxdomain},
        {"an SOA of a name that merely ends the same",
         Message(nxdomain_rcode).question().authority("ample.com", type_soa, soa_rdata(60)).bytes(),
         DnsStatus::nxdomain},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.name);
        const Answer answer = txt_answer(row.reply);
        EXPECT_EQ(answer.status, row.status);
        EXPECT_EQ(answer.ttl, 0U);
    }
}

TEST(NegativeTtl, AcceptsTheSoaOfAParentZoneAndTheRoot) {
    EXPECT_EQ(answer_from_reply(Message(nxdomain_rcode)
                                    .question("a.b.example.com", type_txt)
                                    .authority("EXAMPLE.com", type_soa, soa_rdata(90), 900)
                                    .bytes(),
                                {"a.b.example.com", RrType::txt}, server)
                  .ttl,
              90U);
    EXPECT_EQ(
        txt_answer(Message(nxdomain_rcode).question().authority("", type_soa, soa_rdata(86400), 1800).bytes()).ttl,
        1800U);
}

TEST(NegativeTtl, IgnoresAMalformedSoaWithoutFailingTheReply) {
    const Bytes good = soa_rdata(60);
    Bytes short_by_one(good.begin(), good.end() - 1);
    Bytes one_too_many = good;
    one_too_many.push_back(0);
    Bytes mname_only = name_wire("ns.example.com");
    // MNAME's label claims more octets than the rdata has: read_name runs into the next record.
    Bytes overrunning_name{60, 'n', 's'};
    struct Row {
        const char* name;
        Bytes rdata;
    };
    const Row rows[] = {
        {"rdata one octet short", short_by_one},
        {"rdata one octet long", one_too_many},
        {"only MNAME", mname_only},
        {"empty rdata", {}},
        {"a name running out of the rdata", overrunning_name},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.name);
        for (const unsigned rcode : {0U, nxdomain_rcode}) {
            Message reply(rcode);
            reply.question().authority("example.com", type_soa, row.rdata, 300);
            reply.authority("example.com", 2, name_wire("ns.example.com"));  // something after it to run into
            const Answer answer = txt_answer(reply.bytes());
            EXPECT_EQ(answer.status, rcode == 0 ? DnsStatus::no_data : DnsStatus::nxdomain);
            EXPECT_EQ(answer.ttl, 0U);
        }
    }
    // A malformed SOA beside a good one: the good one counts.
    EXPECT_EQ(txt_answer(Message(nxdomain_rcode)
                             .question()
                             .authority("example.com", type_soa, short_by_one, 5)
                             .authority("example.com", type_soa, good, 300)
                             .bytes())
                  .ttl,
              60U);
}

TEST(NegativeTtl, ReadsCompressedNamesInTheSoa) {
    Bytes rdata{0xc0, 0x0c, 0xc0, 0x0c};  // MNAME and RNAME: pointers to the question's name
    for (std::uint32_t field : {1U, 2U, 3U, 4U, 75U}) put32(rdata, field);
    Message reply(nxdomain_rcode);
    reply.question().record_at(question_pointer, type_soa, rdata, 600, 2);
    EXPECT_EQ(txt_answer(reply.bytes()).ttl, 75U);
}

TEST(NegativeTtl, TakesTheSmallestOfSeveralSoas) {
    EXPECT_EQ(txt_answer(Message()
                             .question()
                             .authority("example.com", type_soa, soa_rdata(600), 900)
                             .authority("com", type_soa, soa_rdata(40), 900)
                             .authority("example.com", type_soa, soa_rdata(500), 100)
                             .bytes())
                  .ttl,
              40U);
}

TEST(Ttl, IsTheSmallestOfTheRecordsAndTheCnamesThatLedToThem) {
    const Question question{"www.example.com", RrType::txt};
    const Answer answer = answer_from_reply(Message()
                                                .question("www.example.com", type_txt)
                                                .record("www.example.com", type_cname, name_wire("web.example.net"), 60)
                                                .txt("web.example.net", {"v=spf1 -all"}, 3600)
                                                .bytes(),
                                            question, server);
    EXPECT_EQ(answer.status, DnsStatus::ok);
    EXPECT_EQ(answer.ttl, 60U);
    const Answer negative =
        answer_from_reply(Message(nxdomain_rcode)
                              .question("www.example.com", type_txt)
                              .record("www.example.com", type_cname, name_wire("web.example.net"), 30)
                              .authority("example.net", type_soa, soa_rdata(120), 3600)
                              .bytes(),
                          question, server);
    EXPECT_EQ(negative.ttl, 30U);
}

TEST(NegativeTtl, IsAboutTheLastNameOfTheCnameChain) {
    const Question question{"www.example.com", RrType::txt};
    // www.example.com -> web.example.net, which does not exist: the SOA is example.net's.
    const Answer nxdomain = answer_from_reply(Message(nxdomain_rcode)
                                                  .question("www.example.com", type_txt)
                                                  .record("www.example.com", type_cname, name_wire("web.example.net"))
                                                  .authority("example.net", type_soa, soa_rdata(120), 3600)
                                                  .bytes(),
                                              question, server);
    EXPECT_EQ(nxdomain.status, DnsStatus::nxdomain);
    EXPECT_EQ(nxdomain.ttl, 120U);
    const Answer nodata = answer_from_reply(Message()
                                                .question("www.example.com", type_txt)
                                                .record("www.example.com", type_cname, name_wire("web.example.net"))
                                                .authority("web.example.net", type_soa, soa_rdata(3600), 240)
                                                .bytes(),
                                            question, server);
    EXPECT_EQ(nodata.status, DnsStatus::no_data);
    EXPECT_EQ(nodata.ttl, 240U);
    // The SOA of the asked name's zone says nothing about example.net.
    const Answer other_zone = answer_from_reply(Message(nxdomain_rcode)
                                                    .question("www.example.com", type_txt)
                                                    .record("www.example.com", type_cname, name_wire("web.example.net"))
                                                    .authority("example.com", type_soa, soa_rdata(120), 3600)
                                                    .bytes(),
                                                question, server);
    EXPECT_EQ(other_zone.status, DnsStatus::nxdomain);
    EXPECT_EQ(other_zone.ttl, 0U);
}

TEST(NegativeTtl, IsNotTakenFromTheAuthoritySectionOfAPositiveAnswer) {
    const Answer answer = txt_answer(Message()
                                         .question()
                                         .txt("example.com", {"v=spf1 -all"}, 3600)
                                         .authority("example.com", type_soa, soa_rdata(5), 5)
                                         .bytes());
    EXPECT_EQ(answer.status, DnsStatus::ok);
    EXPECT_EQ(answer.ttl, 3600U);
}

TEST(AnswerFromReply, FollowsCompressionPointersBackwards) {
    // Owner = pointer to the question; the MX exchange "mx" + pointer to the question.
    Message reply;
    reply.question("example.com", type_mx).record_at(question_pointer, type_mx, {0, 5, 2, 'm', 'x', 0xc0, 0x0c});
    const Answer mx = answer_from_reply(reply.bytes(), {"example.com", RrType::mx}, server);
    EXPECT_EQ(mx.status, DnsStatus::ok);
    EXPECT_EQ(mx.names, (std::vector<std::string>{"mx.example.com"}));
}

TEST(AnswerFromReply, RefusesPointersThatLoopOrPointForward) {
    struct Row {
        const char* name;
        Bytes owner;  // placed right after the question, at offset 29 for "example.com"
    };
    const std::size_t here = Message().question().size();
    const Row rows[] = {
        {"a pointer to itself", {0xc0, static_cast<std::uint8_t>(here)}},
        {"a pointer forward", {0xc0, static_cast<std::uint8_t>(here + 2), 0}},
        {"a label, then a pointer back to the label", {1, 'a', 0xc0, static_cast<std::uint8_t>(here)}},
        {"a pointer past the end", {0xff, 0xff}},
        {"a pointer cut in half", {0xc0}},
        {"an extended label type", {0x40, 'a', 0}},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.name);
        Message reply;
        reply.question().raw(row.owner).raw({0, 16, 0, 1, 0, 0, 1, 44, 0, 2, 1, 'x'}).claim_answers(1);
        const Answer answer = txt_answer(reply.bytes());
        EXPECT_EQ(answer.status, DnsStatus::server_failure);
        EXPECT_EQ(answer.detail, "malformed reply (malformed answer section) from " + server);
    }
    // Two names pointing at each other: each pointer points before its own name
    // only in one direction, so the second is refused.
    Message pair;
    pair.question();
    const std::uint8_t first = static_cast<std::uint8_t>(pair.size());
    pair.raw({1, 'a', 0xc0, static_cast<std::uint8_t>(first + 16)})
        .raw({0, 16, 0, 1, 0, 0, 1, 44, 0, 0})
        .raw({1, 'b', 0xc0, first})
        .raw({0, 16, 0, 1, 0, 0, 1, 44, 0, 0})
        .claim_answers(2);
    EXPECT_EQ(txt_answer(pair.bytes()).status, DnsStatus::server_failure);
}

TEST(AnswerFromReply, RefusesNamesLongerThan255Octets) {
    // 4 labels of 63 octets: 257 octets with the length octets and the root.
    Message reply;
    reply.question();
    Bytes owner;
    for (int i = 0; i < 4; ++i) {
        owner.push_back(63);
        owner.insert(owner.end(), 63, 'a');
    }
    owner.push_back(0);
    reply.record_at(owner, type_txt, txt_rdata({"x"}));
    EXPECT_EQ(txt_answer(reply.bytes()).detail, "malformed reply (malformed answer section) from " + server);
}

TEST(AnswerFromReply, RefusesACnameChainLongerThanTheLimit) {
    Message reply;
    reply.question();
    std::string owner = "example.com";
    for (std::size_t i = 0; i <= wire::max_cname_links; ++i) {
        const std::string target = "c" + std::to_string(i) + ".example";
        reply.record(owner, type_cname, name_wire(target));
        owner = target;
    }
    reply.txt(owner, {"v=spf1 +all"});
    const Answer answer = txt_answer(reply.bytes());
    EXPECT_EQ(answer.status, DnsStatus::server_failure);
    EXPECT_EQ(answer.detail, "more than 8 CNAME links from example.com from " + server);
}

// ---- what hostile replies cost ------------------------------------------------------------

struct Usage {
    long max_rss_kb;
    double cpu_s;
};

Usage usage_now() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return {usage.ru_maxrss, seconds(usage.ru_utime) + seconds(usage.ru_stime)};
}

// The reply that cost ldns_wire2pkt() about 420 MB: one TXT record of 20,000
// one-octet character-strings (a 40 KB message) whose joined text is a record.
Bytes many_strings_reply(std::size_t strings, std::string& joined) {
    std::vector<std::string> pieces;
    joined = "v=spf1" + std::string(strings - 25, ' ') + "ip4:192.0.2.1 -all";
    for (char c : joined) pieces.emplace_back(1, c);
    return Message().question().record_at(question_pointer, type_txt, txt_rdata(pieces)).bytes();
}

// Several decodes of each reply: the bounds are per decode, and far above what a
// linear decoder needs (tens of microseconds, under a MB), far below what the
// quadratic one took (hundreds of MB, a second of CPU).
constexpr int rounds = 20;
constexpr long max_extra_rss_kb = 16 * 1024;
constexpr double max_cpu_per_decode_s = 0.05;

void expect_cheap(const Bytes& reply, const Question& question, DnsStatus status, std::size_t items) {
    const Usage before = usage_now();
    for (int i = 0; i < rounds; ++i) {
        const Answer answer = answer_from_reply(reply, question, server);
        ASSERT_EQ(answer.status, status) << answer.detail;
        ASSERT_EQ(answer.texts.size() + answer.addresses.size() + answer.names.size(), items);
    }
    const Usage after = usage_now();
    EXPECT_LT(after.max_rss_kb - before.max_rss_kb, max_extra_rss_kb);
    EXPECT_LT((after.cpu_s - before.cpu_s) / rounds, max_cpu_per_decode_s);
}

TEST(HostileReplies, ManyCharacterStringsCostLittle) {
    std::string joined;
    const Bytes reply = many_strings_reply(20000, joined);
    ASSERT_GT(reply.size(), 40000U);
    const Answer answer = txt_answer(reply);
    ASSERT_EQ(answer.texts, std::vector<std::string>{joined});
    expect_cheap(reply, {"example.com", RrType::txt}, DnsStatus::ok, 1);
}

TEST(HostileReplies, AMaximumSizeMessageOfStringsCostsLittle) {
    // 65,535 octets: one TXT record of 65,494 empty character-strings.
    Message reply;
    reply.question();
    reply.record_at(question_pointer, type_txt, Bytes(65535 - reply.size() - 12, 0));
    ASSERT_EQ(reply.size(), 65535U);
    expect_cheap(reply.bytes(), {"example.com", RrType::txt}, DnsStatus::ok, 1);
}

TEST(HostileReplies, ThousandsOfRecordsCostLittle) {
    Message addresses;
    addresses.question("example.com", type_a);
    std::size_t count = 0;
    while (addresses.size() + 16 <= 65535) {
        addresses.record_at(question_pointer, type_a,
                            {198, 51, static_cast<std::uint8_t>(count >> 8), static_cast<std::uint8_t>(count)});
        ++count;
    }
    ASSERT_GT(count, 4000U);
    expect_cheap(addresses.bytes(), {"example.com", RrType::a}, DnsStatus::ok, count);

    Message texts;
    texts.question();
    std::size_t records = 0;
    while (texts.size() + 19 <= 65535) {
        texts.record_at(question_pointer, type_txt, txt_rdata({"v=spf1"}));
        ++records;
    }
    expect_cheap(texts.bytes(), {"example.com", RrType::txt}, DnsStatus::ok, records);
}

TEST(HostileReplies, ThousandsOfSoasCostLittle) {
    // A 64 KiB NXDOMAIN of nothing but SOAs of the name, their names pointers.
    Message reply(nxdomain_rcode);
    reply.question();
    std::size_t count = 0;
    while (reply.size() + 36 <= 65535) {
        Bytes rdata{0xc0, 0x0c, 0xc0, 0x0c};
        for (int field = 0; field < 4; ++field) put32(rdata, 1);
        put32(rdata, static_cast<std::uint32_t>(100000 - count));  // MINIMUM: the last is the smallest
        reply.record_at(question_pointer, type_soa, rdata, 200000, 2);
        ++count;
    }
    ASSERT_GT(count, 1500U);
    EXPECT_EQ(txt_answer(reply.bytes()).ttl, 100000 - (count - 1));
    expect_cheap(reply.bytes(), {"example.com", RrType::txt}, DnsStatus::nxdomain, 0);
}

TEST(HostileReplies, ThousandsOfCnamesCostLittle) {
    // Thousands of CNAMEs of the question's name: one link is taken, one pass
    // over the section for each link, and the chain ends where nothing follows.
    Message reply;
    reply.question();
    while (reply.size() + 16 <= 65535) reply.record_at(question_pointer, type_cname, {1, 'x', 0xc0, 0x0c});
    const Usage before = usage_now();
    for (int i = 0; i < rounds; ++i) EXPECT_EQ(txt_answer(reply.bytes()).status, DnsStatus::no_data);
    const Usage after = usage_now();
    EXPECT_LT(after.max_rss_kb - before.max_rss_kb, max_extra_rss_kb);
    EXPECT_LT((after.cpu_s - before.cpu_s) / rounds, max_cpu_per_decode_s);
}

TEST(HostileReplies, PointerChainsCostLittle) {
    // Thousands of names, each a pointer to the one before: every name is
    // refused after at most 127 pointers, so the whole message costs little.
    Message reply;
    reply.question();
    std::uint16_t previous = 12;
    std::size_t names = 0;
    Bytes tail{0, 16, 0, 1, 0, 0, 0, 1, 0, 0};
    while (reply.size() + 12 <= 16383) {
        const auto here = static_cast<std::uint16_t>(reply.size());
        reply.raw({static_cast<std::uint8_t>(0xc0 | (previous >> 8)), static_cast<std::uint8_t>(previous & 0xff)});
        reply.raw(tail);
        previous = here;
        ++names;
    }
    reply.claim_answers(static_cast<unsigned>(names));
    const Usage before = usage_now();
    for (int i = 0; i < rounds; ++i) EXPECT_EQ(txt_answer(reply.bytes()).status, DnsStatus::server_failure);
    const Usage after = usage_now();
    EXPECT_LT((after.cpu_s - before.cpu_s) / rounds, max_cpu_per_decode_s);
}

}  // namespace
}  // namespace spf
