// An in-memory tor::state_store that records every save and can be told to
// fail, or to hold saves as a slow or black-holed store does (a save blocks
// until the test lets it through). Copies share one storage, so a
// "restarted" router can be given a new store over the same checkpoint, as
// with a real store.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <tor/core/checkpoint.hpp>
#include <tor/core/error.hpp>

namespace tor::testing {

class memory_state_store {
 public:
  memory_state_store() : s_(std::make_shared<shared>()) {}

  std::optional<checkpoint> load() {
    std::lock_guard lock(s_->mutex);
    if (s_->load_failures_left > 0) {
      --s_->load_failures_left;
      throw error(s_->load_failure_kind, "memory_state_store: injected failure loading the checkpoint");
    }
    return s_->current;
  }

  void save(const checkpoint& c) {
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

  /// The next `count` saves throw tor::error of this kind.
  void fail_next(std::size_t count, error_kind kind = error_kind::transient) {
    std::lock_guard lock(s_->mutex);
    s_->failures_left = count;
    s_->failure_kind = kind;
  }

  /// The next `count` loads throw tor::error of this kind.
  void fail_next_loads(std::size_t count, error_kind kind = error_kind::transient) {
    std::lock_guard lock(s_->mutex);
    s_->load_failures_left = count;
    s_->load_failure_kind = kind;
  }

  /// From now on saves block inside save() until release_saves(), as against
  /// a store that does not answer. Loads are not held.
  void hold_saves() {
    std::lock_guard lock(s_->mutex);
    s_->holding = true;
  }

  /// Lets held saves, and every later one, go through.
  void release_saves() {
    std::lock_guard lock(s_->mutex);
    s_->holding = false;
    s_->changed.notify_all();
  }

  /// Waits up to `wait` until a save is blocked in save() by hold_saves(); true when one is.
  bool wait_for_held_save(std::chrono::milliseconds wait) const {
    std::unique_lock lock(s_->mutex);
    return s_->changed.wait_for(lock, wait, [&] { return s_->held > 0; });
  }

  /// Every successful save, oldest first.
  [[nodiscard]] std::vector<checkpoint> history() const {
    std::lock_guard lock(s_->mutex);
    return s_->history;
  }
  [[nodiscard]] std::size_t attempts() const {
    std::lock_guard lock(s_->mutex);
    return s_->attempts;
  }

 private:
  struct shared {
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
  std::shared_ptr<shared> s_;
};

}  // namespace tor::testing
