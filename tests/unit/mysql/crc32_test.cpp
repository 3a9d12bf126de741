// The fast CRC-32 against zlib's, which the server's checksums match: every
// length from 0 to 600 (the 64-byte folding, the 16-byte folding and the
// zlib-computed tail each start and stop in there), at every alignment,
// over random bytes, continued from a non-zero CRC, and a few large sizes.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <tor/mysql/detail/crc32.hpp>

namespace td = tor::mysql::detail;

namespace {
std::uint32_t zlib_crc(std::uint32_t crc, const std::uint8_t* p, std::size_t n) {
  return static_cast<std::uint32_t>(::crc32(crc, p, static_cast<uInt>(n)));
}
}  // namespace

TEST_CASE("CRC-32 equals zlib's for every length and alignment", "[mysql][crc32]") {
  std::mt19937 rng(20261126);
  std::vector<std::uint8_t> buf(600 + 16);
  for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
  int mismatches = 0;
  for (std::size_t align = 0; align < 16; ++align)
    for (std::size_t n = 0; n <= 600; ++n)
      if (td::crc32(0, buf.data() + align, n) != zlib_crc(0, buf.data() + align, n)) ++mismatches;
  CHECK(mismatches == 0);
}

TEST_CASE("CRC-32 continues from a previous CRC like zlib's", "[mysql][crc32]") {
  std::vector<std::uint8_t> buf(5000);
  std::mt19937 rng(7);
  for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
  for (std::size_t split : {0u, 1u, 63u, 64u, 100u, 4096u}) {
    const auto first = td::crc32(0, buf.data(), split);
    CHECK(td::crc32(first, buf.data() + split, buf.size() - split) == zlib_crc(0, buf.data(), buf.size()));
  }
  CHECK(td::crc32(0xdeadbeef, buf.data(), 1000) == zlib_crc(0xdeadbeef, buf.data(), 1000));
}

TEST_CASE("CRC-32 of known inputs", "[mysql][crc32]") {
  const std::string check = "123456789";
  CHECK(td::crc32(0, reinterpret_cast<const std::uint8_t*>(check.data()), check.size()) == 0xCBF43926u);
  std::vector<std::uint8_t> zeros(1 << 20, 0), ones(1 << 20, 0xff);
  CHECK(td::crc32(0, zeros.data(), zeros.size()) == zlib_crc(0, zeros.data(), zeros.size()));
  CHECK(td::crc32(0, ones.data(), ones.size()) == zlib_crc(0, ones.data(), ones.size()));
}

#ifdef TOR_CRC32_CLMUL
TEST_CASE("the carry-less multiplication path itself equals zlib's", "[mysql][crc32]") {
  if (!td::crc32_clmul::available()) {
    WARN("this CPU has no PCLMULQDQ: the folding path is not exercised here");
    return;
  }
  std::vector<std::uint8_t> buf(4096 + 64);
  std::mt19937 rng(42);
  for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
  int mismatches = 0;
  for (std::size_t n = 64; n <= 4096; n += 16)
    if (~td::crc32_clmul::blocks(~0u, buf.data() + n % 7, n) != zlib_crc(0, buf.data() + n % 7, n)) ++mismatches;
  CHECK(mismatches == 0);
}
#endif

TEST_CASE("the table-driven path itself equals zlib's", "[mysql][crc32]") {
  std::vector<std::uint8_t> buf(300 + 8);
  std::mt19937 rng(99);
  for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
  int mismatches = 0;
  for (std::size_t align = 0; align < 8; ++align)
    for (std::size_t n = 0; n <= 300; ++n)
      if (td::crc32_portable(0x12345678, buf.data() + align, n) != zlib_crc(0x12345678, buf.data() + align, n))
        ++mismatches;
  CHECK(mismatches == 0);
}
