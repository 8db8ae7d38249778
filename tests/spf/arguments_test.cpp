// tests/spf/arguments_test.cpp: spf/cli/arguments.cpp, the command-line convention
// that spf-query(1) and spf-milter(8) share.
#include "spf/cli/arguments.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

namespace {

using spf::cli::Argument;
using spf::cli::OptionSpec;

constexpr OptionSpec specs[] = {
    {.long_name = "--ip", .short_name = "", .takes_value = true},
    {.long_name = "--from", .short_name = "", .takes_value = true},
    {.long_name = "--config", .short_name = "-c", .takes_value = true},
    {.long_name = "--json", .short_name = "", .takes_value = false},
    {.long_name = "--foreground", .short_name = "-f", .takes_value = false},
    {.long_name = "", .short_name = "-n", .takes_value = false},
};

// The words kept alive for the string_views the parser returns.
struct Line {
    std::vector<std::string> words;
    std::vector<std::string_view> views;
    explicit Line(std::initializer_list<const char*> list) : words(list.begin(), list.end()) {
        for (const std::string& word : words) views.emplace_back(word);
    }
};

std::vector<Argument> parsed(const Line& line) {
    auto result = spf::cli::parse_arguments(line.views, specs);
    if (auto* error = std::get_if<std::string>(&result)) {
        ADD_FAILURE() << *error;
        return {};
    }
    return std::get<std::vector<Argument>>(result);
}

std::string error(const Line& line) {
    auto result = spf::cli::parse_arguments(line.views, specs);
    if (auto* message = std::get_if<std::string>(&result)) return *message;
    ADD_FAILURE() << "no error";
    return {};
}

TEST(Arguments, TakeALongValueFromTheNextArgumentOrAfterEquals) {
    const Line line{"--ip", "192.0.2.1", "--ip=192.0.2.2", "--from=a=b@example.com"};
    const auto list = parsed(line);
    ASSERT_EQ(list.size(), 3U);
    EXPECT_EQ(list[0].option, "--ip");
    EXPECT_EQ(list[0].value, "192.0.2.1");
    EXPECT_EQ(list[1].value, "192.0.2.2");
    EXPECT_EQ(list[1].written, "--ip");
    EXPECT_EQ(list[2].option, "--from");
    EXPECT_EQ(list[2].value, "a=b@example.com");  // only the first '=' splits
}

TEST(Arguments, ReadAnEmptyValueAfterEqualsOrAsTheNextArgument) {
    const Line line{"--from=", "--ip", ""};
    const auto list = parsed(line);
    ASSERT_EQ(list.size(), 2U);
    ASSERT_TRUE(list[0].value.has_value());
    EXPECT_EQ(*list[0].value, "");
    ASSERT_TRUE(list[1].value.has_value());
    EXPECT_EQ(*list[1].value, "");
}

TEST(Arguments, TakeAShortValueFromTheNextArgumentOrAttached) {
    const Line line{"-c", "/etc/x.conf", "-c/etc/y.conf"};
    const auto list = parsed(line);
    ASSERT_EQ(list.size(), 2U);
    EXPECT_EQ(list[0].option, "--config");
    EXPECT_EQ(list[0].written, "-c");
    EXPECT_EQ(list[0].value, "/etc/x.conf");
    EXPECT_EQ(list[1].value, "/etc/y.conf");
}

TEST(Arguments, NameAnOptionByItsLongNameWhicheverWasWritten) {
    const Line line{"-f", "--foreground", "-n"};
    const auto list = parsed(line);
    ASSERT_EQ(list.size(), 3U);
    EXPECT_EQ(list[0].option, "--foreground");
    EXPECT_EQ(list[1].option, "--foreground");
    EXPECT_EQ(list[0].written, "-f");
    EXPECT_EQ(list[2].option, "-n");  // no long name
    EXPECT_FALSE(list[0].value.has_value());
}

TEST(Arguments, TakeTheNextArgumentAsAValueEvenIfItLooksLikeAnOption) {
    const Line line{"--from", "--json"};
    const auto list = parsed(line);
    ASSERT_EQ(list.size(), 1U);
    EXPECT_EQ(list[0].value, "--json");
}

TEST(Arguments, KeepOperandsInOrder) {
    const Line line{"extra", "--json", "-"};
    const auto list = parsed(line);
    ASSERT_EQ(list.size(), 3U);
    EXPECT_EQ(list[0].option, "");
    EXPECT_EQ(list[0].written, "extra");
    EXPECT_EQ(list[1].option, "--json");
    EXPECT_EQ(list[2].option, "");
    EXPECT_EQ(list[2].written, "-");
}

TEST(Arguments, ReportAnUnknownOptionAtOnceNotAsMissingAValue) {
    EXPECT_EQ(error(Line{"--bogus"}), "unknown option --bogus");
    EXPECT_EQ(error(Line{"--ip", "192.0.2.1", "--bogus"}), "unknown option --bogus");
    EXPECT_EQ(error(Line{"--bogus=1"}), "unknown option --bogus");
    EXPECT_EQ(error(Line{"-x"}), "unknown option -x");
    EXPECT_EQ(error(Line{"-xvalue"}), "unknown option -x");
    EXPECT_EQ(error(Line{"--"}), "unknown option --");
    // Not the prefix of a known one either.
    EXPECT_EQ(error(Line{"--js"}), "unknown option --js");
    // The first problem in the line is the one reported.
    EXPECT_EQ(error(Line{"--bogus", "--ip"}), "unknown option --bogus");
}

TEST(Arguments, SayNeedsAValueOnlyOfAValueOptionAtTheEnd) {
    EXPECT_EQ(error(Line{"--ip"}), "option --ip needs a value");
    EXPECT_EQ(error(Line{"--json", "-c"}), "option -c needs a value");
}

TEST(Arguments, RefuseAValueForAFlag) {
    EXPECT_EQ(error(Line{"--json=1"}), "option --json takes no value");
    EXPECT_EQ(error(Line{"--json="}), "option --json takes no value");
    EXPECT_EQ(error(Line{"-fn"}), "option -f takes no value (give each short option on its own: -f -n)");
}

TEST(Arguments, ReadWholeNumbersOnly) {
    EXPECT_EQ(spf::cli::parse_number("2.5"), 2.5);
    EXPECT_EQ(spf::cli::parse_number("0"), 0.0);
    EXPECT_EQ(spf::cli::parse_number("-1"), -1.0);
    for (const char* bad : {"", " 1", "1 ", "1s", "+1", "inf", "nan", "0x10"}) {
        SCOPED_TRACE(bad);
        EXPECT_FALSE(spf::cli::parse_number(bad).has_value());
    }
    EXPECT_EQ(spf::cli::parse_integer("1234"), 1234);
    for (const char* bad : {"", "12.0", "1e3", "+5", "5x", "99999999999999999999999"}) {
        SCOPED_TRACE(bad);
        EXPECT_FALSE(spf::cli::parse_integer(bad).has_value());
    }
}

}  // namespace
