// tests/milter/runtime_test.cpp: milter/runtime.cpp, the snapshot a connection keeps
// and the reload that replaces it: validated first, swapped only when whole, the
// old one kept (and the error named) when the new file is bad.
#include "milter/runtime.hpp"
#include "spf/zone.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace {

using milter::ConfigSource;
using milter::Runtime;
using milter::RuntimeHolder;

// A resolver factory that never touches the network and counts its calls.
struct FakeFactory {
    int calls = 0;
    bool fail = false;
    milter::ResolverFactory function() {
        return [this](const milter::Config&) -> std::variant<std::shared_ptr<spf::Resolver>, std::string> {
            ++calls;
            if (fail) return std::string("cannot set up DNS: no servers");
            return std::shared_ptr<spf::Resolver>(std::make_shared<spf::ZoneResolver>(spf::Zone{}));
        };
    }
};

class Reload : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = std::filesystem::temp_directory_path() / ("spf-milter-reload-" + std::to_string(::getpid()) + ".conf");
        source_.path = path_.string();
        source_.path_given = true;
        write("fail_action = reject\n");
        auto built = milter::build_runtime(std::get<milter::Config>(milter::load_config(source_)), factory_.function());
        holder_ = std::make_unique<RuntimeHolder>(std::get<std::shared_ptr<const Runtime>>(built));
    }
    void TearDown() override { std::filesystem::remove(path_); }
    void write(const std::string& text) { std::ofstream(path_, std::ios::trunc) << text; }

    std::filesystem::path path_;
    ConfigSource source_;
    FakeFactory factory_;
    std::unique_ptr<RuntimeHolder> holder_;
};

TEST_F(Reload, SwapsInTheNewConfiguration) {
    write("fail_action = tempfail\n");
    const auto outcome = holder_->reload(source_, factory_.function());
    EXPECT_TRUE(outcome.reloaded);
    EXPECT_EQ(outcome.error, "");
    EXPECT_EQ(holder_->current()->config.fail_action, milter::Action::tempfail);
    EXPECT_EQ(holder_->current()->generation, 2U);
    EXPECT_EQ(factory_.calls, 2);  // a new resolver with the new settings
}

TEST_F(Reload, ReadsAListFileAgainThoughTheConfigurationFileIsTheSame) {
    const auto list = std::filesystem::path(path_.string() + ".forwarders");
    std::ofstream(list) << "one.example\n";
    write("trusted_forwarders = file:" + list.string() + "\n");
    ASSERT_TRUE(holder_->reload(source_, factory_.function()).reloaded);
    EXPECT_EQ(holder_->current()->config.trusted_forwarders, (std::vector<std::string>{"one.example"}));
    std::ofstream(list, std::ios::trunc) << "one.example\ntwo.example\n";  // only the list changes
    ASSERT_TRUE(holder_->reload(source_, factory_.function()).reloaded);
    EXPECT_EQ(holder_->current()->config.trusted_forwarders, (std::vector<std::string>{"one.example", "two.example"}));
    std::ofstream(list, std::ios::trunc) << "bad..example\n";  // a bad list keeps what runs
    const auto outcome = holder_->reload(source_, factory_.function());
    EXPECT_FALSE(outcome.reloaded);
    EXPECT_NE(outcome.error.find(list.string() + ":1: "), std::string::npos) << outcome.error;
    EXPECT_EQ(holder_->current()->config.trusted_forwarders.size(), 2U);
    std::filesystem::remove(list);
}

TEST_F(Reload, KeepsTheOldConfigurationWhenTheFileIsBad) {
    const auto before = holder_->current();
    write("fail_action = tempfail\ncheck_timeout = forever\n");
    const auto outcome = holder_->reload(source_, factory_.function());
    EXPECT_FALSE(outcome.reloaded);
    EXPECT_EQ(outcome.error, source_.path + ":2: key 'check_timeout': 'forever' is not a number of seconds");
    EXPECT_EQ(holder_->current(), before);
    EXPECT_EQ(holder_->current()->config.fail_action, milter::Action::reject);
    EXPECT_EQ(factory_.calls, 1);  // nothing was built for the bad file
}

TEST_F(Reload, KeepsTheOldConfigurationWhenTheFileIsGone) {
    const auto before = holder_->current();
    std::filesystem::remove(path_);
    const auto outcome = holder_->reload(source_, factory_.function());
    EXPECT_FALSE(outcome.reloaded);
    EXPECT_NE(outcome.error.find("cannot open"), std::string::npos) << outcome.error;
    EXPECT_EQ(holder_->current(), before);
}

TEST_F(Reload, KeepsTheOldConfigurationWhenTheDefaultFileIsGone) {
    // Without -c (as the shipped unit runs) a missing default file means the
    // built-in defaults at start; at a reload it must not: a site with
    // fail_action = tempfail would start refusing with 550 after a SIGHUP.
    source_.path_given = false;
    write("fail_action = tempfail\n");
    ASSERT_TRUE(holder_->reload(source_, factory_.function()).reloaded);
    const auto before = holder_->current();
    std::filesystem::remove(path_);
    const auto outcome = holder_->reload(source_, factory_.function());
    EXPECT_FALSE(outcome.reloaded);
    EXPECT_EQ(outcome.error, source_.path + ": cannot open: No such file or directory");
    EXPECT_EQ(holder_->current(), before);
    EXPECT_EQ(holder_->current()->config.fail_action, milter::Action::tempfail);
}

