// spf/dns_cache.cpp: see dns_cache.hpp for what is kept, for how long, and why.
//
// Inside a shard: `index` maps a question to its entry, which lives in one of
// two lists, most recently used first: `probation` (asked for once) and
// `kept` (asked for again while cached: the protected segment). `flights`
// holds the questions under way; a Flight is completed exactly once, by the
// caller that sent the query (or by its guard, if that caller failed), and
// every other caller of the same question waits on it until its own deadline.
// A shard's mutex is never held while a query is under way or a sink is called.
#include "spf/dns_cache.hpp"

#include "spf/parsed_record.hpp"
#include "spf/text.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace spf {

namespace {

using Time = std::chrono::steady_clock::time_point;

// A question as a key: its type in the first octet (every type asked is below
// 256), then the name in lower case without a trailing dot (DNS names compare
// without regard to case). Built into a caller's string so that a hit
// allocates nothing.
using Key = std::string;
using KeyHash = std::hash<std::string>;

void key_into(Key& key, const Question& question) {
    std::string_view name = question.name;
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    key.resize(name.size() + 1);
    key[0] = static_cast<char>(static_cast<std::uint16_t>(question.type) & 0xff);
    std::transform(name.begin(), name.end(), key.begin() + 1, [](char c) { return ascii_lower(c); });
}

Key key_of(const Question& question) {
    Key key;
    key_into(key, question);
    return key;
}

Answer failure(DnsStatus status, std::string detail) {
    Answer answer;
    answer.status = status;
    answer.detail = std::move(detail);
    return answer;
}

// One query under way, and the answer its waiters get.
class Flight {
public:
    void complete(const Answer& answer) {
        {
            const std::lock_guard lock(mutex_);
            if (done_) return;
            try {
                answer_ = answer;
            } catch (const std::exception&) {
                answer_ = Answer{};  // no memory for a copy: the waiters get a failure
                answer_.status = DnsStatus::server_failure;
            }
            done_ = true;
        }
        done_signal_.notify_all();
    }

    Answer wait(Deadline deadline) {
        std::unique_lock lock(mutex_);
        const auto finished = [this] { return done_; };
        // wait_until() with time_point::max() overflows inside the library.
        if (deadline == Deadline::max())
            done_signal_.wait(lock, finished);
        else if (!done_signal_.wait_until(lock, deadline, finished))
            return failure(DnsStatus::timeout,
                           "timeout: the deadline passed while another check's query was under way");
        Answer answer = answer_;
        answer.source = AnswerSource::shared;
        return answer;
    }

private:
    std::mutex mutex_;
    std::condition_variable done_signal_;
    bool done_ = false;
    Answer answer_;
};

struct Entry {
    Key key;
    Answer answer;  // source = cache
    Time expires;
    std::size_t bytes = 0;
    bool kept = false;  // in the protected segment
};

struct Shard {
    std::mutex mutex;
    std::list<Entry> probation;  // most recently used first
    std::list<Entry> kept;       // the protected segment, most recently used first
    std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index;
    std::unordered_map<Key, std::shared_ptr<Flight>, KeyHash> flights;
    std::size_t bytes = 0;
};

// What an entry costs: its octets and the bookkeeping around them.
std::size_t size_of(const Key& key, const Answer& answer) {
    constexpr std::size_t overhead = sizeof(Entry) + 3 * sizeof(void*) + 64;  // list node, index node
    std::size_t bytes = overhead + 2 * key.size() + answer.detail.size();
    for (const std::string& text : answer.texts) bytes += sizeof(std::string) + text.size();
    for (const std::string& name : answer.names) bytes += sizeof(std::string) + name.size();
    bytes += answer.addresses.size() * sizeof(IpAddress);
    if (answer.parsed) bytes += answer.parsed->bytes;
    return bytes;
}

// The fixed set of threads that run prefetch batches. reserve() claims an idle
// thread before any work is set up, so that a prefetch is either run at once
// or dropped, never queued behind others while its checks wait for it.
class PrefetchPool {
public:
    explicit PrefetchPool(unsigned threads) : idle_(threads) {
        for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
    }
    ~PrefetchPool() { stop(); }
    // Runs what was submitted, then joins the threads. The pool stays usable
    // meanwhile: a running job may still reserve (refused), release or submit.
    void stop() {
        {
            const std::lock_guard lock(mutex_);
            if (stopping_ && threads_.empty()) return;
            stopping_ = true;
        }
        wake_.notify_all();
        for (std::thread& thread : threads_) thread.join();
        threads_.clear();
    }
    PrefetchPool(const PrefetchPool&) = delete;
    PrefetchPool& operator=(const PrefetchPool&) = delete;

