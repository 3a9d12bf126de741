// An in-memory tor::lease, for tests of hot standby without a Redis: every
// instance made from one `memory_lease_board` competes for the same lease,
// each as its own holder. The board can be made unreachable (every call
// throws a transient error, as an unreachable Redis does) and can expire
// the current lease at once, so tests need not wait a TTL.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>
#include <tor/core/lease.hpp>

namespace tor::testing {

/// The shared storage of a set of competing memory_lease instances.
class memory_lease_board {
 public:
  using steady = std::chrono::steady_clock;

  memory_lease_board() : s_(std::make_shared<shared>()) {}

  /// While set, every call of every instance throws tor::error (transient).
  void set_unreachable(bool on) {
    std::lock_guard lock(s_->mutex);
    s_->unreachable = on;
  }

  /// The current lease expires now (as if its holder stopped renewing a TTL ago).
  void expire() {
    std::lock_guard lock(s_->mutex);
    s_->expires = steady::time_point{};
  }

  /// The holder of the unexpired lease, if any.
  [[nodiscard]] std::optional<std::string> holder() const {
    std::lock_guard lock(s_->mutex);
    if (s_->holder.empty() || steady::now() >= s_->expires) return std::nullopt;
    return s_->holder;
  }

  /// When the current lease expires (a time in the past when there is none).
  [[nodiscard]] steady::time_point expires_at() const {
    std::lock_guard lock(s_->mutex);
    return s_->expires;
  }

  [[nodiscard]] std::uint64_t term() const {
    std::lock_guard lock(s_->mutex);
    return s_->term;
  }

 private:
  friend class memory_lease;
  struct shared {
    mutable std::mutex mutex;
    std::string holder;  ///< the last holder; its lease holds until `expires`
    std::string previous;
    steady::time_point expires{};
    std::uint64_t term = 0;
    bool unreachable = false;
  };
  std::shared_ptr<shared> s_;
};

/// One holder competing for the board's lease. Thread-safe.
class memory_lease {
 public:
  using steady = std::chrono::steady_clock;

  memory_lease(memory_lease_board board, std::string holder, std::chrono::milliseconds ttl)
      : s_(std::move(board.s_)), holder_(std::move(holder)), ttl_(ttl) {}

  TOR_DECL std::optional<lease_grant> acquire();

  TOR_DECL bool renew();

  void release() {
    std::lock_guard lock(s_->mutex);
    reachable();
    if (s_->holder == holder_) s_->expires = steady::time_point{};
  }

  [[nodiscard]] std::chrono::milliseconds ttl() const noexcept { return ttl_; }
  [[nodiscard]] const std::string& holder() const noexcept { return holder_; }

 private:
  void reachable() const {
    if (s_->unreachable)
      throw error(error_kind::transient, "memory_lease: the lease board is unreachable (injected)");
  }

  std::shared_ptr<memory_lease_board::shared> s_;
  std::string holder_;
  std::chrono::milliseconds ttl_;
};

static_assert(tor::lease<memory_lease>);

}  // namespace tor::testing

#ifdef TOR_HEADER_ONLY
#include <tor/testing/impl/memory_lease.ipp>
#endif