TEST_F(Reload, KeepsTheOldConfigurationWhenTheResolverCannotBeBuilt) {
    const auto before = holder_->current();
    write("fail_action = accept\n");
    factory_.fail = true;
    const auto outcome = holder_->reload(source_, factory_.function());
    EXPECT_FALSE(outcome.reloaded);
    EXPECT_EQ(outcome.error, "cannot set up DNS: no servers");
    EXPECT_EQ(holder_->current(), before);
}

TEST_F(Reload, LeavesConnectionsInFlightWithTheirSnapshot) {
    const std::shared_ptr<const Runtime> in_flight = holder_->current();
    write("fail_action = accept\n");
    ASSERT_TRUE(holder_->reload(source_, factory_.function()).reloaded);
    EXPECT_EQ(in_flight->config.fail_action, milter::Action::reject);
    EXPECT_EQ(holder_->current()->config.fail_action, milter::Action::accept);
}

TEST_F(Reload, KeepsCommandLineOverridesAcrossReloads) {
    source_.overrides.socket = "inet:8893@127.0.0.1";
    write("socket = unix:/run/other.sock\n");
    ASSERT_TRUE(holder_->reload(source_, factory_.function()).reloaded);
    EXPECT_EQ(holder_->current()->config.socket.text, "inet:8893@127.0.0.1");
}

TEST_F(Reload, ComparesRestartOnlyKeysWithWhatRuns) {
    write("socket = inet:8893@127.0.0.1\n");
    EXPECT_EQ(holder_->reload(source_, factory_.function()).ignored, (std::vector<std::string>{"socket"}));
    write("socket = inet:8893@127.0.0.1\nfail_action = tempfail\n");
    EXPECT_EQ(holder_->reload(source_, factory_.function()).ignored, (std::vector<std::string>{"socket"}))
        << "still not what runs";
    write("fail_action = tempfail\n");  // back to the socket the daemon listens on
    const auto outcome = holder_->reload(source_, factory_.function());
    EXPECT_TRUE(outcome.reloaded);
    EXPECT_TRUE(outcome.ignored.empty()) << outcome.ignored.front();
}

TEST_F(Reload, NamesChangesThatNeedARestart) {
    write("socket = inet:8893@127.0.0.1\nuser = nobody\ndns_timeout = 2\nlisten_backlog = 128\n");
    const auto outcome = holder_->reload(source_, factory_.function());
    EXPECT_TRUE(outcome.reloaded);
    EXPECT_EQ(outcome.ignored, (std::vector<std::string>{"socket", "listen_backlog", "user"}));
}

}  // namespace

// The DNS cache across reloads, with the real resolver factory (building an
// LdnsResolver sends nothing): kept when the DNS setup is the same, new when
// the servers or the cache settings change, absent with dns_cache_entries = 0.
class CacheAcrossReload : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = std::filesystem::temp_directory_path() / ("spf-milter-cache-" + std::to_string(::getpid()) + ".conf");
        source_.path = path_.string();
        source_.path_given = true;
        write("dns_servers = 127.0.0.1:5353\n");
        auto built =
            milter::build_runtime(std::get<milter::Config>(milter::load_config(source_)), milter::make_ldns_resolver);
        holder_ = std::make_unique<RuntimeHolder>(std::get<std::shared_ptr<const Runtime>>(built));
    }
    void TearDown() override { std::filesystem::remove(path_); }
    void write(const std::string& text) { std::ofstream(path_, std::ios::trunc) << text; }
    milter::ReloadOutcome reload(const std::string& text) {
        write(text);
        return holder_->reload(source_, milter::make_ldns_resolver);
    }

    std::filesystem::path path_;
    ConfigSource source_;
    std::unique_ptr<RuntimeHolder> holder_;
};

TEST_F(CacheAcrossReload, SurvivesAReloadWithTheSameDnsServers) {
    const auto cache = holder_->current()->cache;
    ASSERT_NE(cache, nullptr);
    EXPECT_EQ(holder_->current()->resolver, cache);
    const auto outcome = reload("dns_servers = 127.0.0.1:5353\nfail_action = tempfail\n");
    ASSERT_TRUE(outcome.reloaded) << outcome.error;
    EXPECT_TRUE(outcome.cache_kept);
    EXPECT_EQ(holder_->current()->cache, cache);
    EXPECT_EQ(holder_->current()->config.fail_action, milter::Action::tempfail);
}

TEST_F(CacheAcrossReload, StartsAfreshWhenTheServersOrTheCacheSettingsChange) {
    const auto first = holder_->current()->cache;
    auto outcome = reload("dns_servers = 127.0.0.2:5353\n");
    ASSERT_TRUE(outcome.reloaded) << outcome.error;
    EXPECT_FALSE(outcome.cache_kept);
    const auto second = holder_->current()->cache;
    ASSERT_NE(second, nullptr);
    EXPECT_NE(second, first);
    outcome = reload("dns_servers = 127.0.0.2:5353\ndns_cache_max_ttl = 600\n");
    EXPECT_FALSE(outcome.cache_kept);
    EXPECT_EQ(holder_->current()->cache->options().max_ttl, std::chrono::seconds(600));
}

TEST_F(CacheAcrossReload, NoCacheWithZeroEntries) {
    const auto outcome = reload("dns_servers = 127.0.0.1:5353\ndns_cache_entries = 0\n");
    ASSERT_TRUE(outcome.reloaded) << outcome.error;
    EXPECT_EQ(holder_->current()->cache, nullptr);
    EXPECT_NE(holder_->current()->resolver, nullptr);
    EXPECT_EQ(dynamic_cast<spf::DnsCache*>(holder_->current()->resolver.get()), nullptr);
}
