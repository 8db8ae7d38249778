// tests/milter/metrics_test.cpp: milter/metrics.cpp, metrics_server.cpp and
// metrics_file.cpp: the exposition text, the HTTP listener (over loopback)
// and the atomically replaced file. promtool, when installed, checks the text
// (CI installs it); the end-to-end test has a real scraper (milter-metrics.sh).
#include "milter/metrics.hpp"
#include "milter/metrics_file.hpp"
#include "milter/metrics_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace {

using milter::Metrics;
using milter::MetricsGauges;

// The value of the sample line that starts with series ("name{labels}").
std::string value_of(const std::string& text, const std::string& series) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line))
        if (line.starts_with(series + " ")) return line.substr(series.size() + 1);
    return "(absent)";
}

TEST(Metrics, WriteEverySeriesFromTheStartAtZero) {
    const Metrics metrics;
    const std::string text = metrics.render({});
    EXPECT_EQ(value_of(text, "spf_milter_checks_total{identity=\"mailfrom\",result=\"fail\"}"), "0");
    EXPECT_EQ(value_of(text, "spf_milter_checks_total{identity=\"helo\",result=\"permerror\"}"), "0");
    EXPECT_EQ(value_of(text, "spf_milter_actions_total{stage=\"rcpt\",action=\"tempfail\"}"), "0");
    EXPECT_EQ(value_of(text, "spf_milter_skips_total{reason=\"trusted_forwarder\"}"), "0");
    EXPECT_EQ(value_of(text, "spf_milter_dns_queries_total{type=\"aaaa\",outcome=\"timeout\"}"), "0");
    EXPECT_EQ(value_of(text, "spf_milter_dns_tcp_fallbacks_total{type=\"txt\"}"), "0");
    EXPECT_EQ(value_of(text, "spf_milter_dns_query_duration_seconds_bucket{le=\"+Inf\"}"), "0");
    EXPECT_EQ(value_of(text, "spf_milter_check_duration_seconds_count"), "0");
    EXPECT_EQ(value_of(text, "spf_milter_reloads_total{outcome=\"failed\"}"), "0");
    EXPECT_EQ(value_of(text, "spf_milter_internal_errors_total"), "0");
    EXPECT_EQ(value_of(text, "spf_milter_dns_cache_entries"), "0");
    EXPECT_NE(text.find("# TYPE spf_milter_check_duration_seconds histogram\n"), std::string::npos);
    EXPECT_NE(text.find("# TYPE spf_milter_sessions_open gauge\n"), std::string::npos);
}

