// An in-memory tor::dispatcher that records what it is sent, per topic and
// partition, and lets a test decide when and in what order messages are
// acknowledged: at once, held until released, or shuffled across partitions
// (order within a partition is always kept, as a broker keeps it). Chosen
// messages can be made to fail, and one partition can be held (its messages
// wait, as behind a leader that is away) while the others are acknowledged.
//
// Given a memory_transaction_board it is a transactional dispatcher, as
// Kafka's transactional producer is: messages sent in a transaction are
// acknowledged as they are written but become visible (delivered()) only
// when the transaction commits, together with its checkpoint; an abort drops
// them; every instance of one transactional id fences the instances before
// it when it reads the committed checkpoint. A commit can be made to fail.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <tor/core/checkpoint.hpp>
#include <tor/core/detail/config.hpp>
#include <tor/core/detail/ring.hpp>
#include <tor/core/error.hpp>
#include <tor/core/message.hpp>

namespace tor::testing {

/// What a Kafka transaction coordinator keeps, for memory_dispatchers: per
/// transactional id, the producer epoch (a new instance fences the older)
/// and the checkpoint of the last committed transaction. Copies share it.
class memory_transaction_board {
 public:
  TOR_DECL memory_transaction_board();

  /// The checkpoint the last committed transaction of `id` carried.
  [[nodiscard]] TOR_DECL std::optional<checkpoint> committed(const std::string& id) const;
  /// Transactions of `id` committed so far.
  [[nodiscard]] TOR_DECL std::uint64_t commits(const std::string& id) const;

 private:
  friend class memory_dispatcher;
  struct shared;  // in the .ipp
  std::shared_ptr<shared> s_;
};

class memory_dispatcher {
 public:
  struct options {
    /// Partitions of topics not listed in `partitions`.
    int default_partitions = 1;
    std::map<std::string, int, std::less<>> partitions;
    /// false: messages wait for release()/release_all() before they are reported.
    bool auto_acknowledge = true;
    /// Non-zero: each poll acknowledges a random number of messages from
    /// randomly chosen partitions (in order within each partition).
    std::uint64_t shuffle_seed = 0;
    /// Returns an error text for messages that must fail, nullopt otherwise.
    std::function<std::optional<std::string>(const message&)> fail;
    /// false: only count messages, keep no copies (for benchmarks).
    bool record = true;
    /// Set: the dispatcher is transactional, with this board as its coordinator.
    std::optional<memory_transaction_board> transactions;
    /// The transactional id (instances with the same one fence each other).
    std::string transactional_id = "tor";
  };

  /// One stored message and where it went.
  struct record {
    std::uint64_t token;
    int partition;
    message msg;
  };

  TOR_DECL memory_dispatcher();
  TOR_DECL explicit memory_dispatcher(options opt);
  TOR_DECL ~memory_dispatcher();
  memory_dispatcher(const memory_dispatcher&) = delete;
  memory_dispatcher& operator=(const memory_dispatcher&) = delete;

  TOR_DECL void send(message&& m, std::uint64_t token);

  TOR_DECL std::size_t poll(std::vector<delivery>& out, std::chrono::milliseconds wait);

  TOR_DECL bool flush(std::chrono::milliseconds deadline);

  // ---- transactional mode (options::transactions set) ----

  [[nodiscard]] bool transactional() const noexcept { return opt_.transactions.has_value(); }

  /// Fences the instances of this transactional id before this one, aborts
  /// their open transactions, and returns the last committed checkpoint.
  TOR_DECL std::optional<checkpoint> committed_checkpoint();

  TOR_DECL void begin_transaction();

  /// Makes the transaction's messages visible with `c`. Every one of them
  /// must have been reported (flush and poll first). Throws tor::error:
  /// fenced when a newer instance of the id read the committed checkpoint;
  /// the injected failure (fail_next_commit), after aborting, when set.
  TOR_DECL void commit_transaction(const checkpoint& c);

