// zlib inflation for MariaDB's compressed binlog events (log_bin_compress)
// and compressed columns (`COMPRESSED` attribute). Output grows with what
// the stream really produces, never by the size a header claims, so a
// corrupt header cannot make us allocate gigabytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include <tor/core/detail/config.hpp>
#include <tor/mysql/detail/bytes.hpp>

namespace tor::mysql::detail {

/// Inflates `in` into `out` (replacing its contents). `window_bits` is
/// zlib's: 15 for a zlib-wrapped stream, -15 for raw deflate. The result
/// must be exactly `expected` bytes; `what` names the data in errors.
TOR_DECL void inflate_exact(std::string& out, std::span<const std::uint8_t> in, std::size_t expected, int window_bits,
                            const std::string& what);

/// MariaDB's compressed-record header, shared by compressed events: one byte
/// 0x80 | n (n = 1..4 bytes of length), the uncompressed length big-endian
/// in n bytes, then a zlib stream.
TOR_DECL void inflate_mariadb_record(std::string& out, byte_reader& r, const std::string& what);

}  // namespace tor::mysql::detail

#ifdef TOR_HEADER_ONLY
#include <tor/mysql/detail/impl/inflate.ipp>
#endif
