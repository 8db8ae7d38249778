// milter/log.hpp: where log lines go: syslog (ident "spf-milter") or stderr (-f).
// Words with fixed meanings, as Postfix's msg_*: info is one line per decision;
// "warning:" odd but handled; "error:" failed and tempfailed; "fatal:" only at
// start-up (bad configuration, cannot bind), before the process exits.
// Thread-safe: callbacks of many connections log at once; a reload may change the
// level and the facility while they do.
#pragma once

#include "milter/config.hpp"

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace milter {

class Logger {
public:
    enum class Destination : std::uint8_t { syslog, standard_error };
    // For tests: every line that passes the level goes to the sink instead.
    using Sink = std::function<void(LogLevel level, std::string_view line)>;

    Logger(Destination destination, LogLevel level, std::string_view facility);
    explicit Logger(Sink sink, LogLevel level = LogLevel::debug);
    ~Logger();
    Logger(const Logger&) = delete;
    Logger& operator=(const Logger&) = delete;

    void configure(LogLevel level, std::string_view facility);
    bool enabled(LogLevel level) const { return level <= level_.load(std::memory_order_relaxed); }

    void error(std::string_view line) { write(LogLevel::error, line); }
    void warning(std::string_view line) { write(LogLevel::warning, line); }
    void info(std::string_view line) { write(LogLevel::info, line); }
    void debug(std::string_view line) { write(LogLevel::debug, line); }
    void fatal(std::string_view line);  // always written, at the error level

    void write(LogLevel level, std::string_view line);

private:
    void emit(LogLevel level, std::string_view prefix, std::string_view line);

    Destination destination_ = Destination::standard_error;
    Sink sink_;
    std::atomic<LogLevel> level_;
    std::mutex mutex_;
    int facility_ = 0;
};

// LOG_MAIL for "mail", and so on; names were checked by the config parser.
int syslog_facility_code(std::string_view name);

}  // namespace milter
