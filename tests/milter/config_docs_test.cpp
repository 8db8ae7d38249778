// tests/milter/config_docs_test.cpp: the key table of milter/config_keys.hpp against
// the documents people read: packaging/spf-milter.conf (the commented example) and
// packaging/man/spf-milter.conf.5. A key added to the table but not to both, or a
// default changed in one place only, fails here (as Postfix checks its own docs).
#include "milter/config.hpp"
#include "milter/config_keys.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

std::string read(const std::string& relative) {
    std::ifstream file(std::string(SPF_SOURCE_DIR) + "/" + relative);
    EXPECT_TRUE(file.good()) << "cannot read " << relative;
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) lines.push_back(line);
    return lines;
}

TEST(ExampleConfig, ShowsEveryKeyWithItsDefault) {
    const auto lines = lines_of(read("packaging/spf-milter.conf"));
    for (const auto& key : milter::config_keys) {
        SCOPED_TRACE(std::string(key.name));
        // "# key = default" (or "#key = default"), the value exactly as in the table.
        const std::string expected =
            std::string(key.name) + " =" + (key.default_value.empty() ? "" : " " + std::string(key.default_value));
        bool found = false;
        for (const std::string& line : lines) {
            std::string text = line;
            if (text.starts_with("#")) text.erase(0, text.find_first_not_of("# "));
            while (!text.empty() && text.back() == ' ') text.pop_back();
            if (text == expected) found = true;
        }
        EXPECT_TRUE(found) << "no line '# " << expected << "' in packaging/spf-milter.conf";
    }
}

TEST(ExampleConfig, NamesOnlyKeysThatExist) {
    const std::regex key_line(R"(^#?\s*([a-z][a-z0-9_]*)\s*=.*$)");
    for (const std::string& line : lines_of(read("packaging/spf-milter.conf"))) {
        std::smatch match;
        if (std::regex_match(line, match, key_line)) {
            EXPECT_NE(milter::find_key(match[1].str()), nullptr) << "unknown key in the example: " << line;
        }
    }
}

TEST(ExampleConfig, IsAValidConfigurationAsShipped) {
    auto parsed = milter::parse_config(read("packaging/spf-milter.conf"), "packaging/spf-milter.conf");
    ASSERT_TRUE(std::holds_alternative<milter::Config>(parsed)) << std::get<milter::ConfigError>(parsed).to_string();
}

TEST(ManPage, DocumentsEveryKey) {
    const auto lines = lines_of(read("packaging/man/spf-milter.conf.5"));
    const std::set<std::string> lines_set(lines.begin(), lines.end());
    for (const auto& key : milter::config_keys) {
        SCOPED_TRACE(std::string(key.name));
        // Each key opens a tagged paragraph: ".TP" then ".B key".
        EXPECT_TRUE(lines_set.count(".B " + std::string(key.name)) == 1)
            << "no '.B " << key.name << "' line in packaging/man/spf-milter.conf.5";
    }
}

TEST(ManPage, GivesEveryDefault) {
    const std::string page = read("packaging/man/spf-milter.conf.5");
    for (const auto& key : milter::config_keys) {
        if (key.default_value.empty()) continue;
        SCOPED_TRACE(std::string(key.name));
        // Hyphens are escaped in roff ("\-"); percent signs and braces are not.
        std::string roff;
        for (char c : key.default_value) roff += c == '-' ? std::string("\\-") : std::string(1, c);
        EXPECT_NE(page.find("Default: " + roff), std::string::npos) << "no 'Default: " << roff << "'";
    }
}

}  // namespace
