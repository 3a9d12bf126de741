// Typed column values, as decoded from a row image. The variant keeps what
// the binlog says exactly: integers keep their signedness, DECIMAL stays exact
// text, temporal values keep their fields and fractional seconds, and text is
// kept apart from binary data.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tor {

struct null_value {
  friend bool operator==(null_value, null_value) = default;
};
/// DECIMAL/NUMERIC, exact, as canonical text ("-12.340").
struct decimal_value {
  std::string text;
  friend bool operator==(const decimal_value&, const decimal_value&) = default;
};
/// BINARY, VARBINARY, BLOB, GEOMETRY, and strings in a binary charset.
struct bytes_value {
  std::string data;
  friend bool operator==(const bytes_value&, const bytes_value&) = default;
};
/// JSON as text (MariaDB stores text; MySQL's binary JSON is rendered to text).
struct json_value {
  std::string text;
  friend bool operator==(const json_value&, const json_value&) = default;
};
struct date_value {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  friend bool operator==(const date_value&, const date_value&) = default;
};
/// TIME: a signed duration (-838:59:59 .. 838:59:59) with microseconds.
struct time_value {
  bool negative = false;
  unsigned hours = 0;
  unsigned minutes = 0;
  unsigned seconds = 0;
  unsigned microseconds = 0;
  friend bool operator==(const time_value&, const time_value&) = default;
};
/// DATETIME: wall-clock fields, no time zone.
struct datetime_value {
  date_value date;
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
  unsigned microsecond = 0;
  friend bool operator==(const datetime_value&, const datetime_value&) = default;
};
/// TIMESTAMP: an instant, seconds since the Unix epoch in UTC, plus microseconds.
struct timestamp_value {
  std::int64_t seconds = 0;
  std::uint32_t microseconds = 0;
  friend bool operator==(const timestamp_value&, const timestamp_value&) = default;
};

/// A column value. `std::string` is text in UTF-8 (utf8mb4 as stored; the
/// binlog source converts latin1 columns); ENUM and SET are their text when
/// the table map carries their names, else their index/bitmask as unsigned.
/// BIT and YEAR are unsigned/signed integers; FLOAT and DOUBLE are double.
using value = std::variant<null_value, std::int64_t, std::uint64_t, double, decimal_value, std::string, bytes_value,
                           json_value, date_value, time_value, datetime_value, timestamp_value>;

[[nodiscard]] inline bool is_null(const value& v) noexcept { return std::holds_alternative<null_value>(v); }

namespace detail {
inline std::string fraction(unsigned micro) {
  if (micro == 0) return {};
  char buf[8];
  std::snprintf(buf, sizeof buf, ".%06u", micro % 1000000u);
  std::string s(buf);
  while (s.back() == '0') s.pop_back();
  return s;
}
}  // namespace detail

/// The text of a string-like value (text, bytes, JSON, DECIMAL) without a
/// copy; nullopt for other alternatives, which `to_text` formats.
[[nodiscard]] inline std::optional<std::string_view> text_view(const value& v) noexcept {
  if (const auto* s = std::get_if<std::string>(&v)) return std::string_view(*s);
  if (const auto* b = std::get_if<bytes_value>(&v)) return std::string_view(b->data);
  if (const auto* j = std::get_if<json_value>(&v)) return std::string_view(j->text);
  if (const auto* d = std::get_if<decimal_value>(&v)) return std::string_view(d->text);
  return std::nullopt;
}

/// The value as text, the way MySQL prints it: numbers in decimal, DATE
/// "2024-01-31", DATETIME "2024-01-31 12:00:00.5", TIMESTAMP in UTC with a
/// trailing 'Z' ("2024-01-31T12:00:00.5Z"), TIME "-01:02:03", NULL as "".
/// Used where a column becomes a key, header or topic.
[[nodiscard]] inline std::string to_text(const value& v) {
  if (const auto t = text_view(v)) return std::string(*t);
  struct visitor {
    std::string operator()(null_value) const { return {}; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(std::uint64_t u) const { return std::to_string(u); }
    std::string operator()(double d) const {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", d);
      return buf;
    }
    std::string operator()(const decimal_value& d) const { return d.text; }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const bytes_value& b) const { return b.data; }
    std::string operator()(const json_value& j) const { return j.text; }
    std::string operator()(const date_value& d) const {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", d.year, d.month, d.day);
      return buf;
    }
    std::string operator()(const time_value& t) const {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%s%02u:%02u:%02u", t.negative ? "-" : "", t.hours, t.minutes, t.seconds);
      return buf + detail::fraction(t.microseconds);
    }
    std::string operator()(const datetime_value& d) const {
      char buf[48];
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02u:%02u:%02u", d.date.year, d.date.month, d.date.day, d.hour,
                    d.minute, d.second);
      return buf + detail::fraction(d.microsecond);
    }
    std::string operator()(const timestamp_value& t) const {
      // Civil-from-days (proleptic Gregorian), so no time zone database is involved.
      std::int64_t days = t.seconds / 86400;
      std::int64_t rem = t.seconds % 86400;
      if (rem < 0) {
        rem += 86400;
        --days;
      }
      days += 719468;
      const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
      const auto doe = static_cast<unsigned>(days - era * 146097);
      const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
      const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
      const unsigned mp = (5 * doy + 2) / 153;
      const unsigned day = doy - (153 * mp + 2) / 5 + 1;
      const unsigned month = mp < 10 ? mp + 3 : mp - 9;
      const auto year = static_cast<long long>(yoe) + era * 400 + (month <= 2);
      char buf[64];
      std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u", year, month, day,
                    static_cast<unsigned>(rem / 3600), static_cast<unsigned>(rem / 60 % 60),
                    static_cast<unsigned>(rem % 60));
      return buf + detail::fraction(t.microseconds) + "Z";
    }
  };
  return std::visit(visitor{}, v);
}

}  // namespace tor
