// CRC-32 (the IEEE/zlib polynomial, as binlog checksums use), fast.
//
// Every binlog event carries a CRC32 that the source verifies; with zlib's
// table-driven crc32() that was the largest single cost of reading a
// binlog. On x86-64 with PCLMULQDQ this folds 64 bytes per step with
// carry-less multiplication (the folding method of Intel's white paper
// "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ"), then
// reduces to 32 bits with a Barrett reduction; elsewhere, and for short
// buffers and the tail, slicing-by-8 tables compute it. The result is the
// same as zlib's crc32(), which the unit tests check for every length and
// alignment that matters.
#pragma once

#include <cstddef>
#include <cstdint>

#include <tor/core/detail/config.hpp>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TOR_CRC32_CLMUL 1
#endif

namespace tor::mysql::detail {

/// CRC-32 eight bytes a step with tables: for short events (GTID, XID) and
/// for the tail the folding leaves, and on CPUs without PCLMULQDQ.
TOR_DECL std::uint32_t crc32_portable(std::uint32_t crc, const std::uint8_t* p, std::size_t n) noexcept;

#ifdef TOR_CRC32_CLMUL
namespace crc32_clmul {
/// The raw (pre- and post-inverted by the caller) CRC of n bytes, n >= 64
/// and a multiple of 16.
__attribute__((target("pclmul,sse4.1"))) TOR_DECL std::uint32_t blocks(std::uint32_t crc, const std::uint8_t* p,
                                                                       std::size_t n) noexcept;
/// Whether the CPU has PCLMULQDQ and SSE4.1.
TOR_DECL bool available() noexcept;
}  // namespace crc32_clmul
#endif

/// CRC-32 of `n` bytes continuing from `crc` (0 to start), equal to zlib's crc32().
TOR_DECL std::uint32_t crc32(std::uint32_t crc, const std::uint8_t* p, std::size_t n) noexcept;

}  // namespace tor::mysql::detail

#ifdef TOR_HEADER_ONLY
#include <tor/mysql/detail/impl/crc32.ipp>
#endif
