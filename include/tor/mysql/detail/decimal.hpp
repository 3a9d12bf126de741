// DECIMAL in the server's binary form -> exact text. The binary form packs
// nine decimal digits per four bytes (fewer bytes for a leading or trailing
// partial group), big-endian, with the sign in the top bit of the first
// byte and every byte inverted for negative numbers.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <tor/mysql/detail/bytes.hpp>

namespace tor::mysql::detail {

inline constexpr std::array<std::uint8_t, 10> decimal_group_bytes{0, 1, 1, 2, 2, 3, 3, 4, 4, 4};

/// Bytes taken by DECIMAL(precision, scale) in a row image.
[[nodiscard]] constexpr std::size_t decimal_size(unsigned precision, unsigned scale) noexcept {
  const unsigned intg = precision - scale;
  return (intg / 9) * 4 + decimal_group_bytes[intg % 9] + (scale / 9) * 4 + decimal_group_bytes[scale % 9];
}

/// True when DECIMAL(precision, scale) is a shape the server can produce.
[[nodiscard]] constexpr bool valid_decimal(unsigned precision, unsigned scale) noexcept {
  return precision >= 1 && precision <= 65 && scale <= 38 && scale <= precision;
}

/// Reads one DECIMAL(precision, scale) and returns it as canonical text:
/// optional '-', integer digits without leading zeros (at least one), and
/// exactly `scale` fraction digits ("-12.340", "0.5", "7").
inline std::string read_decimal(byte_reader& r, unsigned precision, unsigned scale) {
  const std::size_t size = decimal_size(precision, scale);
  const auto raw = r.bytes(size);
  std::array<std::uint8_t, 40> b{};
  for (std::size_t i = 0; i < size; ++i) b[i] = raw[i];
  const bool negative = (b[0] & 0x80) == 0;
  b[0] ^= 0x80;
  if (negative)
    for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(~b[i]);

  std::size_t pos = 0;
  auto group = [&](unsigned digits) -> std::uint32_t {
    const std::size_t n = digits == 9 ? 4 : decimal_group_bytes[digits];
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | b[pos + i];
    pos += n;
    static constexpr std::uint32_t limit[10] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
                                                1000000000};
    if (v >= limit[digits]) fail("corrupt DECIMAL value: a " + std::to_string(digits) + "-digit group holds " +
                                 std::to_string(v));
    return v;
  };
  auto append = [](std::string& out, std::uint32_t v, unsigned width) {
    char buf[10];
    for (unsigned i = width; i-- > 0;) {
      buf[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    out.append(buf, width);
  };

  const unsigned intg = precision - scale;
  std::string digits;
  digits.reserve(precision + 2);
  if (intg % 9) append(digits, group(intg % 9), intg % 9);
  for (unsigned i = 0; i < intg / 9; ++i) append(digits, group(9), 9);
  std::size_t lead = 0;
  while (lead < digits.size() && digits[lead] == '0') ++lead;
  std::string out;
  out.reserve(precision + 3);
  if (negative) out += '-';
  if (lead == digits.size()) out += '0';
  else out.append(digits, lead, std::string::npos);
  if (scale) {
    out += '.';
    for (unsigned i = 0; i < scale / 9; ++i) append(out, group(9), 9);
    if (scale % 9) append(out, group(scale % 9), scale % 9);
  }
  // The server never stores -0; tolerate it anyway rather than print "-0.00".
  if (negative && out.find_first_not_of("-0.") == std::string::npos) out.erase(0, 1);
  return out;
}

}  // namespace tor::mysql::detail
