// rfc7208-suite/dns_behaviour.hpp: how the loopback DNS server misbehaves for one
// name, so that tests can show what a resolver does with a hostile or broken
// server. ZoneDnsServer::set_behaviour() selects one per name (C++ tests);
// spf-test-dns --behaviour NAME=MODE selects one from the command line (the
// --simulate and end-to-end tests). The zone still says what the records are;
// the behaviour says what goes on the wire instead of the honest reply.
//
// Text forms (parse_behaviour / to_string):
//   normal                  the honest reply (the default for every name)
//   silence                 no reply at all
//   delay:MS                the honest reply, MS milliseconds late (UDP; TCP answers at once)
//   wrong-id                the reply with another message ID
//   no-question             QDCOUNT=0, right ID, the records in the answer section
//   other-question          the question section asks for another name
//   garbage                 right header and question, then octets that are no RR
//   truncated               the reply cut in the middle of its last record, TC clear
//   tcp-garbage             TC=1 over UDP; over TCP, garbage (as above)
//   tcp-stall               TC=1 over UDP; over TCP, the length and half the reply, then
//                           nothing: the connection is held open until the client closes
//   tcp-max-size            TC=1 over UDP; over TCP, the records padded with non-SPF TXT
//                           records to exactly 65,535 octets, the most TCP can frame
//   many-strings[:N]        each TXT record split into character-strings of N octets
//                           (default 1); TC=1 over UDP when it does not fit
//   many-records:N          the records, then N filler records of the asked type
//   compression-loop        the answer's owner name is a pointer to itself
//   compression-forward     the answer's owner name points forward, at a later name
//   nxdomain-with-answers   rcode NXDOMAIN, the records in the answer section
//   servfail, refused       that rcode, the records in the answer section
// Wherever a reply carries records they are the zone's, so a resolver that wrongly
// accepts a broken reply gets the zone's answer and a test can see it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace spf::testdns {

struct Behaviour {
    enum class Mode : std::uint8_t {
        normal,
        silence,
        delay,
        wrong_id,
        no_question,
        other_question,
        garbage,
        truncated,
        tcp_garbage,
        tcp_stall,
        tcp_max_size,
        many_strings,
        many_records,
        compression_loop,
        compression_forward,
        nxdomain_with_answers,
        servfail,
        refused,
    };
    Mode mode = Mode::normal;
    std::chrono::milliseconds delay{0};  // delay
    std::size_t count = 0;               // many_strings: octets per string (1..255); many_records: filler records

    friend bool operator==(const Behaviour&, const Behaviour&) = default;
};

// "delay:1500", "many-records:2000", ... (the forms above); error text otherwise.
std::variant<Behaviour, std::string> parse_behaviour(std::string_view text);
// The text form, parseable by parse_behaviour().
std::string to_string(const Behaviour& behaviour);

}  // namespace spf::testdns