    bool reserve() {
        const std::lock_guard lock(mutex_);
        if (idle_ == 0 || stopping_) return false;
        --idle_;
        return true;
    }
    void release() {
        const std::lock_guard lock(mutex_);
        ++idle_;
    }
    void submit(std::function<void()> job) {  // after reserve()
        {
            const std::lock_guard lock(mutex_);
            jobs_.push_back(std::move(job));
        }
        wake_.notify_one();
    }

private:
    void work() {
        std::unique_lock lock(mutex_);
        for (;;) {
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping, and every submitted job has run
            std::function<void()> job = std::move(jobs_.front());
            jobs_.pop_front();
            lock.unlock();
            job();  // never throws: the job catches
            lock.lock();
            ++idle_;
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    unsigned idle_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace

struct DnsCache::Impl {
    std::shared_ptr<Resolver> upstream;
    const Clock& clock;
    CacheOptions options;
    std::size_t entries_per_shard;
    std::size_t bytes_per_shard;
    std::size_t kept_per_shard;  // the protected segment's share: 80 %
    std::vector<Shard> shards;

    std::atomic<std::uint64_t> hits{0}, misses{0}, coalesced{0}, evictions{0}, prefetched{0}, prefetch_dropped{0};

    std::unique_ptr<PrefetchPool> pool;  // last: its threads stop before the shards go

    Impl(std::shared_ptr<Resolver> upstream_resolver, const Clock& time, CacheOptions chosen)
        : upstream(std::move(upstream_resolver)),
          clock(time),
          options(chosen),
          entries_per_shard(std::max<std::size_t>(1, chosen.max_entries / std::max(1U, chosen.shards))),
          bytes_per_shard(std::max<std::size_t>(1, chosen.max_bytes / std::max(1U, chosen.shards))),
          kept_per_shard(entries_per_shard * 4 / 5),
          shards(std::max(1U, chosen.shards)) {
        if (chosen.prefetch_threads > 0) pool = std::make_unique<PrefetchPool>(chosen.prefetch_threads);
    }

    Shard& shard_for(const Key& key) { return shards[KeyHash{}(key) % shards.size()]; }

    std::optional<std::chrono::seconds> lifetime(const Answer& answer) const {
        std::chrono::seconds ttl{answer.ttl};
        switch (answer.status) {
            case DnsStatus::ok: ttl = std::min(ttl, options.max_ttl); break;
            case DnsStatus::no_data:
            case DnsStatus::nxdomain: ttl = std::min(ttl, options.max_negative_ttl); break;
            case DnsStatus::server_failure:
            case DnsStatus::timeout: return std::nullopt;  // never kept (dns_cache.hpp)
        }
        if (ttl <= std::chrono::seconds::zero()) return std::nullopt;
        return ttl;
    }

    // Under the shard's lock. The kept answer, fresh, or nothing (an expired one is dropped).
    std::optional<Answer> find_fresh(Shard& shard, const Key& key, Time now) {
        const auto found = shard.index.find(key);
        if (found == shard.index.end()) return std::nullopt;
        const auto entry = found->second;
        if (entry->expires <= now) {
            erase(shard, found);
            return std::nullopt;
        }
        promote(shard, entry);
        Answer answer = entry->answer;
        answer.ttl = static_cast<std::uint32_t>(
            std::chrono::ceil<std::chrono::seconds>(entry->expires - now).count());  // what is left of it
        return answer;
    }

    void promote(Shard& shard, std::list<Entry>::iterator entry) {
        if (entry->kept) {
            shard.kept.splice(shard.kept.begin(), shard.kept, entry);
            return;
        }
        entry->kept = true;
        shard.kept.splice(shard.kept.begin(), shard.probation, entry);
        // The protected segment full: its least recent answer gets one more
        // chance in probation instead of pushing new answers out at once.
        while (shard.kept.size() > kept_per_shard && !shard.kept.empty()) {
            const auto demoted = std::prev(shard.kept.end());
            demoted->kept = false;
            shard.probation.splice(shard.probation.begin(), shard.kept, demoted);
        }
    }

    static void erase(Shard& shard, std::unordered_map<Key, std::list<Entry>::iterator, KeyHash>::iterator found) {
        const auto entry = found->second;
        shard.bytes -= entry->bytes;
        std::list<Entry>& list = entry->kept ? shard.kept : shard.probation;
        shard.index.erase(found);
        list.erase(entry);
    }

    // Under the shard's lock.
    void store(Shard& shard, const Key& key, const Answer& answer, Time now) {
        const auto life = lifetime(answer);
        if (!life) return;
        if (const auto found = shard.index.find(key); found != shard.index.end()) erase(shard, found);
        Entry entry{key, answer, now + *life, 0, false};
        entry.answer.source = AnswerSource::cache;
        // "answer from SERVER" says nothing a trace shows for an ok answer; a
        // hit then copies one string less. Negative answers keep theirs.
        if (answer.status == DnsStatus::ok) entry.answer.detail.clear();
        entry.bytes = size_of(key, entry.answer);
        if (entry.bytes > bytes_per_shard) return;  // larger than the shard: never worth keeping
        shard.bytes += entry.bytes;
        shard.probation.push_front(std::move(entry));
        shard.index.emplace(key, shard.probation.begin());
        while (shard.index.size() > entries_per_shard || shard.bytes > bytes_per_shard) {
            // Probation goes first: a flood of names asked for once never
            // reaches the protected answers while probation has any left.
            std::list<Entry>& from = shard.probation.empty() ? shard.kept : shard.probation;
            const auto victim = std::prev(from.end());
            if (victim->expires > now) evictions.fetch_add(1, std::memory_order_relaxed);
            erase(shard, shard.index.find(victim->key));
        }
    }

    // The sender of a query is done with it: keep the answer, wake the waiters.
    // TXT answers get their record parsed once, here, outside any lock.
    void finish(const Key& key, Flight& flight, Answer& answer) {
        if (static_cast<RrType>(static_cast<unsigned char>(key.front())) == RrType::txt &&
            answer.status == DnsStatus::ok && !answer.parsed) {
            try {
                answer.parsed = std::make_shared<const ParsedRecord>(select_and_parse(answer.texts));
            } catch (const std::exception&) {  // check_host() parses it itself
            }
        }
        Shard& shard = shard_for(key);
        {
            const std::lock_guard lock(shard.mutex);
            try {
                store(shard, key, answer, clock.now());
            } catch (const std::exception&) {  // not kept, for want of memory; still answered
            }
            shard.flights.erase(key);
        }
        flight.complete(answer);
        answer.source = AnswerSource::sent;
    }

    // A batch of questions this caller sends: each is finished as its answer
    // comes; whatever the upstream resolver left unanswered is finished as a
    // failure, so that no waiter hangs on it.
    struct Batch {
        std::vector<Question> questions;
        std::vector<Key> keys;
        std::vector<std::shared_ptr<Flight>> flights;
        std::vector<std::size_t> origin;  // the caller's index of each question
        void reserve(std::size_t count) {
            questions.reserve(count);
            keys.reserve(count);
            flights.reserve(count);
            origin.reserve(count);
        }
    };

    void send(Batch& batch, Deadline deadline, const AnswerSink* sink,
              const std::shared_ptr<PrefetchListener>& listener = nullptr) {
        std::vector<bool> answered(batch.questions.size(), false);
        std::vector<Question> later;  // follow-ups that found no idle thread
        try {
            upstream->resolve_each(batch.questions, deadline, [&](std::size_t i, Answer&& answer) {
                if (i >= answered.size() || answered[i]) return;
                answered[i] = true;
                finish(batch.keys[i], *batch.flights[i], answer);
                if (listener) {
                    std::vector<Question> next = listener->arrived(batch.questions[i], answer);
                    if (!next.empty() && !start_prefetch(next, deadline, listener))
                        later.insert(later.end(), std::make_move_iterator(next.begin()),
                                     std::make_move_iterator(next.end()));
                }
                if (sink != nullptr) (*sink)(batch.origin[i], std::move(answer));
            });
        } catch (...) {  // nothing throws across the spf/ API: the rest becomes a failure below
        }
        for (std::size_t i = 0; i < answered.size(); ++i) {
            if (answered[i]) continue;
            Answer answer = failure(DnsStatus::server_failure, "internal error: no answer from the resolver");
            finish(batch.keys[i], *batch.flights[i], answer);
            if (sink != nullptr) (*sink)(batch.origin[i], std::move(answer));
        }
        if (!later.empty() && std::chrono::steady_clock::now() < deadline) {
            Batch next = claim_batch(later, listener, nullptr);
            if (!next.questions.empty()) send(next, deadline, nullptr, listener);
        }
    }

    // The questions neither kept nor under way, claimed for sending; the
    // listener hears of each, `sent` (if given) marks them.
    Batch claim_batch(std::span<const Question> questions, const std::shared_ptr<PrefetchListener>& listener,
                      std::vector<bool>* sent) {
        Batch batch;
        try {
            batch.reserve(questions.size());
            for (std::size_t i = 0; i < questions.size(); ++i) {
                Key key = key_of(questions[i]);
                Answer answer;
                std::shared_ptr<Flight> flight;
                if (claim(key, answer, flight) != Found::mine) continue;  // kept or under way
                batch.questions.push_back(questions[i]);
                batch.keys.push_back(std::move(key));
                batch.flights.push_back(std::move(flight));
                batch.origin.push_back(i);
                if (sent != nullptr) (*sent)[i] = true;
            }
        } catch (const std::exception&) {  // what was claimed is sent; the rest stays a hint not taken
        }
        prefetched.fetch_add(batch.questions.size(), std::memory_order_relaxed);
        misses.fetch_add(batch.questions.size(), std::memory_order_relaxed);
        if (listener)
            for (const Question& question : batch.questions) listener->sent(question);
        return batch;
    }

    // A prefetch on an idle thread; false when none is idle (nothing claimed).
    bool start_prefetch(std::span<const Question> questions, Deadline deadline,
                        const std::shared_ptr<PrefetchListener>& listener, std::vector<bool>* sent = nullptr) {
        if (!pool || !pool->reserve()) return false;
        std::shared_ptr<Batch> batch;
        try {
            batch = std::make_shared<Batch>(claim_batch(questions, listener, sent));
        } catch (const std::exception&) {
            pool->release();
            return true;  // nothing claimed: nothing to do
        }
        if (batch->questions.empty()) {
            pool->release();
            return true;
        }
        try {
            pool->submit([this, batch, deadline, listener] { send(*batch, deadline, nullptr, listener); });
        } catch (const std::exception&) {
            pool->release();
            send(*batch, deadline, nullptr, listener);  // the flights must finish: ask here instead
        }
        return true;
    }

    enum class Found : std::uint8_t { hit, joined, mine };
    // Under no lock. A hit fills `answer`; joined and mine fill `flight`.
    Found claim(const Key& key, Answer& answer, std::shared_ptr<Flight>& flight) {
        Shard& shard = shard_for(key);
        const std::lock_guard lock(shard.mutex);
        if (auto hit = find_fresh(shard, key, clock.now())) {
            answer = std::move(*hit);
            return Found::hit;
        }
        if (const auto under_way = shard.flights.find(key); under_way != shard.flights.end()) {
            flight = under_way->second;
            return Found::joined;
        }
        // Made before it is entered: a failed allocation leaves no flight behind.
        flight = std::make_shared<Flight>();
        shard.flights.emplace(key, flight);
        return Found::mine;
    }
};

DnsCache::DnsCache(std::shared_ptr<Resolver> upstream, const Clock& clock, CacheOptions options)
    : impl_(std::make_unique<Impl>(std::move(upstream), clock, options)) {}

// The pool is stopped, not reset: its running jobs still use it until they end.
DnsCache::~DnsCache() {
    if (impl_->pool) impl_->pool->stop();
}

bool DnsCache::keeps(const Question& question) const {
    try {
        thread_local Key key;
        key_into(key, question);
        Shard& shard = impl_->shard_for(key);
        const std::lock_guard lock(shard.mutex);
        const auto found = shard.index.find(key);
        return found != shard.index.end() && found->second->expires > impl_->clock.now();
    } catch (const std::exception&) {
        return false;
    }
}

Answer DnsCache::resolve(const Question& question, Deadline deadline) {
    Impl& impl = *impl_;
    try {
        thread_local Key key;  // reused: a hit allocates nothing for its key
        key_into(key, question);
        Answer answer;
        std::shared_ptr<Flight> flight;
        switch (impl.claim(key, answer, flight)) {
            case Impl::Found::hit: impl.hits.fetch_add(1, std::memory_order_relaxed); return answer;
            case Impl::Found::joined:
                impl.coalesced.fetch_add(1, std::memory_order_relaxed);
                return flight->wait(deadline);
            case Impl::Found::mine: break;
        }
        impl.misses.fetch_add(1, std::memory_order_relaxed);
        Impl::Batch batch{{question}, {key}, {std::move(flight)}, {0}};
        const AnswerSink sink = [&answer](std::size_t, Answer&& given) { answer = std::move(given); };
        impl.send(batch, deadline, &sink);
        return answer;
    } catch (const std::exception& error) {
        return failure(DnsStatus::server_failure, std::string("internal error: ") + error.what());
    }
}

void DnsCache::resolve_each(std::span<const Question> questions, Deadline deadline, const AnswerSink& sink) {
    Impl& impl = *impl_;
    Impl::Batch batch;
    std::vector<std::pair<std::size_t, std::shared_ptr<Flight>>> joined;
    std::size_t next = 0;
    try {
        // Room first: once a flight is claimed, recording it must not fail.
        batch.reserve(questions.size());
        joined.reserve(questions.size());
        for (; next < questions.size(); ++next) {
            Key key = key_of(questions[next]);
            Answer answer;
            std::shared_ptr<Flight> flight;
            switch (impl.claim(key, answer, flight)) {
                case Impl::Found::hit:
                    impl.hits.fetch_add(1, std::memory_order_relaxed);
                    sink(next, std::move(answer));
                    break;
                case Impl::Found::joined:
                    impl.coalesced.fetch_add(1, std::memory_order_relaxed);
                    joined.emplace_back(next, std::move(flight));
                    break;
                case Impl::Found::mine:
                    impl.misses.fetch_add(1, std::memory_order_relaxed);
                    batch.questions.push_back(questions[next]);
                    batch.keys.push_back(std::move(key));
                    batch.flights.push_back(std::move(flight));
                    batch.origin.push_back(next);
                    break;
            }
        }
    } catch (const std::exception& error) {
        // Out of memory while setting up: what was claimed is still sent (and
        // finished) below; every question not reached is answered as a failure.
        for (; next < questions.size(); ++next)
            sink(next, failure(DnsStatus::server_failure, std::string("internal error: ") + error.what()));
    }
    impl.send(batch, deadline, &sink);
    for (auto& [index, flight] : joined) sink(index, flight->wait(deadline));
}

std::vector<bool> DnsCache::prefetch(std::span<const Question> questions, Deadline deadline,
                                     std::shared_ptr<PrefetchListener> listener) {
    Impl& impl = *impl_;
    if (questions.empty()) return {};
    std::vector<bool> sent;
    try {
        sent.assign(questions.size(), false);
    } catch (const std::exception&) {
        return {};
    }
    if (!impl.start_prefetch(questions, deadline, listener, &sent)) {
        impl.prefetch_dropped.fetch_add(questions.size(), std::memory_order_relaxed);
        return {};
    }
    return sent;
}

CacheStats DnsCache::stats() const {
    CacheStats stats;
    stats.hits = impl_->hits.load(std::memory_order_relaxed);
    stats.misses = impl_->misses.load(std::memory_order_relaxed);
    stats.coalesced = impl_->coalesced.load(std::memory_order_relaxed);
    stats.evictions = impl_->evictions.load(std::memory_order_relaxed);
    stats.prefetched = impl_->prefetched.load(std::memory_order_relaxed);
    stats.prefetch_dropped = impl_->prefetch_dropped.load(std::memory_order_relaxed);
    for (Shard& shard : impl_->shards) {
        const std::lock_guard lock(shard.mutex);
        stats.entries += shard.index.size();
        stats.bytes += shard.bytes;
    }
    return stats;
}

const CacheOptions& DnsCache::options() const { return impl_->options; }

void DnsCache::clear() {
    for (Shard& shard : impl_->shards) {
        const std::lock_guard lock(shard.mutex);
        shard.index.clear();
        shard.probation.clear();
        shard.kept.clear();
        shard.bytes = 0;
    }
}

}  // namespace spf
