// bench/milter_wire.hpp: the milter protocol (version 6) as the MTA side speaks
// it, for bench/milter_load: packets built and split, with no I/O. A packet is
// a 4-byte length in network order (command byte included), the command byte,
// then its data; strings inside are NUL-terminated.
#pragma once

#include <libmilter/mfdef.h>  // SMFIP_*: the protocol step flags

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace milter_wire {

// What Postfix 3.7 offers in its option negotiation: every action of version 6
// (SMFI_CURR_ACTS) and every protocol step flag it knows.
inline constexpr std::uint32_t version = 6;
inline constexpr std::uint32_t offered_actions = 0x1ff;
inline constexpr std::uint32_t offered_steps = 0x1fffff;

// The macro stages of SMFIR_SETSYMLIST / the OPTNEG reply (SMFIM_*).
enum class MacroStage : std::uint32_t { connect = 0, helo = 1, mail = 2, rcpt = 3, data = 4, eom = 5, eoh = 6 };
inline constexpr std::size_t macro_stage_count = 7;

inline void put32(std::string& out, std::uint32_t value) {
    out.push_back(static_cast<char>((value >> 24) & 0xff));
    out.push_back(static_cast<char>((value >> 16) & 0xff));
    out.push_back(static_cast<char>((value >> 8) & 0xff));
    out.push_back(static_cast<char>(value & 0xff));
}

inline std::uint32_t get32(std::string_view data, std::size_t at) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(data[at + i]);
    return value;
}

inline void put_string(std::string& out, std::string_view text) {
    out.append(text);
    out.push_back('\0');
}

inline std::string packet(char command, std::string_view data = {}) {
    std::string out;
    out.reserve(data.size() + 5);
    put32(out, static_cast<std::uint32_t>(data.size() + 1));
    out.push_back(command);
    out.append(data);
    return out;
}

inline std::string optneg() {
    std::string data;
    put32(data, version);
    put32(data, offered_actions);
    put32(data, offered_steps);
    return packet('O', data);
}

// SMFIC_MACRO for the stage whose command is `command`: name, value pairs.
inline std::string macros(char command, const std::vector<std::pair<std::string, std::string>>& pairs) {
    std::string data(1, command);
    for (const auto& [name, value] : pairs) {
        put_string(data, name);
        put_string(data, value);
    }
    return packet('D', data);
}

// SMFIC_CONNECT: host name, family ('4' or '6'), port, address text.
inline std::string connect(std::string_view host, bool ipv6, std::uint16_t port, std::string_view address) {
    std::string data;
    put_string(data, host);
    data.push_back(ipv6 ? '6' : '4');
    data.push_back(static_cast<char>(port >> 8));
    data.push_back(static_cast<char>(port & 0xff));
    put_string(data, address);
    return packet('C', data);
}

inline std::string strings(char command, const std::vector<std::string_view>& items) {
    std::string data;
    for (const auto item : items) put_string(data, item);
    return packet(command, data);
}

// One packet taken off the front of a stream.
struct Packet {
    char command = 0;
    std::string data;
};

// The first complete packet of `buffer` (which it removes), nothing if the
// packet is incomplete; `error` is set for a length no milter sends.
inline std::optional<Packet> take_packet(std::string& buffer, std::size_t& offset, bool& error) {
    constexpr std::uint32_t largest = 1U << 20;
    if (buffer.size() - offset < 4) return std::nullopt;
    const std::uint32_t length = get32(buffer, offset);
    if (length == 0 || length > largest) {
        error = true;
        return std::nullopt;
    }
    if (buffer.size() - offset < 4 + static_cast<std::size_t>(length)) return std::nullopt;
    Packet result;
    result.command = buffer[offset + 4];
    result.data = buffer.substr(offset + 5, length - 1);
    offset += 4 + length;
    return result;
}

// The milter's OPTNEG reply: its version, actions, steps, and the macro lists
// it asked for (SMFIF_SETSYMLIST), a space-separated list per stage.
struct Negotiated {
    std::uint32_t version = 0;
    std::uint32_t actions = 0;
    std::uint32_t steps = 0;
    std::array<std::optional<std::string>, macro_stage_count> macro_lists;
};

inline std::optional<Negotiated> parse_optneg_reply(std::string_view data) {
    if (data.size() < 12) return std::nullopt;
    Negotiated result;
    result.version = get32(data, 0);
    result.actions = get32(data, 4);
    result.steps = get32(data, 8);
    std::size_t at = 12;
    while (at < data.size()) {
        if (data.size() - at < 5) return std::nullopt;
        const std::uint32_t stage = get32(data, at);
        at += 4;
        const std::size_t end = data.find('\0', at);
        if (end == std::string_view::npos || stage >= macro_stage_count) return std::nullopt;
        result.macro_lists[stage] = std::string(data.substr(at, end - at));
        at = end + 1;
    }
    return result;
}

}  // namespace milter_wire
