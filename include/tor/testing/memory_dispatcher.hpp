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

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <tor/core/checkpoint.hpp>
#include <tor/core/detail/ring.hpp>
#include <tor/core/error.hpp>
#include <tor/core/message.hpp>

namespace tor::testing {

/// What a Kafka transaction coordinator keeps, for memory_dispatchers: per
/// transactional id, the producer epoch (a new instance fences the older)
/// and the checkpoint of the last committed transaction. Copies share it.
class memory_transaction_board {
 public:
  memory_transaction_board() : s_(std::make_shared<shared>()) {}

  /// The checkpoint the last committed transaction of `id` carried.
  [[nodiscard]] std::optional<checkpoint> committed(const std::string& id) const {
    std::lock_guard lock(s_->mutex);
    auto it = s_->ids.find(id);
    return it == s_->ids.end() ? std::nullopt : it->second.committed;
  }
  /// Transactions of `id` committed so far.
  [[nodiscard]] std::uint64_t commits(const std::string& id) const {
    std::lock_guard lock(s_->mutex);
    auto it = s_->ids.find(id);
    return it == s_->ids.end() ? 0 : it->second.commits;
  }

 private:
  friend class memory_dispatcher;
  struct entry {
    std::uint64_t epoch = 0;
    std::uint64_t commits = 0;
    std::optional<checkpoint> committed;
  };
  struct shared {
    mutable std::mutex mutex;
    std::map<std::string, entry> ids;
  };
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

  memory_dispatcher() : memory_dispatcher(options{}) {}
  explicit memory_dispatcher(options opt) : opt_(std::move(opt)), rng_(opt_.shuffle_seed) {}

  void send(message&& m, std::uint64_t token) {
    std::lock_guard lock(mutex_);
    const int p = partition_for(m);
    std::optional<std::string> failure;
    if (opt_.fail) failure = opt_.fail(m);
    // Consecutive messages usually share a partition: skip the map lookup then.
    if (last_queue_ == pending_.end() || last_queue_->first.second != p || last_queue_->first.first != m.topic)
      last_queue_ = pending_.try_emplace(key{std::string(m.topic), p}).first;
    auto& q = last_queue_->second;
    entry& e = q.emplace_back();
    e.token = token;
    e.in_transaction = in_txn_;
    e.failure = std::move(failure);
    if (opt_.record) e.msg = std::move(m);
    ++sent_;
    high_water_ = std::max(high_water_, sent_ - reported_);
    if (opt_.auto_acknowledge && !held_.contains(last_queue_->first)) ++releasable_;
  }

  std::size_t poll(std::vector<delivery>& out, std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    if (releasable_ == 0) cv_.wait_for(lock, wait, [&] { return releasable_ > 0; });
    if (releasable_ == 0) return 0;
    std::size_t n = releasable_;
    if (opt_.shuffle_seed) n = std::uniform_int_distribution<std::size_t>(1, releasable_)(rng_);
    std::size_t done = 0;
    while (done < n) {
      auto it = pick();
      if (it == pending_.end()) break;
      report(it, out);
      ++done;
    }
    releasable_ -= done;
    reported_ += done;
    return done;
  }

  bool flush(std::chrono::milliseconds deadline) {
    flush_calls_.fetch_add(1, std::memory_order_relaxed);
    std::unique_lock lock(mutex_);
    if (opt_.auto_acknowledge && held_.empty()) return true;
    return cv_.wait_for(lock, deadline, [&] { return releasable_ == queued(); });
  }

  // ---- transactional mode (options::transactions set) ----

  [[nodiscard]] bool transactional() const noexcept { return opt_.transactions.has_value(); }

  /// Fences the instances of this transactional id before this one, aborts
  /// their open transactions, and returns the last committed checkpoint.
  std::optional<checkpoint> committed_checkpoint() {
    auto& b = board();
    std::lock_guard lock(b.mutex);
    auto& id = b.ids[opt_.transactional_id];
    epoch_ = ++id.epoch;
    return id.committed;
  }

  void begin_transaction() {
    std::lock_guard lock(mutex_);
    if (in_txn_) throw error(error_kind::invalid_argument, "memory_dispatcher: begin_transaction inside a transaction");
    in_txn_ = true;
  }

