// milter/metrics_file.hpp: metrics_file, the metrics written to a file every
// metrics_interval seconds for prometheus-node-exporter's textfile collector
// (Debian: /var/lib/prometheus/node-exporter/*.prom). The file is replaced
// atomically (written beside it, then renamed), so the collector never reads
// half a file. A failure to write is logged once, and again once it works.
#pragma once

#include "milter/log.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace milter {

// Writes text to path through path + ".tmp" and rename(); the error text.
std::optional<std::string> replace_file(const std::string& path, const std::string& text);

class MetricsFileWriter {
public:
    // Writes once at once, then every period from a thread of its own, and
    // once more when destroyed (the final counts).
    MetricsFileWriter(std::string path, std::chrono::milliseconds period, std::function<std::string()> render,
                      Logger& log);
    ~MetricsFileWriter();
    MetricsFileWriter(const MetricsFileWriter&) = delete;
    MetricsFileWriter& operator=(const MetricsFileWriter&) = delete;

private:
    void write();
    void run();

    const std::string path_;
    const std::chrono::milliseconds period_;
    std::function<std::string()> render_;
    Logger& log_;
    bool failing_ = false;
    std::mutex mutex_;
    std::condition_variable stopping_;
    bool stopped_ = false;
    std::thread thread_;
};

}  // namespace milter
