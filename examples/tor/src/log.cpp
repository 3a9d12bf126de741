#include "log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace tor_service {

namespace {

std::atomic<bool> json_mode{false};

spdlog::level::level_enum to_spdlog(level lv) {
  switch (lv) {
    case level::trace: return spdlog::level::trace;
    case level::debug: return spdlog::level::debug;
    case level::info: return spdlog::level::info;
    case level::warn: return spdlog::level::warn;
    case level::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::string_view level_name(level lv) {
  switch (lv) {
    case level::trace: return "trace";
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
  }
  return "?";
}

std::shared_ptr<spdlog::logger>& logger() {
  static std::shared_ptr<spdlog::logger> l;
  return l;
}

std::once_flag once;

bool needs_quotes(std::string_view s) {
  if (s.empty()) return true;
  for (char c : s)
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
  return false;
}

std::string number_text(double d) {
  if (!std::isfinite(d)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", d);
  std::string s(buf);
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

std::string json_escape(std::string_view s) {
  // nlohmann-json's string writer, as for the checkpoint document; bytes that are not UTF-8 become U+FFFD,
  // so a log line is always valid JSON.
  const auto quoted = nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);  // without its quotes
}

std::string utc_iso8601(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int values, so the compiler sees no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string format_text_line(std::string_view msg, fields f) {
  std::string out(msg);
  for (const auto& fl : f) {
    out += ' ';
    out += fl.key;
    out += '=';
    std::visit(
        [&](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::string>) {
            if (needs_quotes(v)) out += '"' + json_escape(v) + '"';
            else out += v;
          } else if constexpr (std::is_same_v<V, bool>) {
            out += v ? "true" : "false";
          } else if constexpr (std::is_same_v<V, double>) {
            out += number_text(v);
          } else {
            out += std::to_string(v);
          }
        },
        fl.value);
  }
  return out;
}

std::string format_json_line(std::chrono::system_clock::time_point t, level lv, std::string_view msg, fields f) {
  std::string out = "{\"time\":\"" + utc_iso8601(t) + "\",\"level\":\"" + std::string(level_name(lv)) +
                    "\",\"msg\":\"" + json_escape(msg) + '"';
  for (const auto& fl : f) {
    out += ",\"" + json_escape(fl.key) + "\":";
    std::visit(
        [&](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::string>) out += '"' + json_escape(v) + '"';
          else if constexpr (std::is_same_v<V, bool>) out += v ? "true" : "false";
          else if constexpr (std::is_same_v<V, double>) out += number_text(v);
          else out += std::to_string(v);
        },
        fl.value);
  }
  out += '}';
  return out;
}

void init_logging(config::log_format format, config::log_level min_level) {
  std::call_once(once, [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>(spdlog::color_mode::automatic);
    logger() = std::make_shared<spdlog::logger>("tor", std::move(sink));
    logger()->flush_on(spdlog::level::warn);
  });
  json_mode = format == config::log_format::json;
  // JSON lines carry their own time and level; text lines get them from spdlog.
  if (json_mode) logger()->set_pattern("%v");
  else logger()->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
  logger()->set_level(to_spdlog(min_level));
}

void log(level lv, std::string_view msg, fields f) {
  auto& l = logger();
  if (!l) init_logging(config::log_format::text, config::log_level::info);
  const auto spd = to_spdlog(lv);
  if (!l->should_log(spd)) return;
  if (json_mode) l->log(spd, format_json_line(std::chrono::system_clock::now(), lv, msg, f));
  else l->log(spd, format_text_line(msg, f));
}

void flush_logs() {
  if (logger()) logger()->flush();
}

}  // namespace tor_service
