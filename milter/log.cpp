// milter/log.cpp: see log.hpp.
#include "milter/log.hpp"

#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

namespace milter {

namespace {

int syslog_priority(LogLevel level) {
    switch (level) {
        case LogLevel::error: return LOG_ERR;
        case LogLevel::warning: return LOG_WARNING;
        case LogLevel::info: return LOG_INFO;
        case LogLevel::debug: return LOG_DEBUG;
    }
    return LOG_INFO;
}

std::string_view prefix_of(LogLevel level) {
    switch (level) {
        case LogLevel::error: return "error: ";
        case LogLevel::warning: return "warning: ";
        case LogLevel::info: return "";
        case LogLevel::debug: return "debug: ";
    }
    return "";
}

}  // namespace

int syslog_facility_code(std::string_view name) {
    static constexpr std::array<std::pair<std::string_view, int>, 13> facilities = {{
        {"mail", LOG_MAIL},
        {"daemon", LOG_DAEMON},
        {"user", LOG_USER},
        {"auth", LOG_AUTH},
        {"authpriv", LOG_AUTHPRIV},
        {"local0", LOG_LOCAL0},
        {"local1", LOG_LOCAL1},
        {"local2", LOG_LOCAL2},
        {"local3", LOG_LOCAL3},
        {"local4", LOG_LOCAL4},
        {"local5", LOG_LOCAL5},
        {"local6", LOG_LOCAL6},
        {"local7", LOG_LOCAL7},
    }};
    for (const auto& [facility, code] : facilities)
        if (facility == name) return code;
    return LOG_MAIL;
}

Logger::Logger(Destination destination, LogLevel level, std::string_view facility)
    : destination_(destination), level_(level), facility_(syslog_facility_code(facility)) {
    if (destination_ == Destination::syslog) openlog("spf-milter", LOG_PID | LOG_NDELAY, facility_);
}

Logger::Logger(Sink sink, LogLevel level) : sink_(std::move(sink)), level_(level) {}

Logger::~Logger() {
    if (!sink_ && destination_ == Destination::syslog) closelog();
}

void Logger::configure(LogLevel level, std::string_view facility) {
    level_.store(level, std::memory_order_relaxed);
    const std::lock_guard lock(mutex_);
    const int code = syslog_facility_code(facility);
    if (code == facility_) return;
    facility_ = code;
    if (!sink_ && destination_ == Destination::syslog) {
        closelog();
        openlog("spf-milter", LOG_PID | LOG_NDELAY, facility_);
    }
}

void Logger::write(LogLevel level, std::string_view line) {
    if (enabled(level)) emit(level, prefix_of(level), line);
}

void Logger::fatal(std::string_view line) { emit(LogLevel::error, "fatal: ", line); }

// The prefix and the line go out as they are, without a copy joining them:
// one line per message is logged from every connection's thread.
void Logger::emit(LogLevel level, std::string_view prefix, std::string_view line) {
    const int prefix_length = static_cast<int>(prefix.size());
    const int line_length = static_cast<int>(std::min<std::size_t>(line.size(), 1U << 20U));
    const std::lock_guard lock(mutex_);
    if (sink_) {
        sink_(level, std::string(prefix) + std::string(line));
    } else if (destination_ == Destination::syslog) {
        syslog(facility_ | syslog_priority(level), "%.*s%.*s", prefix_length, prefix.data(), line_length, line.data());
    } else {
        std::fprintf(stderr, "spf-milter[%ld]: %.*s%.*s\n", static_cast<long>(getpid()), prefix_length, prefix.data(),
                     line_length, line.data());
        std::fflush(stderr);
    }
}

}  // namespace milter
