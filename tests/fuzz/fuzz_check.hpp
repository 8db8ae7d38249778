// tests/fuzz/fuzz_check.hpp: how a fuzz target reports a failed property.
// It prints what failed with the values involved and aborts, which libFuzzer
// records as a crash (and saves the input) and which fails a replay test.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace fuzz {

// The value in C-string form with every octet outside 0x20..0x7E as \xNN, so that
// the report itself stays one readable line.
inline std::string visible(std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (const char c : text) {
        const auto octet = static_cast<unsigned char>(c);
        if (octet >= 0x20 && octet <= 0x7e && c != '\\') {
            out += c;
        } else {
            out += "\\x";
            out += hex[octet >> 4];
            out += hex[octet & 0xf];
        }
    }
    return out;
}

[[noreturn]] inline void fail(std::string_view property, std::string_view first = {}, std::string_view second = {}) {
    std::fprintf(stderr, "property failed: %.*s\n", static_cast<int>(property.size()), property.data());
    if (!first.empty()) std::fprintf(stderr, "  1: \"%s\"\n", visible(first).c_str());
    if (!second.empty()) std::fprintf(stderr, "  2: \"%s\"\n", visible(second).c_str());
    std::abort();
}

inline void require(bool holds, std::string_view property, std::string_view first = {}, std::string_view second = {}) {
    if (!holds) fail(property, first, second);
}

}  // namespace fuzz
