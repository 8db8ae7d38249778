// tests/spf/dns_cache_test.cpp: spf::DnsCache with a fake clock and a fake
// upstream resolver that counts what is sent: TTLs and their caps, what is never
// kept, the entry and byte bounds, the flood of unique names, single-flight,
// prefetch, and many threads at once.
#include "spf/dns_cache.hpp"
#include "spf/parsed_record.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace {

using spf::Answer;
using spf::AnswerSource;
using spf::DnsStatus;
using spf::Question;
using spf::RrType;
using namespace std::chrono_literals;

constexpr spf::Deadline no_deadline = spf::Deadline::max();

class ManualClock final : public spf::Clock {
public:
    std::chrono::steady_clock::time_point now() const override {
        const std::lock_guard lock(mutex_);
        return now_;
    }
    std::int64_t unix_time() const override { return 1700000000; }
    void advance(std::chrono::seconds by) {
        const std::lock_guard lock(mutex_);
        now_ += by;
    }

private:
    mutable std::mutex mutex_;
    std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
};

// Answers from a table (default: NXDOMAIN with a negative TTL of 60) and counts
// every question it is asked. A closed gate holds every query until opened.
class FakeUpstream final : public spf::Resolver {
public:
    Answer resolve(const Question& question, spf::Deadline) override {
        {
            std::unique_lock lock(mutex_);
            ++queries_;
            ++asked_[question.name];
            asked_signal_.notify_all();
            gate_signal_.wait(lock, [this] { return open_; });
        }
        return answer_for(question);
    }
    void resolve_each(std::span<const Question> questions, spf::Deadline deadline, const AnswerSink& sink) override {
        {
            const std::lock_guard lock(mutex_);
            batches_.push_back(questions.size());
        }
        Resolver::resolve_each(questions, deadline, sink);
    }

    void set(const std::string& name, RrType type, Answer answer) {
        const std::lock_guard lock(mutex_);
        table_[{name, type}] = std::move(answer);
    }
    void close_gate() {
        const std::lock_guard lock(mutex_);
        open_ = false;
    }
    void open_gate() {
        {
            const std::lock_guard lock(mutex_);
            open_ = true;
        }
        gate_signal_.notify_all();
    }
    // Waits (at most 5 s) until `count` queries have been received in all.
    bool wait_for_queries(int count) {
        std::unique_lock lock(mutex_);
        return asked_signal_.wait_for(lock, 5s, [&] { return queries_ >= count; });
    }
    int queries() const {
        const std::lock_guard lock(mutex_);
        return queries_;
    }
    int asked(const std::string& name) const {
        const std::lock_guard lock(mutex_);
        const auto found = asked_.find(name);
        return found == asked_.end() ? 0 : found->second;
    }
    std::vector<std::size_t> batches() const {
        const std::lock_guard lock(mutex_);
        return batches_;
    }

private:
    Answer answer_for(const Question& question) const {
        const std::lock_guard lock(mutex_);
        const auto found = table_.find({question.name, question.type});
        if (found != table_.end()) return found->second;
        Answer answer;
        answer.status = DnsStatus::nxdomain;
        answer.ttl = 60;
        return answer;
    }

    mutable std::mutex mutex_;
    std::condition_variable asked_signal_, gate_signal_;
    std::map<std::pair<std::string, RrType>, Answer> table_;
    std::map<std::string, int> asked_;
    std::vector<std::size_t> batches_;
    int queries_ = 0;
    bool open_ = true;
};

Answer txt(std::string text, std::uint32_t ttl) {
    Answer answer;
    answer.texts = {std::move(text)};
    answer.ttl = ttl;
    return answer;
}

Answer address(const char* ip, std::uint32_t ttl) {
    Answer answer;
    answer.addresses = {*spf::IpAddress::parse(ip)};
    answer.ttl = ttl;
    return answer;
}

Answer failed(DnsStatus status) {
    Answer answer;
    answer.status = status;
    answer.ttl = 300;  // a failure's TTL is not a lifetime: never kept
    return answer;
}

