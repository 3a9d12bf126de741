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

#include <tor/core/error.hpp>
#include <tor/core/gtid.hpp>

namespace tor::mysql::detail {

inline constexpr unsigned char com_binlog_dump = 0x12;
inline constexpr unsigned char com_binlog_dump_gtid = 0x1e;

namespace dump_bytes {
inline void put(std::string& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace dump_bytes

/// COM_BINLOG_DUMP: stream from `file` at `position`. A 32-bit position is
/// all the command carries; MySQL/MariaDB binlog files are smaller than 4 GiB.
inline std::string binlog_dump_payload(std::uint32_t server_id, std::string_view file, std::uint64_t position,
                                       std::uint16_t flags = 0) {
  if (position > 0xffffffffu)
    throw tor::error(error_kind::invalid_argument,
                     "binlog position " + std::to_string(position) + " in " + std::string(file) +
                         " does not fit the 4 bytes of COM_BINLOG_DUMP");
  std::string out;
  out.reserve(10 + file.size());
  dump_bytes::put(out, position, 4);
  dump_bytes::put(out, flags, 2);
  dump_bytes::put(out, server_id, 4);
  out.append(file);
  return out;
}

/// A MySQL GTID set in the binary form COM_BINLOG_DUMP_GTID carries.
inline std::string encode_mysql_gtid_set(const gtid_set& set) {
  if (set.flavor() != gtid_flavor::mysql)
    throw tor::error(error_kind::invalid_argument,
                     "GTID set \"" + set.to_string() + "\" is a MariaDB set; a MySQL GTID dump needs uuid:interval GTIDs");
  std::string out;
  dump_bytes::put(out, set.uuids().size(), 8);
  for (const auto& [uuid, intervals] : set.uuids()) {
    std::string sid;
    for (std::size_t i = 0; i < uuid.size(); ++i) {
      if (uuid[i] == '-') continue;
      const int hi = dump_bytes::hex(uuid[i]);
      const int lo = i + 1 < uuid.size() ? dump_bytes::hex(uuid[i + 1]) : -1;
      if (hi < 0 || lo < 0) break;
      sid.push_back(static_cast<char>(hi << 4 | lo));
      ++i;
    }
    if (sid.size() != 16)
      throw tor::error(error_kind::invalid_argument, "GTID source \"" + uuid + "\" is not a 36-character uuid");
    out.append(sid);
    dump_bytes::put(out, intervals.size(), 8);
    for (const auto& iv : intervals) {
      dump_bytes::put(out, iv.first, 8);
      dump_bytes::put(out, iv.last + 1, 8);  // exclusive on the wire
    }
  }
  return out;
}

/// COM_BINLOG_DUMP_GTID: stream every transaction not in `executed`, from
/// the oldest binlog file that holds one (MySQL with gtid_mode=ON).
inline std::string binlog_dump_gtid_payload(std::uint32_t server_id, const gtid_set& executed) {
  const auto data = encode_mysql_gtid_set(executed);
  std::string out;
  out.reserve(22 + data.size());
  dump_bytes::put(out, 0, 2);          // flags: blocking dump
  dump_bytes::put(out, server_id, 4);
  dump_bytes::put(out, 0, 4);          // no file name: the server finds it from the GTIDs
  dump_bytes::put(out, 4, 8);          // position: past the magic number
  dump_bytes::put(out, data.size(), 4);
  out.append(data);
  return out;
}

}  // namespace tor::mysql::detail
