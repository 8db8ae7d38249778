// rfc7208-suite/suite_loader.hpp: reads test files in the openspf suite's YAML
// format (plain or .gz) into scenarios: a Zone and the cases played against it.
// The zonedata rules are those of the reference driver (testspf.py, getrdata):
// type SPF records become TXT records for a name that has no TXT record of its
// own (appended after its other records), a TXT of "NONE" is no record but
// still stops that, and a bare TIMEOUT entry makes the name time out.
#pragma once

#include "spf/zone.hpp"

#include <string>
#include <variant>
#include <vector>

namespace spf::suite {

struct TestCase {
    std::string name;
    std::string spec;  // RFC section, e.g. "4.6.4/1"
    std::string description;
    std::string helo;
    std::string host;  // the client IP, as written
    std::string mail_from;
    std::vector<std::string> results;  // acceptable results, preferred first
    std::optional<std::string> explanation;
};

struct Scenario {
    std::string description;
    Zone zone;
    std::vector<TestCase> cases;
};

// Reads every YAML document of the file. Errors name the file and what is wrong.
std::variant<std::vector<Scenario>, std::string> load_suite(const std::string& path);

}  // namespace spf::suite
