// The bounded hand-off between the binlog reader thread and the caller of
// binlog_source::next(). Events travel in batches so the lock is taken once
// per batch, not per row; the bound is on events and (approximate) bytes,
// so a huge transaction or a slow consumer makes the reader wait instead
// of growing memory. An error from the reader is delivered after every
// batch pushed before it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <vector>

namespace tor::mysql::detail {

template <class Item>
struct event_batch {
  std::vector<Item> events;
  std::size_t bytes = 0;
};

template <class Item>
class event_queue {
 public:
  using batch = event_batch<Item>;

  event_queue(std::size_t max_events, std::size_t max_bytes) : max_events_(max_events), max_bytes_(max_bytes) {}

  /// Blocks while the queue is full. Returns false when the queue was closed.
  bool push(batch&& b) {
    std::unique_lock lock(m_);
    ++producers_waiting_;
    not_full_.wait(lock, [&] {
      return closed_ || q_.empty() || (events_ + b.events.size() <= max_events_ && bytes_ + b.bytes <= max_bytes_);
    });
    --producers_waiting_;
    if (closed_) return false;
    events_ += b.events.size();
    bytes_ += b.bytes;
    q_.push_back(std::move(b));
    if (consumers_waiting_) not_empty_.notify_one();
    return true;
  }

  /// Records the reader's failure; next() throws it once earlier batches are consumed.
  void fail(std::exception_ptr e) {
    std::lock_guard lock(m_);
    if (!error_) error_ = std::move(e);
    not_empty_.notify_all();
  }

  /// Waits up to `wait` for a batch. Throws the reader's error when it has
  /// one and nothing is left before it.
  std::optional<batch> pop(std::chrono::milliseconds wait) {
    if (wait.count() <= 0) return pop_until({});
    return pop_until(std::chrono::steady_clock::now() + wait);
  }

  /// Waits until `deadline` for a batch, not at all for the clock's epoch
  /// (`time_point{}`); never returns empty-handed before the deadline.
  std::optional<batch> pop_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(m_);
    if (q_.empty() && !error_ && !closed_ && deadline != std::chrono::steady_clock::time_point{}) {
      ++consumers_waiting_;
      not_empty_.wait_until(lock, deadline, [&] { return !q_.empty() || error_ || closed_; });
      --consumers_waiting_;
    }
    if (q_.empty()) {
      if (error_) std::rethrow_exception(error_);
      return std::nullopt;
    }
    auto b = std::move(q_.front());
    q_.pop_front();
    events_ -= b.events.size();
    bytes_ -= b.bytes;
    if (producers_waiting_) not_full_.notify_one();
    return b;
  }

  /// Wakes and releases both sides; later pushes are refused.
  void close() {
    std::lock_guard lock(m_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  [[nodiscard]] std::size_t size_events() const {
    std::lock_guard lock(m_);
    return events_;
  }

  /// How many push() calls are blocked waiting for room (for monitoring
  /// and tests: a push that finds room never shows up here).
  [[nodiscard]] unsigned blocked_producers() const {
    std::lock_guard lock(m_);
    return producers_waiting_;
  }

 private:
  mutable std::mutex m_;
  std::condition_variable not_empty_, not_full_;
  std::deque<batch> q_;
  std::size_t events_ = 0, bytes_ = 0;
  std::size_t max_events_, max_bytes_;
  unsigned consumers_waiting_ = 0, producers_waiting_ = 0;
  bool closed_ = false;
  std::exception_ptr error_;
};

}  // namespace tor::mysql::detail
