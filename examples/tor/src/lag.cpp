#include "lag.hpp"

#include "log.hpp"

namespace tor_service {

source_lag compute_lag(const binlog_end& end, const read_progress::snapshot& read,
                       std::optional<std::chrono::system_clock::time_point> caught_up_at,
                       std::chrono::system_clock::time_point now) {
  source_lag lag;
  lag.server_end = end.end;
  lag.checked_at = now;
  lag.bytes_behind = binlog_bytes_between(read.position, end.end, end.files);
  if (lag.bytes_behind && *lag.bytes_behind == 0) {
    lag.seconds_behind = 0.0;
    return lag;
  }
  std::optional<double> s;
  const auto age = [&](std::chrono::system_clock::time_point t) {
    return std::max(0.0, std::chrono::duration<double>(now - t).count());
  };
  if (read.last_commit_time.time_since_epoch().count() != 0) s = age(read.last_commit_time);
  if (caught_up_at) s = s ? std::min(*s, age(*caught_up_at)) : age(*caught_up_at);
  lag.seconds_behind = s;
  return lag;
}

lag_monitor::lag_monitor(query_fn query, const read_progress& progress, events_fn events,
                         std::chrono::milliseconds progress_interval, catch_up_thresholds t)
    : query_(std::move(query)),
      progress_(progress),
      events_(std::move(events)),
      progress_interval_(progress_interval),
      thresholds_(t) {}

lag_monitor::~lag_monitor() { stop(); }

void lag_monitor::start() {
  last_events_ = events_ ? events_() : 0;  // so the first rate covers the first period
  last_events_at_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { loop(); });
}

void lag_monitor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

source_lag lag_monitor::current() const {
  std::lock_guard lock(mutex_);
  return lag_;
}

void lag_monitor::loop() {
  using namespace std::chrono;
  // Often enough for /metrics, and at least as often as progress is logged.
  auto period = milliseconds(1000);
  if (progress_interval_.count() > 0 && progress_interval_ < period) period = progress_interval_;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    check(steady_clock::now());
    lock.lock();
    cv_.wait_for(lock, period, [&] { return stopping_; });
  }
}

void lag_monitor::check(std::chrono::steady_clock::time_point now_steady) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto read = progress_.get();
  if (read.heartbeats && read.last_heartbeat.time_since_epoch().count() != 0) {
    // A heartbeat means everything was read at that moment.
    const auto at = now - duration_cast<system_clock::duration>(now_steady - read.last_heartbeat);
    if (!caught_up_at_ || *caught_up_at_ < at) caught_up_at_ = at;
  }
  source_lag lag;
  try {
    const auto end = query_();
    lag = compute_lag(end, read, caught_up_at_, now);
    if (lag.bytes_behind && *lag.bytes_behind == 0) caught_up_at_ = now;
    if (!last_error_.empty()) info("binlog end is readable again", {{"end", end.end.to_string()}});
    last_error_.clear();
  } catch (const std::exception& e) {
    lag = current();
    ++lag.check_failures;
    // Logged once per distinct failure: it does not stop the router.
    if (e.what() != last_error_) warn("cannot read the server's binlog end (lag unknown)", {{"error", e.what()}});
    last_error_ = e.what();
  }
  {
    std::lock_guard lock(mutex_);
    lag_ = lag;
  }

  if (progress_interval_.count() <= 0 || !lag.bytes_behind) return;
  const bool behind = (lag.seconds_behind && *lag.seconds_behind > thresholds_.seconds) ||
                      *lag.bytes_behind > thresholds_.bytes;
  const auto events = events_ ? events_() : 0;
  const auto rate = [&] {
    const double dt = duration<double>(now_steady - last_events_at_).count();
    return last_events_at_.time_since_epoch().count() == 0 || dt <= 0 ? 0.0
                                                                      : static_cast<double>(events - last_events_) / dt;
  };
  if (behind && (!catching_up_ || now_steady - last_log_ >= progress_interval_)) {
    info(catching_up_ ? "catching up" : "behind the binlog end: catching up",
         {{"events_per_s", static_cast<std::uint64_t>(rate())},
          {"bytes_behind", *lag.bytes_behind},
          {"seconds_behind", lag.seconds_behind.value_or(-1.0)},
          {"read", read.position.to_string()},
          {"end", lag.server_end ? lag.server_end->to_string() : std::string("?")}});
    catching_up_ = true;
    last_log_ = now_steady;
    last_events_ = events;
    last_events_at_ = now_steady;
  } else if (!behind && catching_up_) {
    info("caught up with the binlog end", {{"events_per_s", static_cast<std::uint64_t>(rate())},
                                           {"bytes_behind", *lag.bytes_behind},
                                           {"seconds_behind", lag.seconds_behind.value_or(-1.0)},
                                           {"end", lag.server_end ? lag.server_end->to_string() : std::string("?")}});
    catching_up_ = false;
  }
  if (!catching_up_) {
    last_events_ = events;
    last_events_at_ = now_steady;
  }
}

}  // namespace tor_service
