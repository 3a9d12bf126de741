// The payloads of the two commands that start a binlog dump, as pure
// functions of what to ask for, so their bytes are unit-tested without a
// server (no MySQL server is packaged here):
//
//   COM_BINLOG_DUMP (0x12)       position<4> flags<2> server_id<4> file<eof>
//   COM_BINLOG_DUMP_GTID (0x1e)  flags<2> server_id<4> file_len<4> file
//                                position<8> gtid_data_len<4> gtid_data
//
// gtid_data is MySQL's binary GTID set: n_sids<8>, then per source uuid its
// 16 bytes, n_intervals<8> and each interval as start<8> end<8> with the
// end exclusive. All integers little-endian. The command byte itself is
// added by the connector when the payload is sent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <tor/core/detail/config.hpp>
#include <tor/core/gtid.hpp>

namespace tor::mysql::detail {

inline constexpr unsigned char com_binlog_dump = 0x12;
inline constexpr unsigned char com_binlog_dump_gtid = 0x1e;

/// COM_BINLOG_DUMP: stream from `file` at `position`. A 32-bit position is
/// all the command carries; MySQL/MariaDB binlog files are smaller than 4 GiB.
TOR_DECL std::string binlog_dump_payload(std::uint32_t server_id, std::string_view file, std::uint64_t position,
                                         std::uint16_t flags = 0);

/// A MySQL GTID set in the binary form COM_BINLOG_DUMP_GTID carries.
TOR_DECL std::string encode_mysql_gtid_set(const gtid_set& set);

/// COM_BINLOG_DUMP_GTID: stream every transaction not in `executed`, from
/// the oldest binlog file that holds one (MySQL with gtid_mode=ON).
TOR_DECL std::string binlog_dump_gtid_payload(std::uint32_t server_id, const gtid_set& executed);

}  // namespace tor::mysql::detail

#ifdef TOR_HEADER_ONLY
#include <tor/mysql/detail/impl/dump_command.ipp>
#endif
