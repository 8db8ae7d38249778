// milter/list_file.cpp: see list_file.hpp.
#include "milter/list_file.hpp"

#include "spf/text.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace milter {

std::variant<std::vector<ListEntry>, std::string> split_list_file(std::string_view text, std::string_view path) {
    std::vector<ListEntry> entries;
    unsigned line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const std::size_t newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        line = spf::trimmed(line.substr(0, line.find('#')));
        if (line.empty()) continue;
        // A comma would make two entries of one line, which an administrator
        // reading the file would not expect; a list file is one entry a line.
        if (line.find(',') != std::string_view::npos)
            return std::string(path) + ":" + std::to_string(line_number) + ": one entry a line, no commas";
        entries.push_back({line_number, std::string(line)});
    }
    return entries;
}

std::variant<std::vector<ListEntry>, std::string> read_list_file(const std::string& path) {
    if (path.empty() || path.front() != '/') return "'" + path + "': a list file needs an absolute path";
    errno = 0;
    std::ifstream file(path, std::ios::binary);
    if (!file) return "cannot open list file " + path + ": " + std::strerror(errno);
    std::string text;
    char buffer[65536];
    while (file.read(buffer, sizeof buffer) || file.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(file.gcount()));
        if (text.size() > list_file_max_bytes)
            return "list file " + path + " is larger than " + std::to_string(list_file_max_bytes >> 20U) + " MiB";
    }
    if (file.bad()) return "cannot read list file " + path + ": " + std::strerror(errno);
    return split_list_file(text, path);
}

}  // namespace milter
