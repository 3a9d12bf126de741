// A message for the broker, as a mapper produces it and a dispatcher sends it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tor/core/shared_string.hpp>

namespace tor {

struct header {
  std::string name;
  std::string value;
  friend bool operator==(const header&, const header&) = default;
};

struct message {
  shared_string topic;  ///< shared: a mapper keeps one per route, and each message of it holds a reference
  std::string key;
  std::optional<std::string> value;    ///< nullopt is a tombstone
  std::vector<header> headers;
  std::optional<std::int32_t> partition;  ///< nullopt: the dispatcher's partitioner chooses (by key)
  std::chrono::system_clock::time_point timestamp;  ///< record timestamp

  [[nodiscard]] bool tombstone() const noexcept { return !value.has_value(); }

  /// Approximate memory held by the message; what the router's in-flight byte bound counts.
  [[nodiscard]] std::size_t size_bytes() const noexcept {
    std::size_t n = topic.size() + key.size() + (value ? value->size() : 0);
    for (const auto& h : headers) n += h.name.size() + h.value.size();
    return n;
  }

  /// First header with that name, or nullptr.
  [[nodiscard]] const std::string* find_header(std::string_view name) const noexcept {
    for (const auto& h : headers)
      if (h.name == name) return &h.value;
    return nullptr;
  }

  friend bool operator==(const message&, const message&) = default;
};

/// Names of the headers Tor itself adds, so consumers can deduplicate.
namespace headers {
inline constexpr std::string_view id = "id";                    ///< outbox event id
inline constexpr std::string_view binlog_file = "tor.binlog.file";
inline constexpr std::string_view binlog_pos = "tor.binlog.pos";  ///< "OFFSET/ROW": rows event start and row index
inline constexpr std::string_view gtid = "tor.gtid";
}  // namespace headers

/// What a dispatcher reports for each message it accepted: the token the
/// router gave with the message, and an empty `error` when the broker
/// acknowledged it.
struct delivery {
  std::uint64_t token = 0;
  std::string error;  ///< empty: acknowledged; else why it failed for good (topic, key, reason)
  [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

}  // namespace tor
