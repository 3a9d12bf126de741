// Definitions for tor/testing/memory_lease.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <tor/testing/memory_lease.hpp>

namespace tor::testing {

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
