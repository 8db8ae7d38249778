// spf/cli/zone_file.hpp: a zone file for --zone (spf-query(1), spf-milter(8)
// --simulate): the text form of spf/zone.hpp read from disk, so that a record can
// be tried before it is published and a complaint replayed without a network.
#pragma once

#include "spf/zone.hpp"

#include <string>
#include <variant>

namespace spf::cli {

// The zone in path. Error text names the file, and the line for a syntax error:
// "my.zone: line 3: unknown record type \"TXTT\"", "my.zone: No such file or directory".
std::variant<Zone, std::string> read_zone_file(const std::string& path);

}  // namespace spf::cli
