// What the service exposes at /metrics, as a plain snapshot struct and a
// pure function that renders it in the Prometheus text format (version
// 0.0.4). The snapshot is assembled from the router's stats, the Kafka
// dispatcher's per-topic counters and the lag monitor, so rendering can be
// tested without any server.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tor/core/position.hpp>
#include <tor/core/router_options.hpp>

namespace tor_service {

struct topic_metrics {
  std::uint64_t sent = 0;
  std::uint64_t acknowledged = 0;
  std::uint64_t failed = 0;
  std::uint64_t skipped = 0;        ///< poison messages skipped (kafka.on_poison: skip)
  std::uint64_t dead_lettered = 0;  ///< poison messages sent to the dead-letter topic
};

/// How far the router is behind the end of the server's binlog.
struct source_lag {
  std::optional<tor::binlog_position> server_end;  ///< last observed end of the server's binlog
  std::optional<std::uint64_t> bytes_behind;       ///< from the read position to server_end
  std::optional<double> seconds_behind;            ///< 0 when caught up; else age of the last transaction read
  std::chrono::system_clock::time_point checked_at{};
  std::uint64_t check_failures = 0;  ///< consecutive failed queries of the server's binlog end
};

/// Hot standby (ha.enabled).
struct ha_metrics {
  bool active = false;          ///< this instance holds the lease and publishes
  std::uint64_t failovers = 0;  ///< times it took the lease over from another instance
  std::uint64_t losses = 0;     ///< times it lost the lease while active
  std::uint64_t term = 0;       ///< the lease term it holds or held last
  /// times it became active; each one resumes from the saved checkpoint, also when it takes
  /// its own lease back under the same term (lost to a Redis outage, no other holder between)
  std::uint64_t activations = 0;
};

struct metrics_snapshot {
  std::string version;
  std::chrono::system_clock::time_point now{};
  std::chrono::system_clock::time_point started{};
  bool ready = false;
  tor::router_stats router;
  std::map<std::string, topic_metrics> topics;
  source_lag lag;
  std::uint64_t restarts = 0;  ///< in-process restarts after transient failures
  std::optional<ha_metrics> ha;  ///< set when hot standby is on
  bool exactly_once = false;     ///< kafka.exactly_once: the Kafka transactions' counters are shown
};

/// The Prometheus text exposition of `s`.
[[nodiscard]] std::string render_prometheus(const metrics_snapshot& s);

/// The numeric extension of a binlog file name (mysql-bin.000042 -> 42), for gauges.
[[nodiscard]] std::uint64_t binlog_file_number(std::string_view file);

/// Bytes from `from` to `to` in the binlog, given the sizes of the server's
/// binlog files (name -> size, as SHOW BINARY LOGS reports them). 0 when
/// `from` is at or past `to`; nullopt when a file in between is unknown
/// (e.g. purged), so the distance cannot be told.
[[nodiscard]] std::optional<std::uint64_t> binlog_bytes_between(const tor::binlog_position& from,
                                                                 const tor::binlog_position& to,
                                                                 const std::vector<std::pair<std::string, std::uint64_t>>& files);

}  // namespace tor_service
