// milter/list_file.hpp: the file:/path items of list keys (config_keys.hpp).
//   trusted_networks = 127.0.0.0/8, ::1, file:/etc/spf-milter/relays
// stands for those two networks and every entry of the file: one entry a line,
// blanks trimmed, empty lines skipped, '#' to the end of the line a comment.
// The files are read with the configuration, at start and at each reload, so a
// changed file takes effect with `systemctl reload`. An entry that a key
// refuses is reported with the list file's line as well as the config line.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace milter {

inline constexpr std::string_view list_file_prefix = "file:";
// Larger files are refused: every entry is held in memory and, for networks
// and domains, compared for every client.
inline constexpr std::size_t list_file_max_bytes = 4U << 20U;

struct ListEntry {
    unsigned line = 0;
    std::string text;
};

// The entries of the file at path (absolute), or an error message.
std::variant<std::vector<ListEntry>, std::string> read_list_file(const std::string& path);

// The entries of a file's text (what read_list_file() splits), or the first
// line that has a comma ("one entry a line").
std::variant<std::vector<ListEntry>, std::string> split_list_file(std::string_view text, std::string_view path);

}  // namespace milter
