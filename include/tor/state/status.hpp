// How fresh a state store's saved checkpoint is, for statistics and logs.
// While a store cannot save (Redis unreachable, disk full) the router keeps
// publishing and retries; the checkpoint that would be resumed from after a
// crash then lags behind. These counters say by how much and why, so an
// operator sees the staleness instead of discovering it at the next restart.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace tor {

struct state_store_status {
  using clock = std::chrono::system_clock;

  std::optional<clock::time_point> last_save;     ///< last save that succeeded
  std::optional<clock::time_point> last_failure;  ///< last save or load that failed
  std::string last_error;                         ///< message of that failure
  std::uint64_t saves = 0;                        ///< successful saves by this instance
  std::uint64_t failed_saves = 0;                 ///< failed saves by this instance
  std::uint64_t consecutive_failures = 0;         ///< failed saves since the last success

  /// Time since the last successful save (nullopt when this instance has not saved yet).
  [[nodiscard]] std::optional<std::chrono::milliseconds> staleness(clock::time_point now = clock::now()) const {
    if (!last_save) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(now - *last_save);
  }

  void record_success(clock::time_point now = clock::now()) {
    last_save = now;
    ++saves;
    consecutive_failures = 0;
  }
  void record_failure(std::string what, bool during_save, clock::time_point now = clock::now()) {
    last_failure = now;
    last_error = std::move(what);
    if (during_save) {
      ++failed_saves;
      ++consecutive_failures;
    }
  }
};

}  // namespace tor
