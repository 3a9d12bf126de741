// A source decorator that remembers how far the wrapped source has read: the
// position after the last commit and, while the binlog is idle, the position
// the server's heartbeats report, plus the commit time of the last
// transaction. The lag monitor compares that with the end of the server's
// binlog from another thread, so the router needs no knowledge of it.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <variant>

#include <tor/core/concepts.hpp>

namespace tor_service {

/// What an observed_source publishes; read from any thread.
class read_progress {
 public:
  struct snapshot {
    tor::binlog_position position;                ///< how far the source has read (commit or heartbeat)
    tor::clock::time_point last_commit_time{};     ///< commit time of the last transaction read
    std::chrono::steady_clock::time_point last_heartbeat{};  ///< when the last heartbeat arrived
    std::uint64_t heartbeats = 0;
  };

  void on_commit(const tor::binlog_position& after, tor::clock::time_point when) {
    std::lock_guard lock(mutex_);
    s_.position = after;
    s_.last_commit_time = when;
  }
  void on_heartbeat(const tor::binlog_position& at) {
    std::lock_guard lock(mutex_);
    ++s_.heartbeats;
    s_.last_heartbeat = std::chrono::steady_clock::now();
    // A heartbeat comes when the server has nothing more to send: the
    // source has read everything up to its position.
    if (!at.empty() && (s_.position.empty() || s_.position < at)) s_.position = at;
  }
  void reset() {
    std::lock_guard lock(mutex_);
    s_ = {};
  }
  [[nodiscard]] snapshot get() const {
    std::lock_guard lock(mutex_);
    return s_;
  }

 private:
  mutable std::mutex mutex_;
  snapshot s_;
};

template <tor::source Source>
class observed_source {
 public:
  /// `on_open` runs once the stream is open: from then on every commit is seen.
  observed_source(Source& inner, read_progress& progress, std::function<void()> on_open = {})
      : inner_(inner), progress_(progress), on_open_(std::move(on_open)) {}

  void open(const std::optional<tor::checkpoint>& from) {
    progress_.reset();
    if (from) progress_.on_commit(from->position, {});
    inner_.open(from);
    if (on_open_) on_open_();
  }

  std::optional<tor::change_event> next(std::chrono::milliseconds wait) {
    auto ev = inner_.next(wait);
    if (ev) {
      if (const auto* c = std::get_if<tor::commit_event>(&*ev)) progress_.on_commit(c->after.position, c->timestamp);
      else if (const auto* h = std::get_if<tor::heartbeat_event>(&*ev)) progress_.on_heartbeat(h->position);
    }
    return ev;
  }

  /// Where the inner source opened (see tor::start_reporting_source).
  [[nodiscard]] std::optional<tor::checkpoint> opened_at() const
    requires tor::start_reporting_source<Source>
  {
    return inner_.opened_at();
  }

 private:
  Source& inner_;
  read_progress& progress_;
  std::function<void()> on_open_;
};

}  // namespace tor_service
