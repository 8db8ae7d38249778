// tests/fuzz/reply.cpp: answer_from_reply(), the one mapping from a DNS reply in
// wire form to an Answer (spf/ldns_resolver.hpp).
// Input: the first octet chooses the question (its type, and whether the name is
// asked as "example.com" or "EXAMPLE.com"); the rest, up to 65,535 octets (the
// largest TCP message, RFC 1035 §4.2.2), is the reply. Properties:
//   - the status is ok exactly when records of the asked type came back, and they
//     are only of that type (A: IPv4 addresses, AAAA: IPv6, TXT: texts, MX/PTR: names);
//   - the detail names the server;
//   - the texts are made of the reply's character-strings, so together they are no
//     longer than the reply;
//   - memory and time are linear in the reply: run-fuzzers.sh runs this target with
//     -rss_limit_mb and -timeout low enough that a quadratic decoder trips them, and
//     the replay test bounds the peak resident set (tests/fuzz/CMakeLists.txt).
#include "fuzz_check.hpp"
#include "spf/ldns_resolver.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    constexpr std::array<spf::RrType, 5> types = {spf::RrType::txt, spf::RrType::a, spf::RrType::aaaa, spf::RrType::mx,
                                                  spf::RrType::ptr};
    const spf::Question question{(data[0] / types.size()) % 2 == 0 ? "example.com" : "EXAMPLE.com",
                                 types[data[0] % types.size()]};
    const std::span<const std::uint8_t> reply(data + 1, std::min<std::size_t>(size - 1, 65535));

    const spf::Answer answer = spf::answer_from_reply(reply, question, "fuzz");
    const std::string type(spf::to_string(question.type));
    fuzz::require((answer.status == spf::DnsStatus::ok) == !answer.empty(), "status ok exactly with records",
                  std::string(spf::to_string(answer.status)), answer.detail);
    fuzz::require(answer.status != spf::DnsStatus::timeout, "a reply is never a timeout", answer.detail);
    fuzz::require(answer.detail.ends_with(" from fuzz"), "the detail names the server", answer.detail);

    const bool txt = question.type == spf::RrType::txt;
    const bool address = question.type == spf::RrType::a || question.type == spf::RrType::aaaa;
    fuzz::require(txt || answer.texts.empty(), "texts only for TXT", type);
    fuzz::require(address || answer.addresses.empty(), "addresses only for A and AAAA", type);
    fuzz::require(!(txt || address) || answer.names.empty(), "names only for MX and PTR", type);
    for (const spf::IpAddress& ip : answer.addresses)
        fuzz::require(ip.is_v4() == (question.type == spf::RrType::a), "A gives IPv4, AAAA gives IPv6", ip.to_string(),
                      type);
    std::size_t text_octets = 0;
    for (const std::string& text : answer.texts) text_octets += text.size();
    fuzz::require(text_octets <= reply.size(), "the texts come from the reply's octets", std::to_string(text_octets),
                  std::to_string(reply.size()));
    for (const std::string& name : answer.names)
        fuzz::require(name.size() <= 1024, "a name is at most 255 octets (escaped: 4 text octets per octet)", name);
    return 0;
}