struct Fixture {
    std::shared_ptr<FakeUpstream> upstream = std::make_shared<FakeUpstream>();
    ManualClock clock;
    std::unique_ptr<spf::DnsCache> cache;
    explicit Fixture(spf::CacheOptions options = {}) {
        cache = std::make_unique<spf::DnsCache>(upstream, clock, options);
    }
};

TEST(DnsCache, KeepsAnAnswerForItsTtl) {
    Fixture f;
    f.upstream->set("example.com", RrType::a, address("192.0.2.1", 300));
    const Answer first = f.cache->resolve({"example.com", RrType::a}, no_deadline);
    EXPECT_EQ(first.source, AnswerSource::sent);
    f.clock.advance(299s);
    const Answer second = f.cache->resolve({"example.com", RrType::a}, no_deadline);
    EXPECT_EQ(second.source, AnswerSource::cache);
    ASSERT_EQ(second.addresses.size(), 1U);
    EXPECT_EQ(second.addresses[0].to_string(), "192.0.2.1");
    EXPECT_EQ(second.ttl, 1U) << "what is left of the TTL";
    EXPECT_EQ(f.upstream->queries(), 1);
    f.clock.advance(1s);
    EXPECT_EQ(f.cache->resolve({"example.com", RrType::a}, no_deadline).source, AnswerSource::sent);
    EXPECT_EQ(f.upstream->queries(), 2) << "expired at its TTL";
}

TEST(DnsCache, KeepsSaysWhetherAFreshAnswerIsThere) {
    Fixture f;
    f.upstream->set("example.com", RrType::a, address("192.0.2.1", 300));
    f.upstream->set("broken.example.com", RrType::txt, failed(DnsStatus::server_failure));
    EXPECT_FALSE(f.cache->keeps({"example.com", RrType::a}));
    f.cache->resolve({"example.com", RrType::a}, no_deadline);
    f.cache->resolve({"broken.example.com", RrType::txt}, no_deadline);
    EXPECT_TRUE(f.cache->keeps({"Example.COM.", RrType::a}));
    EXPECT_FALSE(f.cache->keeps({"example.com", RrType::txt}));
    EXPECT_FALSE(f.cache->keeps({"broken.example.com", RrType::txt}));
    f.clock.advance(300s);
    EXPECT_FALSE(f.cache->keeps({"example.com", RrType::a})) << "expired";
    EXPECT_EQ(f.upstream->queries(), 2) << "keeps() asks nothing";
}

TEST(DnsCache, CapsTheTtlAtTheConfiguredMaximum) {
    spf::CacheOptions options;
    options.max_ttl = 60s;
    Fixture f(options);
    f.upstream->set("example.com", RrType::txt, txt("v=spf1 -all", 86400));
    f.cache->resolve({"example.com", RrType::txt}, no_deadline);
    f.clock.advance(59s);
    EXPECT_EQ(f.cache->resolve({"example.com", RrType::txt}, no_deadline).source, AnswerSource::cache);
    f.clock.advance(1s);
    EXPECT_EQ(f.cache->resolve({"example.com", RrType::txt}, no_deadline).source, AnswerSource::sent);
}

TEST(DnsCache, KeepsNegativeAnswersForTheirSoaMinimumCapped) {
    spf::CacheOptions options;
    options.max_negative_ttl = 100s;
    Fixture f(options);
    Answer nodata;
    nodata.status = DnsStatus::no_data;
    nodata.ttl = 30;
    f.upstream->set("nodata.example.com", RrType::txt, nodata);
    Answer nxdomain;
    nxdomain.status = DnsStatus::nxdomain;
    nxdomain.ttl = 3600;  // capped to 100
    f.upstream->set("missing.example.com", RrType::a, nxdomain);
    Answer no_soa;
    no_soa.status = DnsStatus::nxdomain;
    no_soa.ttl = 0;  // RFC 2308 §5: no SOA, not cached
    f.upstream->set("nosoa.example.com", RrType::a, no_soa);
    for (int round = 0; round < 2; ++round) {
        EXPECT_EQ(f.cache->resolve({"nodata.example.com", RrType::txt}, no_deadline).status, DnsStatus::no_data);
        EXPECT_EQ(f.cache->resolve({"missing.example.com", RrType::a}, no_deadline).status, DnsStatus::nxdomain);
        EXPECT_EQ(f.cache->resolve({"nosoa.example.com", RrType::a}, no_deadline).status, DnsStatus::nxdomain);
    }
    EXPECT_EQ(f.upstream->asked("nodata.example.com"), 1);
    EXPECT_EQ(f.upstream->asked("missing.example.com"), 1);
    EXPECT_EQ(f.upstream->asked("nosoa.example.com"), 2);
    f.clock.advance(30s);
    f.cache->resolve({"nodata.example.com", RrType::txt}, no_deadline);
    EXPECT_EQ(f.upstream->asked("nodata.example.com"), 2) << "the negative TTL";
    f.clock.advance(70s);
    f.cache->resolve({"missing.example.com", RrType::a}, no_deadline);
    EXPECT_EQ(f.upstream->asked("missing.example.com"), 2) << "max_negative_ttl";
}

