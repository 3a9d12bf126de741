// Helpers shared by the libFuzzer targets: slicing the fuzzer's bytes into
// the pieces a target needs, and failing loudly when a property breaks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

namespace tor_fuzz {

using bytes = std::span<const std::uint8_t>;

/// A 2-byte little-endian length, then that many bytes (clamped to what is left).
inline bytes take_chunk(bytes& in) {
  if (in.size() < 2) {
    const auto all = in;
    in = {};
    return all;
  }
  const std::size_t n = in[0] | (in[1] << 8);
  in = in.subspan(2);
  const auto len = n < in.size() ? n : in.size();
  const auto chunk = in.first(len);
  in = in.subspan(len);
  return chunk;
}

/// Up to `n` bytes little-endian as an integer (0 when the input is short).
inline std::uint64_t take_le(bytes& in, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n && !in.empty(); ++i) {
    v |= std::uint64_t{in[0]} << (8 * i);
    in = in.subspan(1);
  }
  return v;
}

/// A property the code promises did not hold: abort so libFuzzer keeps the input.
[[noreturn]] inline void broken(const char* what) {
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

}  // namespace tor_fuzz

#define TOR_FUZZ_CHECK(cond) \
  do {                       \
    if (!(cond)) ::tor_fuzz::broken(#cond); \
  } while (false)