  /// Makes the transaction's messages visible with `c`. Every one of them
  /// must have been reported (flush and poll first). Throws tor::error:
  /// fenced when a newer instance of the id read the committed checkpoint;
  /// the injected failure (fail_next_commit), after aborting, when set.
  void commit_transaction(const checkpoint& c) {
    std::lock_guard lock(mutex_);
    if (!in_txn_) throw error(error_kind::invalid_argument, "memory_dispatcher: commit_transaction outside a transaction");
    for (const auto& [k, q] : pending_)
      for (std::size_t i = 0; i < q.size(); ++i)
        if (q[i].in_transaction)
          throw error(error_kind::invalid_argument,
                      "memory_dispatcher: commit_transaction with messages not yet reported (flush and poll first)");
    auto& b = board();
    std::lock_guard board_lock(b.mutex);
    auto& id = b.ids[opt_.transactional_id];
    if (id.epoch != epoch_) {
      abort_locked();
      throw error(error_kind::fenced, "memory_dispatcher: transactional id '" + opt_.transactional_id +
                                          "' was taken over by a newer instance (epoch " + std::to_string(id.epoch) +
                                          ", this one " + std::to_string(epoch_) + "): fenced");
    }
    if (commit_failure_) {
      const auto e = std::move(*commit_failure_);
      commit_failure_.reset();
      abort_locked();
      throw e;
    }
    for (auto& [k, recs] : uncommitted_) {
      auto& d = delivered_[k];
      d.insert(d.end(), std::make_move_iterator(recs.begin()), std::make_move_iterator(recs.end()));
    }
    uncommitted_.clear();
    id.committed = c;
    ++id.commits;
    in_txn_ = false;
  }

  /// Drops the transaction's messages: none of them becomes visible.
  void abort_transaction() {
    std::lock_guard lock(mutex_);
    abort_locked();
  }

  /// The next commit_transaction throws `e` after aborting (kind transient:
  /// an abortable error; fenced; anything else: fatal).
  void fail_next_commit(error e) {
    std::lock_guard lock(mutex_);
    commit_failure_ = std::move(e);
  }
  /// Messages written in transactions that were then aborted.
  [[nodiscard]] std::uint64_t aborted_messages() const {
    std::lock_guard lock(mutex_);
    return aborted_;
  }

  /// How many times flush() was called: a test that releases held messages
  /// once the router flushes (at a graceful stop) waits for this.
  [[nodiscard]] std::size_t flush_calls() const { return flush_calls_.load(std::memory_order_relaxed); }

  /// Lets the next `n` held messages be reported (auto_acknowledge = false).
  void release(std::size_t n) {
    {
      std::lock_guard lock(mutex_);
      releasable_ = std::min(releasable_ + n, queued());
    }
    cv_.notify_all();
  }
  void release_all() {
    {
      std::lock_guard lock(mutex_);
      releasable_ = queued();
    }
    cv_.notify_all();
  }

