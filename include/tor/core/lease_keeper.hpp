// Taking and keeping a tor::lease: `wait_for_lease` is the standby's loop
// (try, wait, try again until the lease is free), and `lease_keeper` keeps a
// lease once taken, renewing it on a thread of its own and keeping a
// tor::publish_gate open only while the lease surely holds. The router
// checks that gate (router_options::gate) before it hands messages to the
// dispatcher.
//
//   tor::redis::lease lease{cfg};
//   auto taken = tor::wait_for_lease(lease, stop);         // standby until here
//   tor::lease_keeper keeper{lease, *taken};                // active
//   tor::router_options o; o.gate = &keeper.gate();
//   ... run the router; it stops with error_kind::fenced when the lease is lost
//   keeper.release();                                      // at a clean stop
//
// Timing: the keeper renews every ttl/3 by default. A renewal counts from
// the moment it was *sent*, and the gate closes a safety margin (ttl/10)
// before that plus the TTL, so it is shut before the store can let the lease
// expire — even when this process was paused and its renewing thread could
// not run. A renewal that fails for a transient reason (the store
// unreachable) is retried until the gate's time runs out; then the lease
// counts as lost.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include <tor/core/error.hpp>
#include <tor/core/lease.hpp>

namespace tor {

/// A lease just taken, and when the request that took it was sent.
struct taken_lease {
  lease_grant grant;
  std::chrono::steady_clock::time_point asked_at;
};

/// Tries to acquire `l` every `poll_interval` (default ttl/3) until it
/// succeeds or `stop` is requested (then nullopt). Transient failures of the
/// store are passed to `on_error` and retried; other errors are thrown.
template <lease L>
std::optional<taken_lease> wait_for_lease(L& l, std::stop_token stop, std::chrono::milliseconds poll_interval = {},
                                          const std::function<void(const error&)>& on_error = {}) {
  using steady = std::chrono::steady_clock;
  const auto ttl = std::chrono::milliseconds(l.ttl());
  if (poll_interval.count() <= 0) poll_interval = std::max(ttl / 3, std::chrono::milliseconds(1));
  std::mutex m;
  std::condition_variable_any cv;
  while (!stop.stop_requested()) {
    const auto asked = steady::now();
    try {
      if (auto g = l.acquire()) return taken_lease{std::move(*g), asked};
    } catch (const error& e) {
      if (!e.transient()) throw;
      if (on_error) on_error(e);
    }
    std::unique_lock lock(m);
    cv.wait_for(lock, stop, poll_interval, [] { return false; });
  }
  return std::nullopt;
}

struct lease_keeper_options {
  /// How often the lease is renewed; 0: a third of the TTL.
  std::chrono::milliseconds renew_interval{0};
  /// The gate closes this long before the lease could expire in the store,
  /// for clock-rate differences between this host and the store; 0: a tenth
  /// of the TTL.
  std::chrono::milliseconds safety_margin{0};
  /// Called on the keeper's thread when the lease is lost, with why.
  std::function<void(const std::string&)> on_lost;
  /// Called on the keeper's thread when a renewal fails transiently (it is retried).
  std::function<void(const error&)> on_error;
};

/// Keeps a lease taken by wait_for_lease (or by acquire()) and the gate that
/// says whether this instance may publish. Once lost, the keeper stays lost:
/// take the lease again with a new keeper (after the work of the old term has
/// been torn down).
template <lease L>
class lease_keeper {
 public:
  using steady = std::chrono::steady_clock;

  lease_keeper(L& l, const taken_lease& taken, lease_keeper_options options = {})
      : lease_(l), grant_(taken.grant), opt_(std::move(options)) {
    ttl_ = std::chrono::milliseconds(lease_.ttl());
    if (opt_.renew_interval.count() <= 0) opt_.renew_interval = std::max(ttl_ / 3, std::chrono::milliseconds(1));
    if (opt_.safety_margin.count() <= 0) opt_.safety_margin = ttl_ / 10;
    gate_.open_until(taken.asked_at + ttl_ - opt_.safety_margin);
    thread_ = std::jthread([this](std::stop_token st) { keep(st); });
  }

  lease_keeper(const lease_keeper&) = delete;
  lease_keeper& operator=(const lease_keeper&) = delete;

  /// Stops renewing; the lease is not released (it expires after its TTL).
  ~lease_keeper() { stop(); }

  [[nodiscard]] const publish_gate& gate() const noexcept { return gate_; }
  [[nodiscard]] const lease_grant& grant() const noexcept { return grant_; }

  /// True while the gate is open: the lease surely holds.
  [[nodiscard]] bool active() const noexcept { return gate_.open(); }

  /// Why the lease was lost, once it was (empty before).
  [[nodiscard]] std::string lost_reason() const {
    std::lock_guard lock(mutex_);
    return lost_;
  }

  /// Stops renewing and gives the lease up, so a standby takes over at once
  /// (a clean stop). Best effort: when the store cannot be reached, the
  /// lease expires after its TTL instead. Returns whether it was released.
  bool release() noexcept {
    stop();
    gate_.shut();
    try {
      lease_.release();
      return true;
    } catch (...) {
      return false;
    }
  }

 private:
  void stop() noexcept {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    thread_.join();
  }

  void keep(std::stop_token st) {
    std::mutex m;
    std::condition_variable_any cv;
    auto next = steady::now() + opt_.renew_interval;
    while (!st.stop_requested()) {
      {
        std::unique_lock lock(m);
        cv.wait_until(lock, st, next, [] { return false; });
      }
      if (st.stop_requested()) return;
      const auto asked = steady::now();
      if (!gate_.open(asked)) {
        lose("the lease could not be renewed before it expired (the lease store did not answer in time, or "
             "this process was paused)");
        return;
      }
      try {
        if (!lease_.renew()) {
          lose("the lease was taken over by another instance (it expired before it was renewed)");
          return;
        }
        gate_.open_until(asked + ttl_ - opt_.safety_margin);
        next = asked + opt_.renew_interval;
      } catch (const error& e) {
        if (opt_.on_error) opt_.on_error(e);
        if (!e.transient()) {
          lose(std::string("the lease store refused the renewal: ") + e.what());
          return;
        }
        // Retry sooner than the regular interval, but not in a busy loop.
        next = steady::now() + std::max(opt_.renew_interval / 4, std::chrono::milliseconds(10));
      }
    }
  }

  void lose(std::string why) {
    gate_.shut();
    {
      std::lock_guard lock(mutex_);
      lost_ = why;
    }
    if (opt_.on_lost) opt_.on_lost(why);
  }

  L& lease_;
  lease_grant grant_;
  lease_keeper_options opt_;
  std::chrono::milliseconds ttl_{};
  publish_gate gate_;
  mutable std::mutex mutex_;
  std::string lost_;
  std::jthread thread_;  // last: stopped before the members it uses go
};

}  // namespace tor
