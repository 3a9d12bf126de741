// Definitions for tor/testing/memory_lease.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <mutex>

#include <tor/testing/memory_lease.hpp>

namespace tor::testing {

struct memory_lease_board::shared {
  mutable std::mutex mutex;
  std::string holder;  ///< the last holder; its lease holds until `expires`
  std::string previous;
  steady::time_point expires{};
  std::uint64_t term = 0;
  bool unreachable = false;
};

TOR_DECL memory_lease_board::memory_lease_board() : s_(std::make_shared<shared>()) {}

TOR_DECL void memory_lease_board::set_unreachable(bool on) {
  std::lock_guard lock(s_->mutex);
  s_->unreachable = on;
}

TOR_DECL void memory_lease_board::expire() {
  std::lock_guard lock(s_->mutex);
  s_->expires = steady::time_point{};
}

TOR_DECL std::optional<std::string> memory_lease_board::holder() const {
  std::lock_guard lock(s_->mutex);
  if (s_->holder.empty() || steady::now() >= s_->expires) return std::nullopt;
  return s_->holder;
}

TOR_DECL memory_lease_board::steady::time_point memory_lease_board::expires_at() const {
  std::lock_guard lock(s_->mutex);
  return s_->expires;
}

TOR_DECL std::uint64_t memory_lease_board::term() const {
  std::lock_guard lock(s_->mutex);
  return s_->term;
}

TOR_DECL memory_lease::memory_lease(memory_lease_board board, std::string holder, std::chrono::milliseconds ttl)
    : s_(std::move(board.s_)), holder_(std::move(holder)), ttl_(ttl) {}

TOR_DECL void memory_lease::release() {
  std::lock_guard lock(s_->mutex);
  reachable();
  if (s_->holder == holder_) s_->expires = steady::time_point{};
}

TOR_DECL void memory_lease::reachable() const {
  if (s_->unreachable)
    throw error(error_kind::transient, "memory_lease: the lease board is unreachable (injected)");
}

TOR_DECL std::optional<lease_grant> memory_lease::acquire() {
  std::lock_guard lock(s_->mutex);
  reachable();
  const auto now = steady::now();
  if (s_->holder == holder_ && now < s_->expires) {
    s_->expires = now + ttl_;
    return lease_grant{s_->term, {}};
  }
  if (!s_->holder.empty() && now < s_->expires) return std::nullopt;
  s_->previous = s_->holder == holder_ ? std::string() : s_->holder;
  s_->holder = holder_;
  s_->expires = now + ttl_;
  ++s_->term;
  return lease_grant{s_->term, s_->previous};
}

TOR_DECL bool memory_lease::renew() {
  std::lock_guard lock(s_->mutex);
  reachable();
  const auto now = steady::now();
  if (s_->holder != holder_ || now >= s_->expires) return false;
  s_->expires = now + ttl_;
  return true;
}

}  // namespace tor::testing
