// Definitions for tor/mysql/binlog_event.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <algorithm>

#include <tor/mysql/binlog_event.hpp>

namespace tor::mysql {

namespace detail {
TOR_DECL void corrupt_event(std::string_view what, const truncated& t) {
  fail("corrupt " + std::string(what) + " event: " + describe(t));
}
}  // namespace detail

TOR_DECL event_header parse_event_header(std::span<const std::uint8_t> event) {
  detail::byte_reader r(event);
  try {
    event_header h;
    h.timestamp = r.u32();
    h.type = r.u8();
    h.server_id = r.u32();
    h.size = r.u32();
    h.log_pos = r.u32();
    h.flags = r.u16();
    return h;
  } catch (const detail::truncated& t) {
    detail::corrupt_event("binlog", t);
  }
}

TOR_DECL bool checksum_matches(std::span<const std::uint8_t> event) noexcept {
  if (event.size() < event_header_size + 4) return false;
  const auto n = event.size() - 4;
  const auto crc = detail::crc32(0, event.data(), n);
  const std::uint32_t stored = event[n] | (event[n + 1] << 8) | (event[n + 2] << 16) | (static_cast<std::uint32_t>(event[n + 3]) << 24);
  return crc == stored;
}

TOR_DECL event_view split_event(std::span<const std::uint8_t> event, bool has_checksum) {
  const auto h = parse_event_header(event);
  if (h.size != event.size())
    detail::fail("corrupt binlog event of type " + std::to_string(h.type) + ": header says " + std::to_string(h.size) +
                 " bytes, " + std::to_string(event.size()) + " received");
  const std::size_t tail = has_checksum ? 4 : 0;
  if (event.size() < event_header_size + tail)
    detail::fail("corrupt binlog event of type " + std::to_string(h.type) + ": only " + std::to_string(event.size()) + " bytes");
  if (has_checksum && !checksum_matches(event))
    detail::fail("binlog event of type " + std::to_string(h.type) + " ending at position " + std::to_string(h.log_pos) +
                 " fails its CRC32 checksum: the event was corrupted on disk or in transit");
  return {h, event.subspan(event_header_size, event.size() - event_header_size - tail)};
}

TOR_DECL format_description parse_format_description(std::span<const std::uint8_t> event) {
  format_description fd;
  const auto h = parse_event_header(event);
  if (h.type != event_types::format_description) detail::fail("expected a format description event, got type " + std::to_string(h.type));
  detail::byte_reader r(event.subspan(std::min(event.size(), event_header_size)));
  try {
    fd.binlog_version = r.u16();
    if (fd.binlog_version != 4)
      detail::fail("binlog format version " + std::to_string(fd.binlog_version) + " is not supported (only 4, MySQL 5.0+)");
    const auto ver = r.text(50);
    fd.server_version = std::string(ver.substr(0, ver.find('\0')));
    fd.created = r.u32();
    fd.header_length = r.u8();
    if (fd.header_length != event_header_size)
      detail::fail("binlog event header length " + std::to_string(fd.header_length) + " is not supported (only 19)");
    // Servers since MySQL 5.6.1 / MariaDB 5.3 end the event with a checksum
    // algorithm byte (0 none, 1 CRC32) and, when it is 1, the CRC itself.
    const auto rest = r.rest();
    std::size_t n = rest.size();
    const bool has_alg = fd.server_version.find("MariaDB") != std::string::npos || !fd.server_version.starts_with("5.") ||
                         fd.server_version >= "5.6.1";
    if (has_alg && n >= 5 && rest[n - 5] == 1 && checksum_matches(event)) {
      fd.checksums = true;
      n -= 5;
    } else if (has_alg && n >= 1 && (rest[n - 1] == 0 || rest[n - 1] == 0xff)) {
      n -= 1;
    } else if (has_alg && n >= 5 && rest[n - 5] == 1) {
      detail::fail("format description event fails its CRC32 checksum");
    }
    fd.post_header_lengths.assign(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(n));
  } catch (const detail::truncated& t) {
    detail::corrupt_event("format description", t);
  }
  fd.flavor = fd.server_version.find("MariaDB") != std::string::npos ? server_flavor::mariadb : server_flavor::mysql;
  return fd;
}

TOR_DECL rotate_event parse_rotate(std::span<const std::uint8_t> data) {
  detail::byte_reader r(data);
  try {
    rotate_event e;
    e.position = r.u64();
    e.file = std::string(r.text(r.remaining()));
    if (e.file.empty()) detail::fail("corrupt rotate event: no file name");
    return e;
  } catch (const detail::truncated& t) {
    detail::corrupt_event("rotate", t);
  }
}

TOR_DECL mariadb_gtid_event parse_mariadb_gtid(std::span<const std::uint8_t> data, std::uint32_t server_id) {
  detail::byte_reader r(data);
  try {
    mariadb_gtid_event e;
    e.id.flavor = gtid_flavor::mariadb;
    e.id.sequence = r.u64();
    e.id.domain = r.u32();
    e.id.server = server_id;
    e.flags = r.u8();
    return e;
  } catch (const detail::truncated& t) {
    detail::corrupt_event("MariaDB GTID", t);
  }
}

TOR_DECL std::string format_uuid(std::span<const std::uint8_t, 16> b) {
  constexpr char hexd[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += hexd[b[i] >> 4];
    s += hexd[b[i] & 15];
  }
  return s;
}

TOR_DECL mysql_gtid_event parse_mysql_gtid(std::uint8_t type, std::span<const std::uint8_t> data) {
  if (type == event_types::mysql_gtid_tagged)
    detail::fail("tagged GTID events (MySQL 8.3+ gtid tags) are not supported yet");
  detail::byte_reader r(data);
  try {
    mysql_gtid_event e;
    e.anonymous = type == event_types::mysql_anonymous_gtid;
    e.flags = r.u8();
    const auto sid = r.bytes(16);
    e.id.flavor = gtid_flavor::mysql;
    e.id.uuid = format_uuid(std::span<const std::uint8_t, 16>(sid.data(), 16));
    e.id.sequence = r.u64();
    if (!e.anonymous && e.id.sequence == 0) detail::fail("corrupt MySQL GTID event: transaction number 0");
    return e;
  } catch (const detail::truncated& t) {
    detail::corrupt_event("MySQL GTID", t);
  }
}

TOR_DECL query_event parse_query(std::uint8_t type, std::span<const std::uint8_t> data, std::size_t post_header_length) {
  detail::byte_reader r(data);
  try {
    query_event e;
    if (post_header_length < 13) post_header_length = 13;
    e.thread_id = r.u32();
    e.exec_time = r.u32();
    const auto schema_len = r.u8();
    e.error_code = r.u16();
    const auto status_len = r.u16();
    r.skip(post_header_length - 13);
    r.skip(status_len);
    e.schema = std::string(r.text(schema_len));
    r.skip(1);
    if (type == event_types::query_compressed) {
      std::string out;
      detail::inflate_mariadb_record(out, r, "compressed query event");
      e.query = std::move(out);
    } else {
      e.query = std::string(r.text(r.remaining()));
    }
    return e;
  } catch (const detail::truncated& t) {
    detail::corrupt_event("query", t);
  }
}

TOR_DECL std::uint64_t parse_xid(std::span<const std::uint8_t> data) {
  detail::byte_reader r(data);
  try {
    return r.u64();
  } catch (const detail::truncated& t) {
    detail::corrupt_event("XID", t);
  }
}

TOR_DECL std::vector<gtid> parse_mariadb_gtid_list(std::span<const std::uint8_t> data) {
  detail::byte_reader r(data);
  try {
    const auto count = r.u32() & 0x0fffffffu;  // the top four bits are flags
    if (count > r.remaining() / 16) detail::fail("corrupt GTID list event: " + std::to_string(count) + " entries claimed");
    std::vector<gtid> out;
    out.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      gtid g;
      g.flavor = gtid_flavor::mariadb;
      g.domain = r.u32();
      g.server = r.u32();
      g.sequence = r.u64();
      out.push_back(g);
    }
    return out;
  } catch (const detail::truncated& t) {
    detail::corrupt_event("GTID list", t);
  }
}