TEST(DnsCache, NeverKeepsServerFailuresOrTimeouts) {
    Fixture f;
    f.upstream->set("broken.example.com", RrType::txt, failed(DnsStatus::server_failure));
    f.upstream->set("slow.example.com", RrType::txt, failed(DnsStatus::timeout));
    for (int round = 0; round < 3; ++round) {
        EXPECT_EQ(f.cache->resolve({"broken.example.com", RrType::txt}, no_deadline).source, AnswerSource::sent);
        EXPECT_EQ(f.cache->resolve({"slow.example.com", RrType::txt}, no_deadline).source, AnswerSource::sent);
    }
    EXPECT_EQ(f.upstream->queries(), 6);
    EXPECT_EQ(f.cache->stats().entries, 0U);
}

TEST(DnsCache, NamesCompareWithoutCaseOrTrailingDotButTypesDiffer) {
    Fixture f;
    f.upstream->set("example.com", RrType::a, address("192.0.2.1", 300));
    f.cache->resolve({"example.com", RrType::a}, no_deadline);
    EXPECT_EQ(f.cache->resolve({"EXAMPLE.com.", RrType::a}, no_deadline).source, AnswerSource::cache);
    EXPECT_EQ(f.cache->resolve({"example.com", RrType::aaaa}, no_deadline).source, AnswerSource::sent);
    EXPECT_EQ(f.upstream->queries(), 2);
}

TEST(DnsCache, KeepsTheParsedRecordWithItsTxtAnswer) {
    Fixture f;
    f.upstream->set("example.com", RrType::txt, txt("v=spf1 ip4:192.0.2.0/24 -all", 300));
    const Answer sent = f.cache->resolve({"example.com", RrType::txt}, no_deadline);
    const Answer kept = f.cache->resolve({"example.com", RrType::txt}, no_deadline);
    ASSERT_TRUE(sent.parsed && kept.parsed);
    EXPECT_EQ(sent.parsed, kept.parsed) << "parsed once, shared";
    EXPECT_EQ(kept.parsed->spf_records, 1U);
    const auto* record = std::get_if<spf::ast::Record>(&kept.parsed->parsed);
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->terms.size(), 2U);
}

TEST(DnsCache, HoldsAtMostMaxEntries) {
    spf::CacheOptions options;
    options.max_entries = 100;
    options.shards = 4;
    Fixture f(options);
    for (int i = 0; i < 1000; ++i) {
        const std::string name = "n" + std::to_string(i) + ".example.com";
        f.upstream->set(name, RrType::a, address("192.0.2.1", 300));
        f.cache->resolve({name, RrType::a}, no_deadline);
    }
    const spf::CacheStats stats = f.cache->stats();
    EXPECT_LE(stats.entries, 100U);
    EXPECT_GE(stats.entries, 50U);
    EXPECT_EQ(stats.evictions, 1000U - stats.entries);
}

TEST(DnsCache, HoldsAtMostMaxBytes) {
    spf::CacheOptions options;
    options.max_bytes = 64 * 1024;
    options.shards = 2;
    Fixture f(options);
    const std::string big = "v=spf1 " + std::string(3000, 'x');  // does not parse: kept as text
    for (int i = 0; i < 200; ++i) {
        const std::string name = "big" + std::to_string(i) + ".example.com";
        f.upstream->set(name, RrType::txt, txt(big, 300));
        f.cache->resolve({name, RrType::txt}, no_deadline);
    }
    const spf::CacheStats stats = f.cache->stats();
    EXPECT_LE(stats.bytes, options.max_bytes);
    EXPECT_GT(stats.entries, 3U);
    EXPECT_LT(stats.entries, 200U);
}