  /// Drops the transaction's messages: none of them becomes visible.
  TOR_DECL void abort_transaction();

  /// The next commit_transaction throws `e` after aborting (kind transient:
  /// an abortable error; fenced; anything else: fatal).
  TOR_DECL void fail_next_commit(error e);
  /// Messages written in transactions that were then aborted.
  [[nodiscard]] TOR_DECL std::uint64_t aborted_messages() const;

  /// How many times flush() was called: a test that releases held messages
  /// once the router flushes (at a graceful stop) waits for this.
  [[nodiscard]] std::size_t flush_calls() const { return flush_calls_.load(std::memory_order_relaxed); }

  /// Lets the next `n` held messages be reported (auto_acknowledge = false).
  TOR_DECL void release(std::size_t n);
  TOR_DECL void release_all();

  /// Messages sent to this partition wait (auto_acknowledge mode), as behind
  /// a partition leader that is away; other partitions go on.
  TOR_DECL void hold_partition(const std::string& topic, int partition);
  /// Reports what waited in a held partition (acknowledged, or failed as
  /// options::fail says), and lets later messages through.
  TOR_DECL void release_partition(const std::string& topic, int partition);
  /// Messages waiting in held partitions.
  [[nodiscard]] TOR_DECL std::size_t held() const;

  /// Acknowledged messages of a topic partition, in broker order.
  [[nodiscard]] TOR_DECL std::vector<record> delivered(const std::string& topic, int partition = 0) const;
  /// Every acknowledged message of a topic, partition by partition.
  [[nodiscard]] TOR_DECL std::vector<record> delivered_all(const std::string& topic) const;
  [[nodiscard]] TOR_DECL std::uint64_t sent() const;
  [[nodiscard]] TOR_DECL std::uint64_t acknowledged() const;
  /// The most messages ever outstanding (sent, not yet reported) at once.
  [[nodiscard]] TOR_DECL std::uint64_t high_water() const;
  /// Messages sent and not yet reported.
  [[nodiscard]] TOR_DECL std::size_t outstanding() const;
  /// The partition a keyed message goes to (explicit partition, else a hash of the key).
  [[nodiscard]] TOR_DECL int partition_for(const message& m) const;

 private:
  struct entry {
    std::uint64_t token = 0;
    bool in_transaction = false;
    std::optional<std::string> failure;
    std::optional<message> msg;
  };
  using key = std::pair<std::string, int>;
  using queue_map = std::map<key, detail::ring<entry>>;

  [[nodiscard]] TOR_DECL std::size_t queued() const;

  // Which partition to report from next: the oldest message overall, or a random partition.
  TOR_DECL queue_map::iterator pick();

  TOR_DECL void report(queue_map::iterator it, std::vector<delivery>& out);

  TOR_DECL memory_transaction_board::shared& board();

  // Written messages of the transaction are dropped; unreported ones are
  // reported failed, as a producer's purged messages are.
  TOR_DECL void abort_locked();

  options opt_;
  struct random_engine;  // std::mt19937_64 seeded with shuffle_seed; <random> stays out of this header
  std::unique_ptr<random_engine> rng_;
  queue_map pending_;
  queue_map::iterator last_queue_ = pending_.end();
  std::map<key, std::vector<record>> delivered_;
  std::map<key, std::vector<record>> uncommitted_;  // written in the open transaction
  std::size_t uncommitted_count_ = 0;               // the same, when not recording
  bool in_txn_ = false;
  std::uint64_t epoch_ = 0;
  std::uint64_t aborted_ = 0;
  std::optional<error> commit_failure_;
  std::set<key> held_;
  std::size_t releasable_ = 0;
  std::atomic<std::size_t> flush_calls_{0};
  std::uint64_t sent_ = 0;
  std::uint64_t acknowledged_ = 0;
  std::uint64_t reported_ = 0;
  std::uint64_t high_water_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace tor::testing

#ifdef TOR_HEADER_ONLY
#include <tor/testing/impl/memory_dispatcher.ipp>
#endif
