// An in-memory tor::lease, for tests of hot standby without a Redis: every
// instance made from one `memory_lease_board` competes for the same lease,
// each as its own holder. The board can be made unreachable (every call
// throws a transient error, as an unreachable Redis does) and can expire
// the current lease at once, so tests need not wait a TTL.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
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

  TOR_DECL memory_lease_board();

  /// While set, every call of every instance throws tor::error (transient).
  TOR_DECL void set_unreachable(bool on);

  /// The current lease expires now (as if its holder stopped renewing a TTL ago).
  TOR_DECL void expire();

  /// The holder of the unexpired lease, if any.
  [[nodiscard]] TOR_DECL std::optional<std::string> holder() const;

  /// When the current lease expires (a time in the past when there is none).
  [[nodiscard]] TOR_DECL steady::time_point expires_at() const;

  [[nodiscard]] TOR_DECL std::uint64_t term() const;

 private:
  friend class memory_lease;
  struct shared;  // in the .ipp
  std::shared_ptr<shared> s_;
};

/// One holder competing for the board's lease. Thread-safe.
class memory_lease {
 public:
  using steady = std::chrono::steady_clock;

  TOR_DECL memory_lease(memory_lease_board board, std::string holder, std::chrono::milliseconds ttl);

  TOR_DECL std::optional<lease_grant> acquire();

  TOR_DECL bool renew();

  TOR_DECL void release();

  [[nodiscard]] std::chrono::milliseconds ttl() const noexcept { return ttl_; }
  [[nodiscard]] const std::string& holder() const noexcept { return holder_; }

 private:
  TOR_DECL void reachable() const;

  std::shared_ptr<memory_lease_board::shared> s_;
  std::string holder_;
  std::chrono::milliseconds ttl_;
};

static_assert(tor::lease<memory_lease>);

}  // namespace tor::testing

#ifdef TOR_HEADER_ONLY
#include <tor/testing/impl/memory_lease.ipp>
#endif
