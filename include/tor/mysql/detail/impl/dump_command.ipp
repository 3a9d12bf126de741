// Definitions for tor/mysql/detail/dump_command.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <tor/core/error.hpp>
#include <tor/mysql/detail/dump_command.hpp>

namespace tor::mysql::detail {

namespace dump_bytes {
TOR_DECL void put(std::string& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
TOR_DECL int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace dump_bytes

TOR_DECL std::string binlog_dump_payload(std::uint32_t server_id, std::string_view file, std::uint64_t position,
                                         std::uint16_t flags) {
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

TOR_DECL std::string encode_mysql_gtid_set(const gtid_set& set) {
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

TOR_DECL std::string binlog_dump_gtid_payload(std::uint32_t server_id, const gtid_set& executed) {
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
