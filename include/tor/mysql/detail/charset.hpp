// Character sets of text columns. utf8mb3/utf8mb4 and ascii text is passed
// through as stored; latin1 (which MySQL and MariaDB define as Windows-1252)
// is converted to UTF-8, so the common western single-byte tables reach
// consumers as UTF-8 too. Other character sets arrive as the bytes the
// server stored (see docs/mysql-source.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tor::mysql::detail {

[[nodiscard]] constexpr bool is_latin1_collation(std::uint32_t id) noexcept {
  switch (id) {
    case 5: case 8: case 15: case 31: case 47: case 48: case 49: case 94:
    case 1032: case 1071:  // MariaDB's NO PAD variants
      return true;
    default: return false;
  }
}

/// Windows-1252 (MySQL's latin1) -> UTF-8.
inline std::string latin1_to_utf8(std::string_view in) {
  static constexpr char16_t high[32] = {0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
                                        0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
                                        0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
                                        0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178};
  std::string out;
  out.reserve(in.size() + in.size() / 4);
  for (const char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += ch;
      continue;
    }
    const char16_t u = c < 0xa0 ? high[c - 0x80] : static_cast<char16_t>(c);
    if (u < 0x800) {
      out += static_cast<char>(0xc0 | (u >> 6));
      out += static_cast<char>(0x80 | (u & 0x3f));
    } else {
      out += static_cast<char>(0xe0 | (u >> 12));
      out += static_cast<char>(0x80 | ((u >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (u & 0x3f));
    }
  }
  return out;
}

}  // namespace tor::mysql::detail
