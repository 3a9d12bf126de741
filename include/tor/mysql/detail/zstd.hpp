// zstd decompression for MySQL's compressed transactions
// (binlog_transaction_compression=ON, MySQL 8.0.20+). Available when the
// tor::mysql target found libzstd (it then defines TOR_MYSQL_HAVE_ZSTD);
// otherwise such transactions are refused with an error saying so.
// Like inflate_exact, output grows with what the stream produces, up to the
// size the event declares, so a corrupt header cannot make us allocate more.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <tor/core/detail/config.hpp>
#include <tor/mysql/detail/bytes.hpp>

namespace tor::mysql::detail {

/// Whether this build can read zstd-compressed transaction payloads.
inline constexpr bool have_zstd =
#ifdef TOR_MYSQL_HAVE_ZSTD
    true;
#else
    false;
#endif

/// Decompresses the zstd frame(s) in `in` into `out` (replacing its
/// contents); the result must be exactly `expected` bytes.
TOR_DECL void zstd_decompress_exact(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> in,
                                    std::size_t expected, const std::string& what);

}  // namespace tor::mysql::detail

#ifdef TOR_HEADER_ONLY
#include <tor/mysql/detail/impl/zstd.ipp>
#endif
