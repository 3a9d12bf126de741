// Definitions for tor/mysql/detail/crc32.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <tor/mysql/detail/crc32.hpp>

#ifdef TOR_CRC32_CLMUL
#include <immintrin.h>
#endif

namespace tor::mysql::detail {

namespace crc32_table {
// Slicing-by-8 tables for the reflected polynomial 0xEDB88320: entry [k][b]
// is the CRC of byte b followed by k zero bytes.
struct tables {
  std::uint32_t t[8][256];
};
constexpr tables make() {
  tables r{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    r.t[0][b] = c;
  }
  for (int k = 1; k < 8; ++k)
    for (std::uint32_t b = 0; b < 256; ++b) r.t[k][b] = (r.t[k - 1][b] >> 8) ^ r.t[0][r.t[k - 1][b] & 0xff];
  return r;
}
inline constexpr tables t = make();
}  // namespace crc32_table

TOR_DECL std::uint32_t crc32_portable(std::uint32_t crc, const std::uint8_t* p, std::size_t n) noexcept {
  const auto& t = crc32_table::t.t;
  crc = ~crc;
  auto le32 = [](const std::uint8_t* q) {
    return std::uint32_t{q[0]} | std::uint32_t{q[1]} << 8 | std::uint32_t{q[2]} << 16 | std::uint32_t{q[3]} << 24;
  };
  for (; n >= 8; p += 8, n -= 8) {
    const std::uint32_t a = le32(p) ^ crc, b = le32(p + 4);
    crc = t[7][a & 0xff] ^ t[6][(a >> 8) & 0xff] ^ t[5][(a >> 16) & 0xff] ^ t[4][a >> 24] ^ t[3][b & 0xff] ^
          t[2][(b >> 8) & 0xff] ^ t[1][(b >> 16) & 0xff] ^ t[0][b >> 24];
  }
  for (; n > 0; ++p, --n) crc = (crc >> 8) ^ t[0][(crc ^ *p) & 0xff];
  return ~crc;
}

#ifdef TOR_CRC32_CLMUL
namespace crc32_clmul {

// Folding constants for the bit-reflected polynomial 0x104C11DB7:
// x^(4*128+32) mod P and x^(4*128-32) mod P fold 512 bits, x^(128+32) and
// x^(128-32) fold 128 bits, x^64 mod P folds 64 bits; P' and mu drive the
// Barrett reduction. All bit-reflected and shifted as PCLMULQDQ needs.
inline constexpr std::uint64_t fold512_lo = 0x0154442bd4, fold512_hi = 0x01c6e41596;
inline constexpr std::uint64_t fold128_lo = 0x01751997d0, fold128_hi = 0x00ccaa009e;
inline constexpr std::uint64_t fold64 = 0x0163cd6124;
inline constexpr std::uint64_t poly = 0x01db710641, mu = 0x01f7011641;

__attribute__((target("pclmul,sse4.1"))) TOR_DECL __m128i fold(__m128i acc, __m128i k, __m128i next) noexcept {
  const __m128i lo = _mm_clmulepi64_si128(acc, k, 0x00);
  const __m128i hi = _mm_clmulepi64_si128(acc, k, 0x11);
  return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

__attribute__((target("pclmul,sse4.1"))) TOR_DECL std::uint32_t blocks(std::uint32_t crc, const std::uint8_t* p,
                                                                     std::size_t n) noexcept {
  auto load = [](const std::uint8_t* q) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q)); };
  __m128i a0 = _mm_xor_si128(load(p), _mm_cvtsi32_si128(static_cast<int>(crc)));
  __m128i a1 = load(p + 16), a2 = load(p + 32), a3 = load(p + 48);
  p += 64;
  n -= 64;
  const __m128i k512 = _mm_set_epi64x(static_cast<long long>(fold512_hi), static_cast<long long>(fold512_lo));
  for (; n >= 64; p += 64, n -= 64) {
    a0 = fold(a0, k512, load(p));
    a1 = fold(a1, k512, load(p + 16));
    a2 = fold(a2, k512, load(p + 32));
    a3 = fold(a3, k512, load(p + 48));
  }
  const __m128i k128 = _mm_set_epi64x(static_cast<long long>(fold128_hi), static_cast<long long>(fold128_lo));
  __m128i a = fold(a0, k128, a1);
  a = fold(a, k128, a2);
  a = fold(a, k128, a3);
  for (; n >= 16; p += 16, n -= 16) a = fold(a, k128, load(p));

  // 128 -> 64 bits.
  const __m128i mask32 = _mm_set_epi32(0, -1, 0, -1);
  __m128i t = _mm_clmulepi64_si128(a, k128, 0x10);
  a = _mm_xor_si128(_mm_srli_si128(a, 8), t);
  t = _mm_srli_si128(a, 4);
  a = _mm_clmulepi64_si128(_mm_and_si128(a, mask32), _mm_set_epi64x(0, static_cast<long long>(fold64)), 0x00);
  a = _mm_xor_si128(a, t);

  // Barrett reduction 64 -> 32 bits.
  const __m128i pm = _mm_set_epi64x(static_cast<long long>(mu), static_cast<long long>(poly));
  t = _mm_clmulepi64_si128(_mm_and_si128(a, mask32), pm, 0x10);
  t = _mm_clmulepi64_si128(_mm_and_si128(t, mask32), pm, 0x00);
  a = _mm_xor_si128(a, t);
  return static_cast<std::uint32_t>(_mm_extract_epi32(a, 1));
}

TOR_DECL bool available() noexcept {
  static const bool yes = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  return yes;
}

}  // namespace crc32_clmul
#endif

TOR_DECL std::uint32_t crc32(std::uint32_t crc, const std::uint8_t* p, std::size_t n) noexcept {
#ifdef TOR_CRC32_CLMUL
  if (n >= 64 && crc32_clmul::available()) {
    const std::size_t body = n & ~std::size_t{15};
    crc = ~crc32_clmul::blocks(~crc, p, body);
    return crc32_portable(crc, p + body, n - body);
  }
#endif
  return crc32_portable(crc, p, n);
}

}  // namespace tor::mysql::detail
