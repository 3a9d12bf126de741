// An in-memory tor::state_store that records every save and can be told to
// fail, or to hold saves as a slow or black-holed store does (a save blocks
// until the test lets it through). Copies share one storage, so a
// "restarted" router can be given a new store over the same checkpoint, as
// with a real store.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tor/core/checkpoint.hpp>
#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>

namespace tor::testing {

class memory_state_store {
 public:
  TOR_DECL memory_state_store();

  TOR_DECL std::optional<checkpoint> load();

  TOR_DECL void save(const checkpoint& c);

  /// The next `count` saves throw tor::error of this kind.
  TOR_DECL void fail_next(std::size_t count, error_kind kind = error_kind::transient);

  /// The next `count` loads throw tor::error of this kind.
  TOR_DECL void fail_next_loads(std::size_t count, error_kind kind = error_kind::transient);

  /// From now on saves block inside save() until release_saves(), as against
  /// a store that does not answer. Loads are not held.
  TOR_DECL void hold_saves();

  /// Lets held saves, and every later one, go through.
  TOR_DECL void release_saves();

  /// Waits up to `wait` until a save is blocked in save() by hold_saves(); true when one is.
  TOR_DECL bool wait_for_held_save(std::chrono::milliseconds wait) const;

  /// Every successful save, oldest first.
  [[nodiscard]] TOR_DECL std::vector<checkpoint> history() const;
  [[nodiscard]] TOR_DECL std::size_t attempts() const;

 private:
  struct shared;  // in the .ipp: <mutex> and <condition_variable> stay out of this header
  std::shared_ptr<shared> s_;
};

}  // namespace tor::testing

#ifdef TOR_HEADER_ONLY
#include <tor/testing/impl/memory_state_store.ipp>
#endif
