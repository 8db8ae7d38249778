// spf/dns_name.cpp: see dns_name.hpp.
#include "spf/dns_name.hpp"

#include <algorithm>

namespace spf {

std::variant<std::vector<std::uint8_t>, std::string> encode_name(std::string_view name) {
    name = without_trailing_dot(name);
    std::vector<std::uint8_t> wire;
    wire.reserve(name.size() + 2);
    while (!name.empty()) {
        const std::size_t dot = std::min(name.find('.'), name.size());
        if (dot == 0) return std::string("empty label");
        if (dot > max_label_octets) return std::string("label longer than 63 octets");
        wire.push_back(static_cast<std::uint8_t>(dot));
        wire.insert(wire.end(), name.begin(), name.begin() + static_cast<std::ptrdiff_t>(dot));
        if (dot == name.size()) break;
        name.remove_prefix(dot + 1);
        if (name.empty()) return std::string("empty label");  // "a..": the second dot
    }
    wire.push_back(0);
    if (wire.size() > max_name_octets) return std::string("name longer than 255 octets");
    return wire;
}

std::optional<std::string> decode_name(std::span<const std::uint8_t> wire) {
    std::string name;
    std::size_t position = 0;
    while (position < wire.size()) {
        const std::size_t length = wire[position++];
        if (length == 0) {
            if (position != wire.size()) return std::nullopt;
            return name;
        }
        if (length > max_label_octets || position + length > wire.size()) return std::nullopt;
        if (!name.empty()) name += '.';
        name.append(reinterpret_cast<const char*>(wire.data() + position), length);
        position += length;
    }
    return std::nullopt;
}

}  // namespace spf
