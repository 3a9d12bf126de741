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
#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>

namespace tor::testing {

class memory_state_store {
 public:
  memory_state_store() : s_(std::make_shared<shared>()) {}

  TOR_DECL std::optional<checkpoint> load();

  TOR_DECL void save(const checkpoint& c);

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

#ifdef TOR_HEADER_ONLY
#include <tor/testing/impl/memory_state_store.ipp>
#endif
