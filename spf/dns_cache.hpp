// spf/dns_cache.hpp: a Resolver in front of another that keeps answers for
// their TTL, asks each question once however many checks want it at the same
// time (single-flight), and runs prefetches in the background.
//
// What is kept, and for how long:
//   - ok: the smallest TTL of the RRset, at most max_ttl;
//   - nxdomain and no_data: the negative TTL of RFC 2308 §5 (the SOA of the
//     authority section, Answer::ttl), at most max_negative_ttl; a negative
//     answer without an SOA is not kept (RFC 2308 §5: no SOA, no caching);
//   - server_failure and timeout: never. They become temperror, which makes
//     the sender retry in minutes anyway; keeping them would turn one lost
//     datagram into a run of tempfails for every sender of that domain, and a
//     TTL-less failure has no lifetime to honour. Concurrent askers still
//     share the one failing query (single-flight), so a dead server costs one
//     query per question at a time, not one per check.
//   - a TXT answer keeps the parsed SPF record (parsed_record.hpp) with it.
//
// Bounds and eviction: at most max_entries answers and max_bytes of them (the
// octets of names, texts and addresses, plus a fixed overhead per entry),
// split evenly over the shards. Each shard is a segmented LRU: a new answer
// enters the probation segment; only an answer asked for again while cached
// is promoted to the protected segment (at most 80 % of the shard). A flood
// of unique names (one attacker domain with a random label per message) only
// ever churns the probation segment: the answers that many checks share,
// which are asked for again, stay protected.
//
// Concurrency: the key's hash picks one of `shards` shards, each with its own
// mutex held only to look up or insert, never while a query is under way.
//
// Time: expiry reads the injected Clock, so tests move time without sleeping.
#pragma once

#include "spf/clock.hpp"
#include "spf/resolver.hpp"

#include <chrono>
#include <cstdint>
#include <memory>

namespace spf {

struct CacheOptions {
    std::size_t max_entries = 100'000;
    std::size_t max_bytes = 64 * 1024 * 1024;
    std::chrono::seconds max_ttl{86'400};
    std::chrono::seconds max_negative_ttl{3'600};
    unsigned shards = 16;
    // Background threads that run prefetch() batches; 0 disables prefetch.
    // A prefetch that finds every thread busy is dropped (it was only a hint).
    unsigned prefetch_threads = 8;
};

struct CacheStats {
    std::uint64_t hits = 0;        // answered from a kept answer
    std::uint64_t misses = 0;      // sent to the resolver behind
    std::uint64_t coalesced = 0;   // waited for a query another caller had sent
    std::uint64_t evictions = 0;   // dropped for room before their TTL ran out
    std::uint64_t prefetched = 0;  // questions sent by prefetch()
    std::uint64_t prefetch_dropped = 0;
    std::uint64_t entries = 0;
    std::uint64_t bytes = 0;
};

class DnsCache final : public Resolver {
public:
    DnsCache(std::shared_ptr<Resolver> upstream, const Clock& clock, CacheOptions options = {});
    ~DnsCache() override;  // waits for running prefetches
    DnsCache(const DnsCache&) = delete;
    DnsCache& operator=(const DnsCache&) = delete;

    // A kept answer (from_cache set), the answer of a query under way for the
    // same question (waited for until the deadline: then a timeout), or a new
    // query to the upstream resolver.
    Answer resolve(const Question& question, Deadline deadline) override;
    // Kept answers at once; the misses go upstream together in one batch.
    void resolve_each(std::span<const Question> questions, Deadline deadline, const AnswerSink& sink) override;
    // Starts the questions that are neither kept nor under way, as one batch on
    // a background thread; resolve() of them then waits for that query.
    // Each answer's follow-ups (PrefetchListener::arrived()) go out at once on
    // another idle thread, or, with none idle, after the batch on this one.
    std::vector<bool> prefetch(std::span<const Question> questions, Deadline deadline,
                               std::shared_ptr<PrefetchListener> listener = nullptr) override;

    // A fresh answer is kept for the question (it is not marked as used).
    bool keeps(const Question& question) const override;

    CacheStats stats() const;
    const CacheOptions& options() const;
    void clear();  // drops every kept answer (queries under way finish)

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace spf
