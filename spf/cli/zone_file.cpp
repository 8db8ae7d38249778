// spf/cli/zone_file.cpp: see zone_file.hpp.
#include "spf/cli/zone_file.hpp"

#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace spf::cli {

std::variant<Zone, std::string> read_zone_file(const std::string& path) {
    // A directory opens and reads as empty on Linux: an empty zone would answer
    // NXDOMAIN for everything without a word.
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) return path + ": " + std::strerror(errno);
    if (S_ISDIR(status.st_mode)) return path + ": is a directory, not a zone file";
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) return path + ": " + std::strerror(errno);
    // Bounded, so that a device that never ends (--zone /dev/zero) is an error,
    // while a pipe (--zone <(...)) still works: no zone worth typing is this big.
    constexpr std::size_t max_size = 64 * 1024 * 1024;
    std::string text;
    std::array<char, 65536> buffer{};
    std::size_t got = 0;
    while ((got = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0) {
        text.append(buffer.data(), got);
        if (text.size() > max_size) return path + ": larger than 64 MiB, not a zone file";
    }
    if (std::ferror(file.get()) != 0) return path + ": " + std::strerror(errno);
    auto zone = Zone::from_text(text);
    if (auto* error = std::get_if<std::string>(&zone)) return path + ": " + *error;
    return std::get<Zone>(std::move(zone));
}

}  // namespace spf::cli
