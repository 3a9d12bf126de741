// Definitions for tor/core/value.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <cstdio>

#include <tor/core/value.hpp>

namespace tor {

TOR_DECL value::value(const value& other) : value_variant(static_cast<const value_variant&>(other)) {}
TOR_DECL value::value(value&& other) noexcept : value_variant(static_cast<value_variant&&>(other)) {}
TOR_DECL value& value::operator=(const value& other) {
  value_variant::operator=(static_cast<const value_variant&>(other));
  return *this;
}
TOR_DECL value& value::operator=(value&& other) noexcept {
  value_variant::operator=(static_cast<value_variant&&>(other));
  return *this;
}
TOR_DECL value::~value() = default;

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

TOR_DECL std::string to_text(const value& v) {
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
