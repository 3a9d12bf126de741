// An in-memory tor::dispatcher that records what it is sent, per topic and
// partition, and lets a test decide when and in what order messages are
// acknowledged: at once, held until released, or shuffled across partitions
// (order within a partition is always kept, as a broker keeps it). Chosen
// messages can be made to fail, and one partition can be held (its messages
// wait, as behind a leader that is away) while the others are acknowledged.
#pragma once

#include <algorithm>
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

#include <tor/core/detail/ring.hpp>
#include <tor/core/message.hpp>

namespace tor::testing {

class memory_dispatcher {
 public:
  struct options {
    /// Partitions of topics not listed in `partitions`.
    int default_partitions = 1;
    std::map<std::string, int> partitions;
    /// false: messages wait for release()/release_all() before they are reported.
    bool auto_acknowledge = true;
    /// Non-zero: each poll acknowledges a random number of messages from
    /// randomly chosen partitions (in order within each partition).
    std::uint64_t shuffle_seed = 0;
    /// Returns an error text for messages that must fail, nullopt otherwise.
    std::function<std::optional<std::string>(const message&)> fail;
    /// false: only count messages, keep no copies (for benchmarks).
    bool record = true;
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
      last_queue_ = pending_.try_emplace({m.topic, p}).first;
    auto& q = last_queue_->second;
    entry& e = q.emplace_back();
    e.token = token;
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
    std::unique_lock lock(mutex_);
    if (opt_.auto_acknowledge && held_.empty()) return true;
    return cv_.wait_for(lock, deadline, [&] { return releasable_ == queued(); });
  }

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
    const auto it = opt_.partitions.find(m.topic);
    const int n = it == opt_.partitions.end() ? opt_.default_partitions : it->second;
    std::uint32_t h = 2166136261u;  // FNV-1a: stable across runs and platforms
    for (unsigned char c : m.key) h = (h ^ c) * 16777619u;
    return static_cast<int>(h % static_cast<std::uint32_t>(n));
  }

 private:
  struct entry {
    std::uint64_t token = 0;
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
    if (e.msg) delivered_[it->first].push_back({e.token, it->first.second, std::move(*e.msg)});
    out.push_back({e.token, {}});
  }

  options opt_;
  std::mt19937_64 rng_;
  queue_map pending_;
  queue_map::iterator last_queue_ = pending_.end();
  std::map<key, std::vector<record>> delivered_;
  std::set<key> held_;
  std::size_t releasable_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t acknowledged_ = 0;
  std::uint64_t reported_ = 0;
  std::uint64_t high_water_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace tor::testing
