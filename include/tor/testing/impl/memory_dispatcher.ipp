// Definitions for tor/testing/memory_dispatcher.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <algorithm>
#include <iterator>
#include <random>

#include <tor/testing/memory_dispatcher.hpp>

namespace tor::testing {

struct memory_transaction_board::shared {
  struct entry {
    std::uint64_t epoch = 0;
    std::uint64_t commits = 0;
    std::optional<checkpoint> committed;
  };
  mutable std::mutex mutex;
  std::map<std::string, entry> ids;
};

struct memory_dispatcher::random_engine {
  std::mt19937_64 engine;
};

TOR_DECL memory_dispatcher::memory_dispatcher(options opt)
    : opt_(std::move(opt)), rng_(new random_engine{std::mt19937_64(opt_.shuffle_seed)}) {}

TOR_DECL memory_dispatcher::~memory_dispatcher() = default;

TOR_DECL void memory_dispatcher::send(message&& m, std::uint64_t token) {
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

TOR_DECL std::size_t memory_dispatcher::poll(std::vector<delivery>& out, std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  if (releasable_ == 0) cv_.wait_for(lock, wait, [&] { return releasable_ > 0; });
  if (releasable_ == 0) return 0;
  std::size_t n = releasable_;
  if (opt_.shuffle_seed) n = std::uniform_int_distribution<std::size_t>(1, releasable_)(rng_->engine);
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

TOR_DECL bool memory_dispatcher::flush(std::chrono::milliseconds deadline) {
  flush_calls_.fetch_add(1, std::memory_order_relaxed);
  std::unique_lock lock(mutex_);
  if (opt_.auto_acknowledge && held_.empty()) return true;
  return cv_.wait_for(lock, deadline, [&] { return releasable_ == queued(); });
}

TOR_DECL std::optional<checkpoint> memory_dispatcher::committed_checkpoint() {
  auto& b = board();
  std::lock_guard lock(b.mutex);
  auto& id = b.ids[opt_.transactional_id];
  epoch_ = ++id.epoch;
  return id.committed;
}

TOR_DECL void memory_dispatcher::commit_transaction(const checkpoint& c) {
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

TOR_DECL void memory_dispatcher::release(std::size_t n) {
  {
    std::lock_guard lock(mutex_);
    releasable_ = std::min(releasable_ + n, queued());
  }
  cv_.notify_all();
}

TOR_DECL void memory_dispatcher::release_all() {
  {
    std::lock_guard lock(mutex_);
    releasable_ = queued();
  }
  cv_.notify_all();
}

TOR_DECL void memory_dispatcher::release_partition(const std::string& topic, int partition) {
  {
    std::lock_guard lock(mutex_);
    if (held_.erase({topic, partition}) == 0) return;
    if (auto it = pending_.find({topic, partition}); it != pending_.end() && opt_.auto_acknowledge)
      releasable_ += it->second.size();
  }
  cv_.notify_all();
}

TOR_DECL std::size_t memory_dispatcher::held() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& k : held_)
    if (auto it = pending_.find(k); it != pending_.end()) n += it->second.size();
  return n;
}

TOR_DECL std::vector<memory_dispatcher::record> memory_dispatcher::delivered_all(const std::string& topic) const {
  std::lock_guard lock(mutex_);
  std::vector<record> all;
  for (const auto& [k, v] : delivered_)
    if (k.first == topic) all.insert(all.end(), v.begin(), v.end());
  return all;
}

TOR_DECL int memory_dispatcher::partition_for(const message& m) const {
  if (m.partition) return *m.partition;
  const auto it = opt_.partitions.find(m.topic.view());
  const int n = it == opt_.partitions.end() ? opt_.default_partitions : it->second;
  std::uint32_t h = 2166136261u;  // FNV-1a: stable across runs and platforms
  for (unsigned char c : m.key) h = (h ^ c) * 16777619u;
  return static_cast<int>(h % static_cast<std::uint32_t>(n));
}

TOR_DECL memory_dispatcher::queue_map::iterator memory_dispatcher::pick() {
  if (opt_.shuffle_seed) {
    std::vector<queue_map::iterator> nonempty;
    for (auto it = pending_.begin(); it != pending_.end(); ++it)
      if (!it->second.empty() && !held_.contains(it->first)) nonempty.push_back(it);
    if (nonempty.empty()) return pending_.end();
    return nonempty[std::uniform_int_distribution<std::size_t>(0, nonempty.size() - 1)(rng_->engine)];
  }
  auto best = pending_.end();
  for (auto it = pending_.begin(); it != pending_.end(); ++it)
    if (!it->second.empty() && !held_.contains(it->first) &&
        (best == pending_.end() || it->second.front().token < best->second.front().token))
      best = it;
  return best;
}

TOR_DECL void memory_dispatcher::report(queue_map::iterator it, std::vector<delivery>& out) {
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

TOR_DECL memory_transaction_board::shared& memory_dispatcher::board() {
  if (!opt_.transactions)
    throw error(error_kind::invalid_argument, "memory_dispatcher: not transactional (options::transactions unset)");
  return *opt_.transactions->s_;
}

TOR_DECL void memory_dispatcher::abort_locked() {
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

TOR_DECL memory_transaction_board::memory_transaction_board() : s_(std::make_shared<shared>()) {}

TOR_DECL std::optional<checkpoint> memory_transaction_board::committed(const std::string& id) const {
  std::lock_guard lock(s_->mutex);
  auto it = s_->ids.find(id);
  return it == s_->ids.end() ? std::nullopt : it->second.committed;
}

TOR_DECL std::uint64_t memory_transaction_board::commits(const std::string& id) const {
  std::lock_guard lock(s_->mutex);
  auto it = s_->ids.find(id);
  return it == s_->ids.end() ? 0 : it->second.commits;
}

TOR_DECL memory_dispatcher::memory_dispatcher() : memory_dispatcher(options{}) {}

TOR_DECL void memory_dispatcher::begin_transaction() {
  std::lock_guard lock(mutex_);
  if (in_txn_) throw error(error_kind::invalid_argument, "memory_dispatcher: begin_transaction inside a transaction");
  in_txn_ = true;
}

TOR_DECL void memory_dispatcher::abort_transaction() {
  std::lock_guard lock(mutex_);
  abort_locked();
}

TOR_DECL void memory_dispatcher::fail_next_commit(error e) {
  std::lock_guard lock(mutex_);
  commit_failure_ = std::move(e);
}

TOR_DECL std::uint64_t memory_dispatcher::aborted_messages() const {
  std::lock_guard lock(mutex_);
  return aborted_;
}

TOR_DECL void memory_dispatcher::hold_partition(const std::string& topic, int partition) {
  std::lock_guard lock(mutex_);
  held_.insert({topic, partition});
}

TOR_DECL std::vector<memory_dispatcher::record> memory_dispatcher::delivered(const std::string& topic,
                                                                           int partition) const {
  std::lock_guard lock(mutex_);
  auto it = delivered_.find({topic, partition});
  return it == delivered_.end() ? std::vector<record>{} : it->second;
}

TOR_DECL std::uint64_t memory_dispatcher::sent() const {
  std::lock_guard lock(mutex_);
  return sent_;
}

TOR_DECL std::uint64_t memory_dispatcher::acknowledged() const {
  std::lock_guard lock(mutex_);
  return acknowledged_;
}

TOR_DECL std::uint64_t memory_dispatcher::high_water() const {
  std::lock_guard lock(mutex_);
  return high_water_;
}

TOR_DECL std::size_t memory_dispatcher::outstanding() const {
  std::lock_guard lock(mutex_);
  return queued();
}

TOR_DECL std::size_t memory_dispatcher::queued() const {
  std::size_t n = 0;
  for (const auto& [k, q] : pending_) n += q.size();
  return n;
}

}  // namespace tor::testing