TOR_DECL incident_event parse_incident(std::span<const std::uint8_t> data) {
  detail::byte_reader r(data);
  incident_event e;
  try {
    e.number = r.u16();
    if (!r.empty()) e.message = std::string(r.text(r.u8()));
  } catch (const detail::truncated&) {
    // A short incident is still an incident; report what was readable.
  }
  return e;
}

TOR_DECL transaction_payload parse_transaction_payload(std::span<const std::uint8_t> data) {
  detail::byte_reader r(data);
  transaction_payload p;
  bool have_compression = false;
  try {
    while (true) {
      const auto type = r.lenenc();
      if (type == 0) break;  // end of the header fields
      const auto len = r.lenenc();
      if (len > r.remaining() || len > 9) detail::fail("corrupt transaction payload event: field of " + std::to_string(len) + " bytes");
      auto field = r.bytes(static_cast<std::size_t>(len));
      // MySQL writes values as length-encoded integers filling the field;
      // a fixed-width little-endian integer of the field's size is accepted too.
      std::uint64_t v = 0;
      bool lenenc_ok = false;
      try {
        detail::byte_reader f(field);
        v = f.lenenc();
        lenenc_ok = f.empty();
      } catch (const detail::truncated&) {
      } catch (const tor::error&) {
      }
      if (!lenenc_ok) {
        if (field.size() > 8) detail::fail("corrupt transaction payload event: a 9-byte field is not a valid integer");
        v = detail::byte_reader(field).le(field.size());
      }
      if (type == 2) {
        p.compression = v;
        have_compression = true;
      } else if (type == 3) {
        p.uncompressed_size = v;
      }
    }
    p.payload = r.rest();
  } catch (const detail::truncated& t) {
    detail::corrupt_event("transaction payload", t);
  }
  if (!have_compression) detail::fail("corrupt transaction payload event: no compression type");
  return p;
}

TOR_DECL std::span<const std::uint8_t> transaction_payload_events(const transaction_payload& p,
                                                                  std::vector<std::uint8_t>& scratch) {
  if (p.compression == 255) return p.payload;
  if (p.compression == 0) {
    // The declared size bounds what is allocated; MySQL caps a payload at
    // its max_allowed_packet (1 GiB at most).
    if (p.uncompressed_size > (std::uint64_t{1} << 30))
      detail::fail("transaction payload declares " + std::to_string(p.uncompressed_size) +
                   " uncompressed bytes, more than the 1 GiB a MySQL server writes");
    detail::zstd_decompress_exact(scratch, p.payload, static_cast<std::size_t>(p.uncompressed_size),
                                  "transaction payload");
    return scratch;
  }
  detail::fail("transaction payload with unknown compression type " + std::to_string(p.compression));
}

}  // namespace tor::mysql
