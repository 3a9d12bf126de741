// Definitions for tor/testing/memory_state_store.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <condition_variable>
#include <mutex>

#include <tor/testing/memory_state_store.hpp>

namespace tor::testing {

struct memory_state_store::shared {
  std::mutex mutex;
  std::condition_variable changed;
  bool holding = false;
  std::size_t held = 0;  // saves blocked in save() now
  std::optional<checkpoint> current;
  std::vector<checkpoint> history;
  std::size_t failures_left = 0;
  std::size_t attempts = 0;
  error_kind failure_kind = error_kind::transient;
  std::size_t load_failures_left = 0;
  error_kind load_failure_kind = error_kind::transient;
};

TOR_DECL memory_state_store::memory_state_store() : s_(std::make_shared<shared>()) {}

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

TOR_DECL void memory_state_store::fail_next(std::size_t count, error_kind kind) {
  std::lock_guard lock(s_->mutex);
  s_->failures_left = count;
  s_->failure_kind = kind;
}

TOR_DECL void memory_state_store::fail_next_loads(std::size_t count, error_kind kind) {
  std::lock_guard lock(s_->mutex);
  s_->load_failures_left = count;
  s_->load_failure_kind = kind;
}

TOR_DECL void memory_state_store::hold_saves() {
  std::lock_guard lock(s_->mutex);
  s_->holding = true;
}

TOR_DECL void memory_state_store::release_saves() {
  std::lock_guard lock(s_->mutex);
  s_->holding = false;
  s_->changed.notify_all();
}

TOR_DECL bool memory_state_store::wait_for_held_save(std::chrono::milliseconds wait) const {
  std::unique_lock lock(s_->mutex);
  return s_->changed.wait_for(lock, wait, [&] { return s_->held > 0; });
}

TOR_DECL std::vector<checkpoint> memory_state_store::history() const {
  std::lock_guard lock(s_->mutex);
  return s_->history;
}

TOR_DECL std::size_t memory_state_store::attempts() const {
  std::lock_guard lock(s_->mutex);
  return s_->attempts;
}

}  // namespace tor::testing
