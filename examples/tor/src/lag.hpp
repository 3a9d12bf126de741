// The lag monitor: a thread that asks the server, on its own connection,
// where its binlog ends, compares that with how far the source has read, and
// logs progress while Tor catches up (events/s, bytes and seconds behind),
// then once when it has caught up. What it measures is also served at /metrics.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "metrics.hpp"
#include "observed_source.hpp"

namespace tor_service {

/// The end of the server's binlog and the sizes of its files.
struct binlog_end {
  tor::binlog_position end;
  std::vector<std::pair<std::string, std::uint64_t>> files;  ///< name -> size, oldest first
};

/// Computes the lag from a reading of the server's end and the source's
/// progress. Seconds behind is 0 when everything is read; else the smaller
/// of the age of the last transaction read and the time since Tor was last
/// caught up (`caught_up_at`), both upper bounds of the age of the oldest
/// unread transaction: the first is tight while catching up on old data, the
/// second right after a quiet period.
[[nodiscard]] source_lag compute_lag(const binlog_end& end, const read_progress::snapshot& read,
                                     std::optional<std::chrono::system_clock::time_point> caught_up_at,
                                     std::chrono::system_clock::time_point now);

/// When "catching up" starts and ends, so progress is logged only when it matters.
struct catch_up_thresholds {
  double seconds = 10;                  ///< behind by more than this: catching up
  std::uint64_t bytes = 16ull << 20;    ///< or by more than this many bytes
};

class lag_monitor {
 public:
  using query_fn = std::function<binlog_end()>;         ///< throws on failure
  using events_fn = std::function<std::uint64_t()>;     ///< events read so far (for events/s)

  lag_monitor(query_fn query, const read_progress& progress, events_fn events,
              std::chrono::milliseconds progress_interval, catch_up_thresholds t = {});
  ~lag_monitor();
  lag_monitor(const lag_monitor&) = delete;
  lag_monitor& operator=(const lag_monitor&) = delete;

  void start();
  void stop();
  [[nodiscard]] source_lag current() const;

 private:
  void loop();
  void check(std::chrono::steady_clock::time_point now);

  query_fn query_;
  const read_progress& progress_;
  events_fn events_;
  std::chrono::milliseconds progress_interval_;
  catch_up_thresholds thresholds_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  source_lag lag_;
  std::thread thread_;

  // Progress logging state (monitor thread only).
  bool catching_up_ = false;
  std::chrono::steady_clock::time_point last_log_{};
  std::uint64_t last_events_ = 0;
  std::chrono::steady_clock::time_point last_events_at_{};
  std::string last_error_;
  std::optional<std::chrono::system_clock::time_point> caught_up_at_;
};

}  // namespace tor_service
