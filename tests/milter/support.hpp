// tests/milter/support.hpp: small helpers shared by the milter tests: a Config
// from text, a clock that only moves when told, and a Session / Transaction in
// one line.
#pragma once

#include "milter/config.hpp"
#include "milter/connection.hpp"
#include "milter/envelope.hpp"
#include "spf/check_host.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <variant>

namespace milter::test {

// Parses configuration text; a test fails (and gets the defaults) on an error.
inline Config config_from(const std::string& text) {
    auto parsed = parse_config(text, "test.conf");
    if (auto* error = std::get_if<ConfigError>(&parsed)) {
        ADD_FAILURE() << error->to_string();
        return default_config();
    }
    return std::get<Config>(parsed);
}

// A clock that stands still at a fixed point unless a test advances it.
class ManualClock final : public spf::Clock {
public:
    std::chrono::steady_clock::time_point now() const override { return now_; }
    std::int64_t unix_time() const override { return 1700000000; }
    void advance(std::chrono::milliseconds by) { now_ += by; }
    std::chrono::steady_clock::time_point start() const { return start_; }

private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
    std::chrono::steady_clock::time_point now_ = start_;
};

inline spf::IpAddress ip(const char* text) { return *spf::IpAddress::parse(text); }

inline Session session(const char* client, const std::string& helo, const std::string& mta = "mx.example.net") {
    return Session{ip(client), helo, mta};
}

inline Transaction transaction(const std::string& reverse_path, const std::string& auth_authen = "") {
    return Transaction{parse_reverse_path(reverse_path), auth_authen, ""};
}

}  // namespace milter::test
