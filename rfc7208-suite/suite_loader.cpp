// rfc7208-suite/suite_loader.cpp: see suite_loader.hpp.
#include "rfc7208-suite/suite_loader.hpp"

#include <yaml-cpp/yaml.h>
#include <zlib.h>

#include <memory>

namespace spf::suite {

namespace {

// The whole file, gunzipped when it is gzip data (gzread passes plain files through).
std::variant<std::string, std::string> read_file(const std::string& path) {
    std::unique_ptr<gzFile_s, decltype(&gzclose)> file(gzopen(path.c_str(), "rb"), &gzclose);
    if (!file) return std::variant<std::string, std::string>(std::in_place_index<1>, "cannot open " + path);
    std::string text;
    char buffer[65536];
    int got = 0;
    while ((got = gzread(file.get(), buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(got));
    if (got < 0) return std::variant<std::string, std::string>(std::in_place_index<1>, "cannot read " + path);
    return std::variant<std::string, std::string>(std::in_place_index<0>, std::move(text));
}

std::vector<std::string> strings_of(const YAML::Node& value) {
    std::vector<std::string> strings;
    if (value.IsSequence()) {
        for (const auto& item : value) strings.push_back(item.as<std::string>());
    } else {
        strings.push_back(value.as<std::string>());
    }
    return strings;
}

ZoneRecord txt_record(std::vector<std::string> strings) {
    ZoneRecord record;
    record.kind = ZoneRecord::Kind::txt;
    record.strings = std::move(strings);
    return record;
}

// One zonedata entry ("- A: 192.0.2.1", "- TIMEOUT", ...) into zone records.
void add_entries(Zone& zone, const std::string& name, const YAML::Node& entries) {
    std::vector<ZoneRecord> generated;  // TXT made from SPF-type records
    bool has_txt = false;
    for (const auto& entry : entries) {
        if (entry.IsScalar()) {
            if (entry.as<std::string>() != "TIMEOUT")
                throw std::runtime_error("unknown entry " + entry.as<std::string>());
            ZoneRecord marker;
            marker.kind = ZoneRecord::Kind::timeout_all;
            zone.add(name, marker);
            continue;
        }
        for (const auto& item : entry) {
            const auto type = item.first.as<std::string>();
            const YAML::Node& value = item.second;
            ZoneRecord record;
            if (type == "SPF") {
                if (!has_txt) generated.push_back(txt_record(strings_of(value)));
                continue;  // type 99 is never queried (RFC 7208 §3.1)
            }
            if (type == "TXT") {
                has_txt = true;
                generated.clear();
                auto strings = strings_of(value);
                if (strings.size() == 1 && strings.front() == "NONE") continue;
                zone.add(name, txt_record(std::move(strings)));
                continue;
            }
            if (value.IsScalar() && value.as<std::string>() == "TIMEOUT") {
                record.timeout = true;
            }
            if (type == "A" || type == "AAAA") {
                record.kind = type == "A" ? ZoneRecord::Kind::a : ZoneRecord::Kind::aaaa;
                if (!record.timeout) {
                    auto address = IpAddress::parse(value.as<std::string>());
                    if (!address) throw std::runtime_error("bad address " + value.as<std::string>());
                    record.address = *address;
                }
            } else if (type == "MX") {
                record.kind = ZoneRecord::Kind::mx;
                if (!record.timeout) {
                    record.preference = value[0].as<std::uint16_t>();
                    record.target = value[1].as<std::string>();
                }
            } else if (type == "PTR" || type == "CNAME") {
                record.kind = type == "PTR" ? ZoneRecord::Kind::ptr : ZoneRecord::Kind::cname;
                if (!record.timeout) record.target = value.as<std::string>();
            } else {
                throw std::runtime_error("unknown record type " + type);
            }
            zone.add(name, record);
        }
    }
    for (auto& record : generated) zone.add(name, std::move(record));
}

TestCase read_case(const std::string& name, const YAML::Node& node) {
    TestCase test;
    test.name = name;
    auto text = [&](const char* key) { return node[key] ? node[key].as<std::string>() : std::string(); };
    test.spec = text("spec");
    test.description = text("description");
    test.helo = text("helo");
    test.host = text("host");
    test.mail_from = text("mailfrom");
    test.results = strings_of(node["result"]);
    if (node["explanation"]) test.explanation = node["explanation"].as<std::string>();
    return test;
}

}  // namespace

std::variant<std::vector<Scenario>, std::string> load_suite(const std::string& path) {
    auto text = read_file(path);
    if (text.index() == 1) return std::get<1>(text);
    std::vector<Scenario> scenarios;
    try {
        for (const YAML::Node& document : YAML::LoadAll(std::get<0>(text))) {
            if (!document.IsMap()) continue;
            Scenario scenario;
            if (document["description"]) scenario.description = document["description"].as<std::string>();
            if (document["zonedata"] && document["zonedata"].IsMap())
                for (const auto& item : document["zonedata"])
                    add_entries(scenario.zone, item.first.as<std::string>(), item.second);
            if (document["tests"] && document["tests"].IsMap())
                for (const auto& item : document["tests"])
                    scenario.cases.push_back(read_case(item.first.as<std::string>(), item.second));
            scenarios.push_back(std::move(scenario));
        }
    } catch (const std::exception& error) {  // yaml-cpp reports bad input by exception
        return path + ": " + error.what();
    }
    return scenarios;
}

}  // namespace spf::suite
