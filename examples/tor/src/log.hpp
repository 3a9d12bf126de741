// The service's log lines: a message plus named fields, written by spdlog
// to stderr either as text (`2026-01-02T03:04:05.678Z info  caught up lag_s=0`)
// or as one JSON object per line (`{"time":...,"level":"info","msg":"caught up","lag_s":0}`),
// so the same call site serves a terminal and a log pipeline.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

#include "config/settings.hpp"

namespace tor_service {

using level = config::log_level;

struct field {
  using value_type = std::variant<std::string, std::int64_t, std::uint64_t, double, bool>;
  std::string_view key;
  value_type value;

  field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  field(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
  field(std::string_view k, const char* v) : key(k), value(std::string(v)) {}
  field(std::string_view k, bool v) : key(k), value(v) {}
  field(std::string_view k, double v) : key(k), value(v) {}
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  field(std::string_view k, I v) : key(k) {
    if constexpr (std::is_signed_v<I>) value = static_cast<std::int64_t>(v);
    else value = static_cast<std::uint64_t>(v);
  }
};

using fields = std::initializer_list<field>;

/// Sets up the process's logger (stderr). Safe to call again (e.g. after
/// the configuration is loaded, to switch format and level).
void init_logging(config::log_format format, config::log_level min_level);

void log(level lv, std::string_view msg, fields f = {});
inline void trace(std::string_view msg, fields f = {}) { log(level::trace, msg, f); }
inline void debug(std::string_view msg, fields f = {}) { log(level::debug, msg, f); }
inline void info(std::string_view msg, fields f = {}) { log(level::info, msg, f); }
inline void warn(std::string_view msg, fields f = {}) { log(level::warn, msg, f); }
inline void error(std::string_view msg, fields f = {}) { log(level::error, msg, f); }

/// Flushes buffered lines (before exiting).
void flush_logs();

// The line formats, exposed for tests.
std::string format_text_line(std::string_view msg, fields f);
std::string format_json_line(std::chrono::system_clock::time_point t, level lv, std::string_view msg, fields f);
std::string json_escape(std::string_view s);
std::string utc_iso8601(std::chrono::system_clock::time_point t);

}  // namespace tor_service