TEST(Metrics, CountWhatHappened) {
    Metrics metrics;
    metrics.checked(spf::Identity::mailfrom, spf::Result::fail);
    metrics.checked(spf::Identity::mailfrom, spf::Result::fail);
    metrics.checked(spf::Identity::helo, spf::Result::none);
    metrics.acted(milter::RejectStage::mail, milter::Action::reject);
    metrics.acted(milter::RejectStage::rcpt, milter::Action::accept);
    metrics.skipped(milter::SkipReason::trusted_network);
    metrics.skipped(milter::SkipReason::none);  // not a skip: not counted
    metrics.forged_result_removed();
    metrics.reloaded(true);
    metrics.reloaded(false);
    metrics.reloaded(false);
    metrics.internal_error();
    metrics.answered(spf::RrType::txt, spf::DnsStatus::nxdomain, std::chrono::microseconds(300), false);
    metrics.answered(spf::RrType::txt, spf::DnsStatus::ok, std::chrono::microseconds(2'000), true);
    MetricsGauges gauges;
    gauges.sessions_open = 4;
    gauges.generation = 3;
    gauges.cache_stats.hits = 10;
    gauges.cache_stats.misses = 2;
    gauges.cache_stats.entries = 7;
    const std::string text = metrics.render(gauges);
    EXPECT_EQ(value_of(text, "spf_milter_checks_total{identity=\"mailfrom\",result=\"fail\"}"), "2");
    EXPECT_EQ(value_of(text, "spf_milter_checks_total{identity=\"helo\",result=\"none\"}"), "1");
    EXPECT_EQ(value_of(text, "spf_milter_actions_total{stage=\"mail\",action=\"reject\"}"), "1");
    EXPECT_EQ(value_of(text, "spf_milter_actions_total{stage=\"rcpt\",action=\"accept\"}"), "1");
    EXPECT_EQ(value_of(text, "spf_milter_skips_total{reason=\"trusted_network\"}"), "1");
    EXPECT_EQ(value_of(text, "spf_milter_forged_results_removed_total"), "1");
    EXPECT_EQ(value_of(text, "spf_milter_reloads_total{outcome=\"ok\"}"), "1");
    EXPECT_EQ(value_of(text, "spf_milter_reloads_total{outcome=\"failed\"}"), "2");
    EXPECT_EQ(value_of(text, "spf_milter_internal_errors_total"), "1");
    EXPECT_EQ(value_of(text, "spf_milter_dns_queries_total{type=\"txt\",outcome=\"nxdomain\"}"), "1");
    EXPECT_EQ(value_of(text, "spf_milter_dns_queries_total{type=\"txt\",outcome=\"ok\"}"), "1");
    EXPECT_EQ(value_of(text, "spf_milter_dns_tcp_fallbacks_total{type=\"txt\"}"), "1");
    EXPECT_EQ(value_of(text, "spf_milter_sessions_open"), "4");
    EXPECT_EQ(value_of(text, "spf_milter_config_generation"), "3");
    EXPECT_EQ(value_of(text, "spf_milter_dns_cache_hits_total"), "10");
    EXPECT_EQ(value_of(text, "spf_milter_dns_cache_misses_total"), "2");
    EXPECT_EQ(value_of(text, "spf_milter_dns_cache_entries"), "7");
}

TEST(Metrics, FillHistogramBucketsCumulativelyWithTheSumInSeconds) {
    Metrics metrics;
    metrics.answered(spf::RrType::a, spf::DnsStatus::ok, std::chrono::microseconds(50), false);     // <= 0.0001
    metrics.answered(spf::RrType::a, spf::DnsStatus::ok, std::chrono::microseconds(100), false);    // == 0.0001
    metrics.answered(spf::RrType::a, spf::DnsStatus::ok, std::chrono::microseconds(4'000), false);  // <= 0.005
    metrics.answered(spf::RrType::a, spf::DnsStatus::timeout, std::chrono::seconds(9), false);      // +Inf only
    const std::string text = metrics.render({});
    const std::string bucket = "spf_milter_dns_query_duration_seconds_bucket";
    EXPECT_EQ(value_of(text, bucket + "{le=\"0.0001\"}"), "2");
    EXPECT_EQ(value_of(text, bucket + "{le=\"0.0025\"}"), "2");
    EXPECT_EQ(value_of(text, bucket + "{le=\"0.005\"}"), "3");
    EXPECT_EQ(value_of(text, bucket + "{le=\"5\"}"), "3");
    EXPECT_EQ(value_of(text, bucket + "{le=\"+Inf\"}"), "4");
    EXPECT_EQ(value_of(text, "spf_milter_dns_query_duration_seconds_count"), "4");
    EXPECT_EQ(value_of(text, "spf_milter_dns_query_duration_seconds_sum"), "9.00415");
}

TEST(Metrics, PassPromtoolsCheck) {
    if (std::system("command -v promtool >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "promtool (Debian: prometheus) is missing";
    Metrics metrics;
    metrics.checked(spf::Identity::mailfrom, spf::Result::pass);
    metrics.answered(spf::RrType::mx, spf::DnsStatus::ok, std::chrono::microseconds(700), false);
    const auto path = std::filesystem::temp_directory_path() / ("metrics-test-" + std::to_string(getpid()) + ".prom");
    std::ofstream(path) << metrics.render({});
    const std::string command = "promtool check metrics < " + path.string() + " > " + path.string() + ".out 2>&1";
    const int status = std::system(command.c_str());
    std::ifstream out(path.string() + ".out");
    const std::string complaints((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
    std::filesystem::remove(path);
    std::filesystem::remove(path.string() + ".out");
    EXPECT_EQ(status, 0) << complaints;
    EXPECT_EQ(complaints, "");
}

// A TCP connection to 127.0.0.1:port whose reads give up after 5 s; -1 if refused.
int connect_to(std::uint16_t port) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval limit{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

// One HTTP exchange over loopback: what the server sent until it closed or
// the first response was complete (Content-Length read).
std::string exchange(std::uint16_t port, const std::string& request) {
    const int fd = connect_to(port);
    if (fd < 0) return "(no connection)";
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) {
        close(fd);
        return "(not sent)";
    }
    std::string reply;
    char buffer[4096];
    for (;;) {
        const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
        if (got <= 0) break;
        reply.append(buffer, static_cast<std::size_t>(got));
        const std::size_t end = reply.find("\r\n\r\n");
        const std::size_t length = reply.find("Content-Length: ");
        if (end != std::string::npos && request.starts_with("HEAD ")) break;  // no body follows
        if (end != std::string::npos && length != std::string::npos && length < end) {
            const std::size_t size = std::stoul(reply.substr(length + 16));
            if (reply.size() >= end + 4 + size) break;
        }
    }
    close(fd);
    return reply;
}

std::unique_ptr<milter::MetricsServer> serve(std::function<std::string()> render) {
    auto started = milter::MetricsServer::start("127.0.0.1", 0, std::move(render));
    if (auto* error = std::get_if<std::string>(&started)) {
        ADD_FAILURE() << *error;
        return nullptr;
    }
    return std::move(std::get<std::unique_ptr<milter::MetricsServer>>(started));
}

TEST(MetricsServer, ServesTheTextAtSlashMetricsOnly) {
    const auto server = serve([] { return std::string("spf_milter_sessions_open 2\n"); });
    ASSERT_TRUE(server);
    const std::string ok = exchange(server->port(), "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");
    EXPECT_TRUE(ok.starts_with("HTTP/1.1 200 OK\r\n")) << ok;
    EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), std::string::npos) << ok;
    EXPECT_TRUE(ok.ends_with("\r\n\r\nspf_milter_sessions_open 2\n")) << ok;

    const std::string head = exchange(server->port(), "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
    EXPECT_TRUE(head.ends_with("\r\n\r\n")) << "no body for HEAD: " << head;

    EXPECT_TRUE(exchange(server->port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n").starts_with("HTTP/1.1 404 "));
    const std::string post = exchange(server->port(), "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    EXPECT_TRUE(post.starts_with("HTTP/1.1 405 ")) << post;
    EXPECT_NE(post.find("Allow: GET, HEAD\r\n"), std::string::npos) << post;
}

TEST(MetricsServer, ClosesOnGarbageAndOnOversizedHeadersWithoutAnswering) {
    const auto server = serve([] { return std::string("x 1\n"); });
    ASSERT_TRUE(server);
    EXPECT_EQ(exchange(server->port(), "\x16\x03\x01 not http at all\r\n\r\n"), "");
    EXPECT_EQ(exchange(server->port(), "GET /metrics HTTP/1.1\r\nX: " + std::string(20'000, 'a') + "\r\n\r\n"), "");
    EXPECT_EQ(exchange(server->port(), "GET /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"), "")
        << "a scrape has no body";
    // And it still serves.
    EXPECT_TRUE(exchange(server->port(), "GET /metrics HTTP/1.0\r\n\r\n").starts_with("HTTP/1.0 200 OK\r\n"));
}

TEST(MetricsServer, ServesAtMostSixteenConnectionsAtOnce) {
    const auto server = serve([] { return std::string("x 1\n"); });
    ASSERT_TRUE(server);
    std::vector<int> idle;  // scrapers that connect and say nothing
    for (std::size_t i = 0; i < milter::MetricsServer::max_connections; ++i) idle.push_back(connect_to(server->port()));
    // Give the listener time to take them all.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const int one_more = connect_to(server->port());
    ASSERT_GE(one_more, 0);
    char byte = 0;
    EXPECT_EQ(recv(one_more, &byte, 1, 0), 0) << "the 17th is closed at once";
    close(one_more);
    for (const int fd : idle) close(fd);
    // Their slots come back: a scrape works again.
    bool served = false;
    for (int i = 0; i < 50 && !served; ++i) {
        served = exchange(server->port(), "GET /metrics HTTP/1.0\r\n\r\n").starts_with("HTTP/1.0 200 OK\r\n");
        if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(served);
}

TEST(MetricsServer, RefusesAnAddressThatIsNotAnIpOrTaken) {
    auto named = milter::MetricsServer::start("localhost", 0, [] { return std::string(); });
    ASSERT_TRUE(std::holds_alternative<std::string>(named));
    EXPECT_EQ(std::get<std::string>(named), "metrics_listen: 'localhost' is not an IP address");
    const auto first = serve([] { return std::string(); });
    ASSERT_TRUE(first);
    auto second = milter::MetricsServer::start("127.0.0.1", first->port(), [] { return std::string(); });
    ASSERT_TRUE(std::holds_alternative<std::string>(second));
    EXPECT_NE(std::get<std::string>(second).find("cannot bind 127.0.0.1:"), std::string::npos)
        << std::get<std::string>(second);
}

class MetricsFile : public ::testing::Test {
protected:
    void SetUp() override {
        directory_ = std::filesystem::temp_directory_path() / ("metrics-file-test-" + std::to_string(getpid()));
        std::filesystem::create_directories(directory_);
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }
    static std::string read(const std::filesystem::path& path) {
        std::ifstream file(path);
        return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    }
    std::filesystem::path directory_;
};

TEST_F(MetricsFile, IsReplacedWholeAndLeavesNoTemporaryFile) {
    const auto path = (directory_ / "spf-milter.prom").string();
    ASSERT_EQ(milter::replace_file(path, "a 1\n"), std::nullopt);
    ASSERT_EQ(milter::replace_file(path, "a 2\n"), std::nullopt);
    EXPECT_EQ(read(path), "a 2\n");
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    const auto error = milter::replace_file((directory_ / "absent" / "x.prom").string(), "a 1\n");
    ASSERT_TRUE(error);
    EXPECT_NE(error->find("cannot create"), std::string::npos) << *error;
}

TEST_F(MetricsFile, IsWrittenAtStartAndWithTheLastCountsAtStop) {
    const auto path = (directory_ / "spf-milter.prom").string();
    int renders = 0;
    std::vector<std::string> logged;
    milter::Logger log([&](milter::LogLevel, std::string_view line) { logged.emplace_back(line); });
    {
        const milter::MetricsFileWriter writer(
            path, std::chrono::hours(1), [&] { return "renders " + std::to_string(++renders) + "\n"; }, log);
        EXPECT_EQ(read(path), "renders 1\n");
    }
    EXPECT_EQ(read(path), "renders 2\n");
    EXPECT_TRUE(logged.empty());
}

TEST_F(MetricsFile, SaysOnceThatItCannotWriteAndOnceThatItCanAgain) {
    const auto missing = directory_ / "later";
    const auto path = (missing / "spf-milter.prom").string();
    std::vector<std::string> logged;
    milter::Logger log([&](milter::LogLevel, std::string_view line) { logged.emplace_back(line); });
    {
        const milter::MetricsFileWriter writer(
            path, std::chrono::milliseconds(20), [] { return std::string("a 1\n"); }, log);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // several failed writes
        std::filesystem::create_directories(missing);
        for (int i = 0; i < 100 && !std::filesystem::exists(path); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_GE(logged.size(), 2U);
    EXPECT_NE(logged[0].find("said once until it works again"), std::string::npos) << logged[0];
    EXPECT_NE(logged[1].find("written again"), std::string::npos) << logged[1];
    EXPECT_EQ(logged.size(), 2U);
}

}  // namespace
