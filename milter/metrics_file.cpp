// milter/metrics_file.cpp: see metrics_file.hpp.
#include "milter/metrics_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace milter {

std::optional<std::string> replace_file(const std::string& path, const std::string& text) {
    const std::string temporary = path + ".tmp";
    // O_NOFOLLOW: a link put where the temporary file goes is not followed.
    const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return "cannot create " + temporary + ": " + std::strerror(errno);
    // Readable by the collector (prometheus-node-exporter runs as its own
    // user) whatever the daemon's umask: the unit's UMask=0007 would give 0640.
    if (fchmod(fd, 0644) != 0) {
        const std::string error = std::strerror(errno);
        close(fd);
        unlink(temporary.c_str());
        return "cannot make " + temporary + " readable: " + error;
    }
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t step = ::write(fd, text.data() + written, text.size() - written);
        if (step < 0 && errno == EINTR) continue;
        if (step <= 0) {
            const std::string error = std::strerror(errno);
            close(fd);
            unlink(temporary.c_str());
            return "cannot write " + temporary + ": " + error;
        }
        written += static_cast<std::size_t>(step);
    }
    if (close(fd) != 0) {
        unlink(temporary.c_str());
        return "cannot write " + temporary + ": " + std::strerror(errno);
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string error = std::strerror(errno);
        unlink(temporary.c_str());
        return "cannot rename " + temporary + " to " + path + ": " + error;
    }
    return std::nullopt;
}

MetricsFileWriter::MetricsFileWriter(std::string path, std::chrono::milliseconds period,
                                     std::function<std::string()> render, Logger& log)
    : path_(std::move(path)), period_(period), render_(std::move(render)), log_(log) {
    write();
    try {
        thread_ = std::thread(&MetricsFileWriter::run, this);
    } catch (const std::system_error& error) {
        log_.warning("metrics_file: no thread to rewrite " + path_ + ": " + error.what());
    }
}

MetricsFileWriter::~MetricsFileWriter() {
    {
        const std::lock_guard lock(mutex_);
        stopped_ = true;
    }
    stopping_.notify_all();
    if (thread_.joinable()) thread_.join();
    write();
}

void MetricsFileWriter::write() {
    const auto error = replace_file(path_, render_());
    if (error && !failing_) log_.warning("metrics_file: " + *error + " (said once until it works again)");
    if (!error && failing_) log_.info("metrics_file: " + path_ + " written again");
    failing_ = error.has_value();
}

void MetricsFileWriter::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_.wait_for(lock, period_, [&] { return stopped_; })) {
        lock.unlock();
        write();
        lock.lock();
    }
}

}  // namespace milter
