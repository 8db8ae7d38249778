// spf/result.cpp: the text forms of Result, RrType, DnsStatus and Identity.
#include "spf/result.hpp"
#include "spf/check_host.hpp"
#include "spf/resolver.hpp"

#include <array>

namespace spf {

namespace {
constexpr std::array<std::string_view, 7> result_names = {"none",     "neutral",   "pass",     "fail",
                                                          "softfail", "temperror", "permerror"};
}  // namespace

std::string_view to_string(Result result) { return result_names[static_cast<std::size_t>(result)]; }

std::optional<Result> result_from_string(std::string_view text) {
    for (std::size_t i = 0; i < result_names.size(); ++i)
        if (result_names[i] == text) return static_cast<Result>(i);
    return std::nullopt;
}

std::string_view to_string(RrType type) {
    switch (type) {
        case RrType::a: return "A";
        case RrType::aaaa: return "AAAA";
        case RrType::mx: return "MX";
        case RrType::txt: return "TXT";
        case RrType::ptr: return "PTR";
    }
    return "?";
}

std::string_view to_string(DnsStatus status) {
    switch (status) {
        case DnsStatus::ok: return "ok";
        case DnsStatus::no_data: return "no data";
        case DnsStatus::nxdomain: return "NXDOMAIN";
        case DnsStatus::server_failure: return "server failure";
        case DnsStatus::timeout: return "timeout";
    }
    return "?";
}

std::string_view to_string(AnswerSource source) {
    switch (source) {
        case AnswerSource::sent: return "sent";
        case AnswerSource::cache: return "cache";
        case AnswerSource::shared: return "shared";
    }
    return "?";
}

std::string_view to_string(Identity identity) { return identity == Identity::helo ? "helo" : "mailfrom"; }

}  // namespace spf