// One attacker domain with a fresh label per message: 20,000 names asked once
// each must not push out the 50 answers that every message shares.
TEST(DnsCache, AFloodOfUniqueNamesDoesNotFlushSharedAnswers) {
    spf::CacheOptions options;
    options.max_entries = 200;
    options.shards = 1;
    Fixture f(options);
    std::vector<std::string> shared;
    for (int i = 0; i < 50; ++i) {
        shared.push_back("provider" + std::to_string(i) + ".example.net");
        f.upstream->set(shared.back(), RrType::txt, txt("v=spf1 -all", 3600));
    }
    for (int round = 0; round < 2; ++round)
        for (const std::string& name : shared) f.cache->resolve({name, RrType::txt}, no_deadline);
    for (int i = 0; i < 20000; ++i)
        f.cache->resolve({"r" + std::to_string(i) + ".attacker.example", RrType::txt}, no_deadline);
    const int before = f.upstream->queries();
    for (const std::string& name : shared)
        EXPECT_EQ(f.cache->resolve({name, RrType::txt}, no_deadline).source, AnswerSource::cache) << name;
    EXPECT_EQ(f.upstream->queries(), before);
    EXPECT_LE(f.cache->stats().entries, 200U);
}

TEST(DnsCache, AsksOnceForConcurrentIdenticalQuestions) {
    Fixture f;
    f.upstream->set("example.com", RrType::txt, txt("v=spf1 -all", 300));
    f.upstream->close_gate();
    std::vector<std::thread> threads;
    std::vector<Answer> answers(8);
    for (std::size_t i = 0; i < answers.size(); ++i)
        threads.emplace_back([&, i] { answers[i] = f.cache->resolve({"example.com", RrType::txt}, no_deadline); });
    ASSERT_TRUE(f.upstream->wait_for_queries(1));
    // The others are now waiting on the one query (or about to): give them time to queue.
    std::this_thread::sleep_for(50ms);
    f.upstream->open_gate();
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(f.upstream->queries(), 1);
    int sent = 0;
    for (const Answer& answer : answers) {
        EXPECT_EQ(answer.texts, std::vector<std::string>{"v=spf1 -all"});
        sent += answer.source == AnswerSource::sent ? 1 : 0;
    }
    EXPECT_EQ(sent, 1);
}

TEST(DnsCache, AWaiterGivesUpAtItsOwnDeadline) {
    Fixture f;
    f.upstream->close_gate();
    std::thread sender([&] { f.cache->resolve({"example.com", RrType::a}, no_deadline); });
    ASSERT_TRUE(f.upstream->wait_for_queries(1));
    const Answer waiter = f.cache->resolve({"example.com", RrType::a}, std::chrono::steady_clock::now() + 50ms);
    EXPECT_EQ(waiter.status, DnsStatus::timeout);
    f.upstream->open_gate();
    sender.join();
    EXPECT_EQ(f.upstream->queries(), 1);
}

TEST(DnsCache, PrefetchSendsWhatIsNeitherKeptNorUnderWayAndResolveWaitsForIt) {
    Fixture f;
    f.upstream->set("a.example.com", RrType::txt, txt("v=spf1 -all", 300));
    f.upstream->set("b.example.com", RrType::a, address("192.0.2.2", 300));
    f.cache->resolve({"a.example.com", RrType::txt}, no_deadline);
    const std::vector<Question> questions = {
        {"a.example.com", RrType::txt}, {"b.example.com", RrType::a}, {"c.example.com", RrType::mx}};
    const std::vector<bool> sent = f.cache->prefetch(questions, no_deadline);
    EXPECT_EQ(sent, (std::vector<bool>{false, true, true}));
    const Answer b = f.cache->resolve({"b.example.com", RrType::a}, no_deadline);
    EXPECT_NE(b.source, AnswerSource::sent) << "the prefetch's query, not a second one";
    ASSERT_EQ(b.addresses.size(), 1U);
    EXPECT_EQ(f.cache->resolve({"c.example.com", RrType::mx}, no_deadline).status, DnsStatus::nxdomain);
    EXPECT_EQ(f.upstream->queries(), 3);
    EXPECT_EQ(f.cache->stats().prefetched, 2U);
    EXPECT_EQ(f.upstream->batches(), (std::vector<std::size_t>{1, 2})) << "the first resolve, then one batch";
}

