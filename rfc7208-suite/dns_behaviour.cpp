// rfc7208-suite/dns_behaviour.cpp: the text forms of dns_behaviour.hpp.
#include "rfc7208-suite/dns_behaviour.hpp"

#include <array>
#include <charconv>
#include <optional>
#include <utility>

namespace spf::testdns {

namespace {

using Mode = Behaviour::Mode;

// What a mode's text form takes after a colon.
enum class Argument : std::uint8_t { none, milliseconds, optional_octets, count };

struct ModeSpec {
    Mode mode;
    std::string_view name;
    Argument argument;
};

// The one table of modes: parse_behaviour() and to_string() both read it.
constexpr std::array<ModeSpec, 18> modes{{
    {Mode::normal, "normal", Argument::none},
    {Mode::silence, "silence", Argument::none},
    {Mode::delay, "delay", Argument::milliseconds},
    {Mode::wrong_id, "wrong-id", Argument::none},
    {Mode::no_question, "no-question", Argument::none},
    {Mode::other_question, "other-question", Argument::none},
    {Mode::garbage, "garbage", Argument::none},
    {Mode::truncated, "truncated", Argument::none},
    {Mode::tcp_garbage, "tcp-garbage", Argument::none},
    {Mode::tcp_stall, "tcp-stall", Argument::none},
    {Mode::tcp_max_size, "tcp-max-size", Argument::none},
    {Mode::many_strings, "many-strings", Argument::optional_octets},
    {Mode::many_records, "many-records", Argument::count},
    {Mode::compression_loop, "compression-loop", Argument::none},
    {Mode::compression_forward, "compression-forward", Argument::none},
    {Mode::nxdomain_with_answers, "nxdomain-with-answers", Argument::none},
    {Mode::servfail, "servfail", Argument::none},
    {Mode::refused, "refused", Argument::none},
}};

std::optional<std::size_t> number(std::string_view text) {
    std::size_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

std::variant<Behaviour, std::string> parse_behaviour(std::string_view text) {
    const std::size_t colon = text.find(':');
    const std::string_view name = text.substr(0, colon);
    const std::optional<std::string_view> argument =
        colon == std::string_view::npos ? std::nullopt : std::optional(text.substr(colon + 1));
    for (const ModeSpec& spec : modes) {
        if (spec.name != name) continue;
        Behaviour behaviour;
        behaviour.mode = spec.mode;
        if (spec.argument == Argument::none) {
            if (argument) return "behaviour " + std::string(name) + " takes no argument";
            return behaviour;
        }
        if (spec.argument == Argument::optional_octets && !argument) {
            behaviour.count = 1;
            return behaviour;
        }
        if (!argument) return "behaviour " + std::string(name) + " needs a number after ':'";
        const std::optional<std::size_t> value = number(*argument);
        switch (spec.argument) {
            case Argument::milliseconds:
                if (!value || *value > 600000) return "bad delay \"" + std::string(*argument) + "\" (0 to 600000 ms)";
                behaviour.delay = std::chrono::milliseconds(*value);
                break;
            case Argument::optional_octets:
                if (!value || *value < 1 || *value > 255)
                    return "bad string length \"" + std::string(*argument) + "\" (1 to 255 octets)";
                behaviour.count = *value;
                break;
            case Argument::count:
                if (!value || *value > 65535) return "bad count \"" + std::string(*argument) + "\" (0 to 65535)";
                behaviour.count = *value;
                break;
            case Argument::none: break;
        }
        return behaviour;
    }
    std::string known;
    for (const ModeSpec& spec : modes) known += (known.empty() ? "" : ", ") + std::string(spec.name);
    return "unknown behaviour \"" + std::string(name) + "\" (one of " + known + ")";
}

std::string to_string(const Behaviour& behaviour) {
    for (const ModeSpec& spec : modes) {
        if (spec.mode != behaviour.mode) continue;
        switch (spec.argument) {
            case Argument::none: return std::string(spec.name);
            case Argument::milliseconds: return std::string(spec.name) + ":" + std::to_string(behaviour.delay.count());
            case Argument::optional_octets:
            case Argument::count: return std::string(spec.name) + ":" + std::to_string(behaviour.count);
        }
    }
    return "normal";
}

}  // namespace spf::testdns
