// Typed column values, as decoded from a row image. The variant keeps what
// the binlog says exactly: integers keep their signedness, DECIMAL stays exact
// text, temporal values keep their fields and fractional seconds, and text is
// kept apart from binary data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <tor/core/detail/config.hpp>

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

using value_variant = std::variant<null_value, std::int64_t, std::uint64_t, double, decimal_value, std::string,
                                   bytes_value, json_value, date_value, time_value, datetime_value, timestamp_value>;

/// A column value. `std::string` is text in UTF-8 (utf8mb4 as stored; the
/// binlog source converts latin1 columns); ENUM and SET are their text when
/// the table map carries their names, else their index/bitmask as unsigned.
/// BIT and YEAR are unsigned/signed integers; FLOAT and DOUBLE are double.
///
/// A std::variant in all but name: std::get, std::get_if, std::visit,
/// std::holds_alternative and == work on it as on its base. It is a class
/// only so that its copy, move and destruction, which instantiate the
/// variant's machinery for all twelve alternatives, are compiled once in
/// tor::compiled (tor/core/detail/config.hpp) rather than in every file
/// that copies a value.
class value : public value_variant {
 public:
  using value_variant::value_variant;
  using value_variant::operator=;
  value() noexcept = default;
  TOR_DECL value(const value& other);
  TOR_DECL value(value&& other) noexcept;
  TOR_DECL value& operator=(const value& other);
  TOR_DECL value& operator=(value&& other) noexcept;
  TOR_DECL ~value();
};

[[nodiscard]] inline bool is_null(const value& v) noexcept { return std::holds_alternative<null_value>(v); }

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
[[nodiscard]] TOR_DECL std::string to_text(const value& v);

}  // namespace tor

#ifdef TOR_HEADER_ONLY
#include <tor/core/impl/value.ipp>
#endif