TEST(DnsCache, DropsAPrefetchWhenEveryThreadIsBusy) {
    spf::CacheOptions options;
    options.prefetch_threads = 1;
    Fixture f(options);
    f.upstream->close_gate();
    const Question first[] = {{"one.example.com", RrType::a}};
    const Question second[] = {{"two.example.com", RrType::a}};
    EXPECT_EQ(f.cache->prefetch(first, no_deadline), std::vector<bool>{true});
    ASSERT_TRUE(f.upstream->wait_for_queries(1));
    EXPECT_TRUE(f.cache->prefetch(second, no_deadline).empty()) << "dropped, not queued";
    EXPECT_EQ(f.cache->stats().prefetch_dropped, 1U);
    f.upstream->open_gate();
    EXPECT_EQ(f.cache->resolve({"two.example.com", RrType::a}, no_deadline).source, AnswerSource::sent);
}

TEST(DnsCache, NoPrefetchWithoutThreads) {
    spf::CacheOptions options;
    options.prefetch_threads = 0;
    Fixture f(options);
    const Question questions[] = {{"one.example.com", RrType::a}};
    EXPECT_TRUE(f.cache->prefetch(questions, no_deadline).empty());
    EXPECT_EQ(f.upstream->queries(), 0);
}

TEST(DnsCache, ResolveEachAnswersHitsAndSendsTheMissesAsOneBatch) {
    Fixture f;
    for (const char* name : {"a.example.com", "b.example.com", "c.example.com"})
        f.upstream->set(name, RrType::a, address("192.0.2.3", 300));
    f.cache->resolve({"b.example.com", RrType::a}, no_deadline);
    const std::vector<Question> questions = {
        {"a.example.com", RrType::a}, {"b.example.com", RrType::a}, {"c.example.com", RrType::a}};
    const std::vector<Answer> answers = f.cache->resolve_all(questions, no_deadline);
    ASSERT_EQ(answers.size(), 3U);
    EXPECT_EQ(answers[0].source, AnswerSource::sent);
    EXPECT_EQ(answers[1].source, AnswerSource::cache);
    EXPECT_EQ(answers[2].source, AnswerSource::sent);
    for (const Answer& answer : answers) EXPECT_EQ(answer.addresses.size(), 1U);
    EXPECT_EQ(f.upstream->batches().back(), 2U);
}

TEST(DnsCache, ServesFiftyThreadsAtOnce) {
    Fixture f;
    for (int i = 0; i < 200; ++i)
        f.upstream->set("n" + std::to_string(i) + ".example.com", RrType::a,
                        address(i % 2 ? "192.0.2.1" : "198.51.100.1", 300));
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 50; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                const int n = (i * 7 + t) % 200;
                const Answer answer =
                    f.cache->resolve({"n" + std::to_string(n) + ".example.com", RrType::a}, no_deadline);
                if (answer.addresses.size() != 1 ||
                    answer.addresses[0].to_string() != (n % 2 ? "192.0.2.1" : "198.51.100.1"))
                    ++wrong;
            }
        });
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_EQ(f.upstream->queries(), 200) << "each name asked once, whatever the races";
    const spf::CacheStats stats = f.cache->stats();
    EXPECT_EQ(stats.hits + stats.coalesced + stats.misses, 50U * 2000U);
}

TEST(DnsCache, ClearDropsEverything) {
    Fixture f;
    f.upstream->set("example.com", RrType::a, address("192.0.2.1", 300));
    f.cache->resolve({"example.com", RrType::a}, no_deadline);
    f.cache->clear();
    EXPECT_EQ(f.cache->stats().entries, 0U);
    EXPECT_EQ(f.cache->resolve({"example.com", RrType::a}, no_deadline).source, AnswerSource::sent);
}

}  // namespace