  /// Messages sent to this partition wait (auto_acknowledge mode), as behind
  /// a partition leader that is away; other partitions go on.
  void hold_partition(const std::string& topic, int partition) {
    std::lock_guard lock(mutex_);
    held_.insert({topic, partition});
  }
  /// Reports what waited in a held partition (acknowledged, or failed as
  /// options::fail says), and lets later messages through.
  void release_partition(const std::string& topic, int partition) {
    {
      std::lock_guard lock(mutex_);
      if (held_.erase({topic, partition}) == 0) return;
      if (auto it = pending_.find({topic, partition}); it != pending_.end() && opt_.auto_acknowledge)
        releasable_ += it->second.size();
    }
    cv_.notify_all();
  }
  /// Messages waiting in held partitions.
  [[nodiscard]] std::size_t held() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& k : held_)
      if (auto it = pending_.find(k); it != pending_.end()) n += it->second.size();
    return n;
  }

  /// Acknowledged messages of a topic partition, in broker order.
  [[nodiscard]] std::vector<record> delivered(const std::string& topic, int partition = 0) const {
    std::lock_guard lock(mutex_);
    auto it = delivered_.find({topic, partition});
    return it == delivered_.end() ? std::vector<record>{} : it->second;
  }
  /// Every acknowledged message of a topic, partition by partition.
  [[nodiscard]] std::vector<record> delivered_all(const std::string& topic) const {
    std::lock_guard lock(mutex_);
    std::vector<record> all;
    for (const auto& [k, v] : delivered_)
      if (k.first == topic) all.insert(all.end(), v.begin(), v.end());
    return all;
  }
  [[nodiscard]] std::uint64_t sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }
  [[nodiscard]] std::uint64_t acknowledged() const {
    std::lock_guard lock(mutex_);
    return acknowledged_;
  }
  /// The most messages ever outstanding (sent, not yet reported) at once.
  [[nodiscard]] std::uint64_t high_water() const {
    std::lock_guard lock(mutex_);
    return high_water_;
  }
  /// Messages sent and not yet reported.
  [[nodiscard]] std::size_t outstanding() const {
    std::lock_guard lock(mutex_);
    return queued();
  }
  /// The partition a keyed message goes to (explicit partition, else a hash of the key).
  [[nodiscard]] int partition_for(const message& m) const {
    if (m.partition) return *m.partition;
    const auto it = opt_.partitions.find(m.topic.view());
    const int n = it == opt_.partitions.end() ? opt_.default_partitions : it->second;
    std::uint32_t h = 2166136261u;  // FNV-1a: stable across runs and platforms
    for (unsigned char c : m.key) h = (h ^ c) * 16777619u;
    return static_cast<int>(h % static_cast<std::uint32_t>(n));
  }

 private:
  struct entry {
    std::uint64_t token = 0;
    bool in_transaction = false;
    std::optional<std::string> failure;
    std::optional<message> msg;
  };
  using key = std::pair<std::string, int>;
  using queue_map = std::map<key, detail::ring<entry>>;

  [[nodiscard]] std::size_t queued() const {
    std::size_t n = 0;
    for (const auto& [k, q] : pending_) n += q.size();
    return n;
  }

  // Which partition to report from next: the oldest message overall, or a random partition.
  queue_map::iterator pick() {
    if (opt_.shuffle_seed) {
      std::vector<queue_map::iterator> nonempty;
      for (auto it = pending_.begin(); it != pending_.end(); ++it)
        if (!it->second.empty() && !held_.contains(it->first)) nonempty.push_back(it);
      if (nonempty.empty()) return pending_.end();
      return nonempty[std::uniform_int_distribution<std::size_t>(0, nonempty.size() - 1)(rng_)];
    }
    auto best = pending_.end();
    for (auto it = pending_.begin(); it != pending_.end(); ++it)
      if (!it->second.empty() && !held_.contains(it->first) &&
          (best == pending_.end() || it->second.front().token < best->second.front().token))
        best = it;
    return best;
  }

  void report(queue_map::iterator it, std::vector<delivery>& out) {
    entry e = std::move(it->second.front());
    it->second.pop_front();
    if (e.failure) {
      out.push_back({e.token, "topic " + it->first.first + " partition " + std::to_string(it->first.second) + ": " +
                                  *e.failure});
      return;
    }
    ++acknowledged_;
    if (e.msg) {
      auto& to = e.in_transaction ? uncommitted_[it->first] : delivered_[it->first];
      to.push_back({e.token, it->first.second, std::move(*e.msg)});
    } else if (e.in_transaction) {
      ++uncommitted_count_;
    }
    out.push_back({e.token, {}});
  }

  memory_transaction_board::shared& board() {
    if (!opt_.transactions)
      throw error(error_kind::invalid_argument, "memory_dispatcher: not transactional (options::transactions unset)");
    return *opt_.transactions->s_;
  }

  // Written messages of the transaction are dropped; unreported ones are
  // reported failed, as a producer's purged messages are.
  void abort_locked() {
    for (const auto& [k, recs] : uncommitted_) aborted_ += recs.size();
    aborted_ += uncommitted_count_;
    uncommitted_.clear();
    uncommitted_count_ = 0;
    for (auto& [k, q] : pending_)
      for (std::size_t i = 0; i < q.size(); ++i)
        if (q[i].in_transaction && !q[i].failure) {
          q[i].failure = "the transaction was aborted";
          ++aborted_;
        }
    in_txn_ = false;
  }

  options opt_;
  std::mt19937_64 rng_;
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
