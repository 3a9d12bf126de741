// Binary log events as bytes -> plain structs: the common header, CRC32
// checksums, the format description, and the events that frame
// transactions (MariaDB and MySQL GTIDs, queries, XIDs, rotations, GTID
// lists, MySQL transaction payloads, incidents). Like the row decoder it is
// pure and has no connector dependency; tor::mysql::binlog_source feeds it
// the events the connector receives.
//
// Layout reminder: every event is a 19-byte header (timestamp, type,
// server id, size, end position, flags), a type-specific post-header and
// body, and, when the log has checksums, a 4-byte CRC32 of all of that.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tor/core/gtid.hpp>
#include <tor/mysql/detail/bytes.hpp>
#include <tor/mysql/detail/crc32.hpp>
#include <tor/mysql/detail/inflate.hpp>
#include <tor/mysql/detail/zstd.hpp>
#include <tor/mysql/binlog_format.hpp>

namespace tor::mysql {

inline constexpr std::size_t event_header_size = 19;

struct event_header {
  std::uint32_t timestamp = 0;
  std::uint8_t type = 0;
  std::uint32_t server_id = 0;
  std::uint32_t size = 0;     ///< whole event, header and checksum included
  std::uint32_t log_pos = 0;  ///< position of the next event in the file; 0 for artificial events
  std::uint16_t flags = 0;
  [[nodiscard]] bool artificial() const noexcept { return (flags & event_flags::artificial) != 0; }
};

/// An event split into header and data (post-header + body, checksum removed).
struct event_view {
  event_header header;
  std::span<const std::uint8_t> data;
};

namespace detail {
[[noreturn]] inline void corrupt_event(std::string_view what, const truncated& t) {
  fail("corrupt " + std::string(what) + " event: " + describe(t));
}
}  // namespace detail

inline event_header parse_event_header(std::span<const std::uint8_t> event) {
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

/// CRC32 (zlib's polynomial, as the server uses) of everything but the last
/// four bytes, compared with those four bytes.
[[nodiscard]] inline bool checksum_matches(std::span<const std::uint8_t> event) noexcept {
  if (event.size() < event_header_size + 4) return false;
  const auto n = event.size() - 4;
  const auto crc = detail::crc32(0, event.data(), n);
  const std::uint32_t stored = event[n] | (event[n + 1] << 8) | (event[n + 2] << 16) | (static_cast<std::uint32_t>(event[n + 3]) << 24);
  return crc == stored;
}

/// Validates the event's size field against the bytes received, verifies the
/// checksum when the log has them, and splits header from data.
inline event_view split_event(std::span<const std::uint8_t> event, bool has_checksum) {
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

/// The format description event that starts every binlog file.
struct format_description {
  std::uint16_t binlog_version = 4;
  std::string server_version;
  std::uint32_t created = 0;
  std::uint8_t header_length = 19;
  std::vector<std::uint8_t> post_header_lengths;  ///< index = event type - 1
  bool checksums = false;                         ///< events carry a CRC32
  server_flavor flavor = server_flavor::mariadb;

  [[nodiscard]] std::size_t post_header_length(std::uint8_t type) const noexcept {
    return type >= 1 && type <= post_header_lengths.size() ? post_header_lengths[type - 1u] : 0;
  }
  [[nodiscard]] format_options options() const noexcept {
    format_options o;
    o.flavor = flavor;
    o.table_id_size = post_header_length(event_types::table_map) == 6 ? 4 : 6;
    return o;
  }
};

/// Parses a whole format description event (header included). Whether the
/// log has checksums is read from the event itself.
inline format_description parse_format_description(std::span<const std::uint8_t> event) {
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

struct rotate_event {
  std::uint64_t position = 4;
  std::string file;
};

inline rotate_event parse_rotate(std::span<const std::uint8_t> data) {
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

/// MariaDB GTID event (type 162): the start of every event group.
struct mariadb_gtid_event {
  gtid id;                 ///< domain-server-seq; server from the event header
  std::uint8_t flags = 0;  ///< FL_* below

  static constexpr std::uint8_t standalone = 0x01;     ///< no terminating COMMIT/XID (DDL)
  static constexpr std::uint8_t group_commit = 0x02;
  static constexpr std::uint8_t transactional = 0x04;  ///< may be rolled back (no non-transactional changes)
  static constexpr std::uint8_t ddl = 0x20;
  static constexpr std::uint8_t prepared_xa = 0x40;
  static constexpr std::uint8_t completed_xa = 0x80;
};

inline mariadb_gtid_event parse_mariadb_gtid(std::span<const std::uint8_t> data, std::uint32_t server_id) {
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

/// MySQL GTID event (types 33 and 34): the start of every transaction.
struct mysql_gtid_event {
  bool anonymous = false;  ///< gtid_mode=OFF: no GTID, only framing
  gtid id;                 ///< uuid:number (empty uuid when anonymous)
  std::uint8_t flags = 0;
};

inline std::string format_uuid(std::span<const std::uint8_t, 16> b) {
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

inline mysql_gtid_event parse_mysql_gtid(std::uint8_t type, std::span<const std::uint8_t> data) {
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

/// A statement event: BEGIN/COMMIT/ROLLBACK framing, DDL, XA statements.
struct query_event {
  std::uint32_t thread_id = 0;
  std::uint32_t exec_time = 0;
  std::uint16_t error_code = 0;
  std::string schema;
  std::string query;
};

/// `post_header_length` comes from the format description (13 on every
/// server since 5.0). Compressed MariaDB queries (type 165) are inflated.
inline query_event parse_query(std::uint8_t type, std::span<const std::uint8_t> data, std::size_t post_header_length = 13) {
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

inline std::uint64_t parse_xid(std::span<const std::uint8_t> data) {
  detail::byte_reader r(data);
  try {
    return r.u64();
  } catch (const detail::truncated& t) {
    detail::corrupt_event("XID", t);
  }
}

/// MariaDB GTID list (type 163): the GTID state at the start of a binlog file.
inline std::vector<gtid> parse_mariadb_gtid_list(std::span<const std::uint8_t> data) {
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

/// An incident event: the server says events are missing from the log.
struct incident_event {
  std::uint16_t number = 0;
  std::string message;
};

inline incident_event parse_incident(std::span<const std::uint8_t> data) {
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

/// MySQL 8.0.20+ transaction payload (binlog_transaction_compression): the
/// events of a whole transaction, compressed, inside one event.
struct transaction_payload {
  std::uint64_t compression = 0;  ///< 0 zstd, 255 none
  std::uint64_t uncompressed_size = 0;
  std::span<const std::uint8_t> payload;
};

inline transaction_payload parse_transaction_payload(std::span<const std::uint8_t> data) {
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

/// Calls `f(std::span<const std::uint8_t> event)` for each event of a
/// buffer of back-to-back events (the inside of a transaction payload,
/// which carries no checksums).
template <class F>
void for_each_event(std::span<const std::uint8_t> buffer, F&& f) {
  while (!buffer.empty()) {
    if (buffer.size() < event_header_size)
      detail::fail("corrupt transaction payload: " + std::to_string(buffer.size()) + " trailing bytes are not an event");
    const auto h = parse_event_header(buffer);
    if (h.size < event_header_size || h.size > buffer.size())
      detail::fail("corrupt transaction payload: an inner event claims " + std::to_string(h.size) + " bytes, " +
                   std::to_string(buffer.size()) + " left");
    f(buffer.first(h.size));
    buffer = buffer.subspan(h.size);
  }
}

/// The events inside a transaction payload: the payload itself when
/// uncompressed, else decompressed into `scratch` (zstd, when this build has
/// libzstd). Never skipped: an unreadable payload is an error, since its
/// rows would otherwise be lost.
inline std::span<const std::uint8_t> transaction_payload_events(const transaction_payload& p,
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
