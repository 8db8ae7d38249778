// Tests of spf/dns_name.cpp: names to and from their wire form.
#include "spf/dns_name.hpp"

#include <gtest/gtest.h>

namespace {

using Wire = std::vector<std::uint8_t>;

Wire wire_of(std::string_view name) { return std::get<Wire>(spf::encode_name(name)); }
std::string error_of(std::string_view name) { return std::get<std::string>(spf::encode_name(name)); }

TEST(EncodeName, LabelsOctetForOctet) {
    EXPECT_EQ(wire_of("a.Example"), (Wire{1, 'a', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 0}));
    EXPECT_EQ(wire_of("a.example."), wire_of("a.example"));
    EXPECT_EQ(wire_of(""), Wire{0});
    EXPECT_EQ(wire_of("."), Wire{0});
    // A backslash is an octet like any other: no escapes.
    EXPECT_EQ(wire_of("a\\b.c"), (Wire{3, 'a', '\\', 'b', 1, 'c', 0}));
}

TEST(EncodeName, RefusesWhatHasNoWireForm) {
    EXPECT_EQ(error_of("a..example"), "empty label");
    EXPECT_EQ(error_of(".example"), "empty label");
    EXPECT_EQ(error_of("a.example.."), "empty label");
    EXPECT_EQ(error_of(std::string(64, 'a') + ".example"), "label longer than 63 octets");
    std::string long_name;
    for (int i = 0; i < 4; ++i) long_name += std::string(63, 'a') + ".";
    EXPECT_EQ(error_of(long_name), "name longer than 255 octets");
    // 253 octets of text is the longest name that fits.
    const std::string longest =
        std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." + std::string(61, 'd');
    EXPECT_EQ(wire_of(longest).size(), 255U);
}

TEST(DecodeName, InvertsEncode) {
    for (std::string_view name : {"", "example.com", "_spf.Example.COM", "x"})
        EXPECT_EQ(spf::decode_name(wire_of(name)), std::string(name));
}

TEST(DecodeName, RefusesMalformedWire) {
    EXPECT_EQ(spf::decode_name(Wire{}), std::nullopt);              // no root label
    EXPECT_EQ(spf::decode_name(Wire{3, 'a', 'b'}), std::nullopt);   // label past the end
    EXPECT_EQ(spf::decode_name(Wire{1, 'a', 0, 0}), std::nullopt);  // bytes after the root
    EXPECT_EQ(spf::decode_name(Wire{0xc0, 0x0c}), std::nullopt);    // a pointer: not here
    Wire long_label{64};
    long_label.insert(long_label.end(), 64, 'a');
    long_label.push_back(0);
    EXPECT_EQ(spf::decode_name(long_label), std::nullopt);
}

}  // namespace
