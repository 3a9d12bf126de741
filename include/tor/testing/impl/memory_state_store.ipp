// Definitions for tor/testing/memory_state_store.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <tor/testing/memory_state_store.hpp>

namespace tor::testing {

TOR_DECL std::optional<checkpoint> memory_state_store::load() {
  std::lock_guard lock(s_->mutex);
  if (s_->load_failures_left > 0) {
    --s_->load_failures_left;
    throw error(s_->load_failure_kind, "memory_state_store: injected failure loading the checkpoint");
  }
  return s_->current;
}

TOR_DECL void memory_state_store::save(const checkpoint& c) {
  std::unique_lock lock(s_->mutex);
  ++s_->attempts;
  if (s_->holding) {
    ++s_->held;
    s_->changed.notify_all();
    s_->changed.wait(lock, [&] { return !s_->holding; });
    --s_->held;
  }
  if (s_->failures_left > 0) {
    --s_->failures_left;
    throw error(s_->failure_kind, "memory_state_store: injected " +
                                      std::string(s_->failure_kind == error_kind::transient ? "transient " : "") +
                                      "failure saving " + c.to_string());
  }
  s_->current = c;
  s_->history.push_back(c);
}

}  // namespace tor::testing
