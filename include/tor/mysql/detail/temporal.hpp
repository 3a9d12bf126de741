// Temporal columns in their binlog forms -> tor values. Two generations
// exist: the old fixed-width forms (TIME, DATETIME, TIMESTAMP: decimal
// digits or seconds, no fraction) and the packed big-endian forms of MySQL
// 5.6 / MariaDB 10.1 (TIME2, DATETIME2, TIMESTAMP2) followed by 0-3 bytes of
// fractional seconds depending on the column's precision.
#pragma once

#include <cstdint>

#include <tor/core/value.hpp>
#include <tor/mysql/detail/bytes.hpp>

namespace tor::mysql::detail {

/// Microseconds stored after a packed temporal value with `fsp` fractional digits.
inline std::uint32_t read_fraction(byte_reader& r, unsigned fsp) {
  switch (fsp) {
    case 0: return 0;
    case 1:
    case 2: return static_cast<std::uint32_t>(r.u8()) * 10000u;
    case 3:
    case 4: return static_cast<std::uint32_t>(r.be(2)) * 100u;
    default: return static_cast<std::uint32_t>(r.be(3));
  }
}

inline void check_micro(std::uint32_t micro, const char* type) {
  if (micro > 999999) fail(std::string("corrupt ") + type + " value: fraction " + std::to_string(micro) + " us");
}

/// DATE: 3 bytes little-endian, day in bits 0-4, month 5-8, year above.
inline date_value read_date(byte_reader& r) {
  const auto v = r.u24();
  return {static_cast<int>(v >> 9), (v >> 5) & 15u, v & 31u};
}

/// TIME (old form): signed 3-byte integer HHMMSS.
inline time_value read_time(byte_reader& r) {
  auto v = static_cast<std::int32_t>(r.u24() << 8) >> 8;  // sign-extend 24 bits
  time_value t;
  t.negative = v < 0;
  if (v < 0) v = -v;
  t.hours = static_cast<unsigned>(v / 10000);
  t.minutes = static_cast<unsigned>(v / 100 % 100);
  t.seconds = static_cast<unsigned>(v % 100);
  return t;
}

/// TIME2: a 3-byte big-endian field with an offset of 2^23 holding
/// hours(10 bits)/minutes(6)/seconds(6), then the fraction; negative values
/// borrow one second from the integer part when they have a fraction.
inline time_value read_time2(byte_reader& r, unsigned fsp) {
  constexpr std::int64_t int_offset = 0x800000;
  std::int64_t packed = 0;  // integer part * 2^24 + microseconds
  if (fsp >= 5) {
    packed = static_cast<std::int64_t>(r.be(6)) - 0x800000000000LL;
  } else {
    std::int64_t intpart = static_cast<std::int64_t>(r.be(3)) - int_offset;
    std::int64_t frac = 0;
    std::int64_t unit = 1;
    if (fsp == 1 || fsp == 2) {
      frac = r.u8();
      if (intpart < 0 && frac) {
        ++intpart;
        frac -= 0x100;
      }
      unit = 10000;
    } else if (fsp == 3 || fsp == 4) {
      frac = static_cast<std::int64_t>(r.be(2));
      if (intpart < 0 && frac) {
        ++intpart;
        frac -= 0x10000;
      }
      unit = 100;
    }
    packed = intpart * (std::int64_t{1} << 24) + frac * unit;
  }
  time_value t;
  t.negative = packed < 0;
  if (packed < 0) packed = -packed;
  const auto hms = packed >> 24;
  t.microseconds = static_cast<unsigned>(packed & 0xffffff);
  t.hours = static_cast<unsigned>((hms >> 12) & 0x3ff);
  t.minutes = static_cast<unsigned>((hms >> 6) & 63);
  t.seconds = static_cast<unsigned>(hms & 63);
  check_micro(t.microseconds, "TIME");
  return t;
}

/// DATETIME (old form): 8-byte little-endian integer YYYYMMDDhhmmss.
inline datetime_value read_datetime(byte_reader& r) {
  const auto v = r.u64();
  const auto date = v / 1000000;
  const auto time = v % 1000000;
  datetime_value d;
  d.date = {static_cast<int>(date / 10000), static_cast<unsigned>(date / 100 % 100), static_cast<unsigned>(date % 100)};
  d.hour = static_cast<unsigned>(time / 10000);
  d.minute = static_cast<unsigned>(time / 100 % 100);
  d.second = static_cast<unsigned>(time % 100);
  return d;
}

/// DATETIME2: 5 bytes big-endian with an offset of 2^39: sign(1) year*13+month(17)
/// day(5) hour(5) minute(6) second(6), then the fraction.
inline datetime_value read_datetime2(byte_reader& r, unsigned fsp) {
  const auto intpart = static_cast<std::int64_t>(r.be(5)) - 0x8000000000LL;
  if (intpart < 0) fail("corrupt DATETIME value: negative packed value");
  const auto ymd = intpart >> 17;
  const auto ym = ymd >> 5;
  const auto hms = intpart & 0x1ffff;
  datetime_value d;
  d.date = {static_cast<int>(ym / 13), static_cast<unsigned>(ym % 13), static_cast<unsigned>(ymd & 31)};
  d.hour = static_cast<unsigned>(hms >> 12);
  d.minute = static_cast<unsigned>((hms >> 6) & 63);
  d.second = static_cast<unsigned>(hms & 63);
  d.microsecond = read_fraction(r, fsp);
  check_micro(d.microsecond, "DATETIME");
  return d;
}

/// TIMESTAMP (old form): seconds since the epoch, 4 bytes little-endian.
inline timestamp_value read_timestamp(byte_reader& r) { return {static_cast<std::int64_t>(r.u32()), 0}; }

/// TIMESTAMP2: seconds since the epoch, 4 bytes big-endian, then the fraction.
inline timestamp_value read_timestamp2(byte_reader& r, unsigned fsp) {
  timestamp_value t;
  t.seconds = static_cast<std::int64_t>(r.be(4));
  t.microseconds = read_fraction(r, fsp);
  check_micro(t.microseconds, "TIMESTAMP");
  return t;
}

}  // namespace tor::mysql::detail
