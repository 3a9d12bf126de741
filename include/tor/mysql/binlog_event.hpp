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

#include <tor/core/detail/config.hpp>
#include <tor/core/gtid.hpp>
#include <tor/mysql/binlog_format.hpp>
#include <tor/mysql/detail/bytes.hpp>
#include <tor/mysql/detail/crc32.hpp>
#include <tor/mysql/detail/inflate.hpp>
#include <tor/mysql/detail/zstd.hpp>

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
[[noreturn]] TOR_DECL void corrupt_event(std::string_view what, const truncated& t);
}  // namespace detail

TOR_DECL event_header parse_event_header(std::span<const std::uint8_t> event);

/// CRC32 (zlib's polynomial, as the server uses) of everything but the last
/// four bytes, compared with those four bytes.
[[nodiscard]] TOR_DECL bool checksum_matches(std::span<const std::uint8_t> event) noexcept;

/// Validates the event's size field against the bytes received, verifies the
/// checksum when the log has them, and splits header from data.
TOR_DECL event_view split_event(std::span<const std::uint8_t> event, bool has_checksum);

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
TOR_DECL format_description parse_format_description(std::span<const std::uint8_t> event);

struct rotate_event {
  std::uint64_t position = 4;
  std::string file;
};

TOR_DECL rotate_event parse_rotate(std::span<const std::uint8_t> data);

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

TOR_DECL mariadb_gtid_event parse_mariadb_gtid(std::span<const std::uint8_t> data, std::uint32_t server_id);

/// MySQL GTID event (types 33 and 34): the start of every transaction.
struct mysql_gtid_event {
  bool anonymous = false;  ///< gtid_mode=OFF: no GTID, only framing
  gtid id;                 ///< uuid:number (empty uuid when anonymous)
  std::uint8_t flags = 0;
};

TOR_DECL std::string format_uuid(std::span<const std::uint8_t, 16> b);

TOR_DECL mysql_gtid_event parse_mysql_gtid(std::uint8_t type, std::span<const std::uint8_t> data);

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
TOR_DECL query_event parse_query(std::uint8_t type, std::span<const std::uint8_t> data, std::size_t post_header_length = 13);

TOR_DECL std::uint64_t parse_xid(std::span<const std::uint8_t> data);

/// MariaDB GTID list (type 163): the GTID state at the start of a binlog file.
TOR_DECL std::vector<gtid> parse_mariadb_gtid_list(std::span<const std::uint8_t> data);

/// An incident event: the server says events are missing from the log.
struct incident_event {
  std::uint16_t number = 0;
  std::string message;
};

TOR_DECL incident_event parse_incident(std::span<const std::uint8_t> data);

/// MySQL 8.0.20+ transaction payload (binlog_transaction_compression): the
/// events of a whole transaction, compressed, inside one event.
struct transaction_payload {
  std::uint64_t compression = 0;  ///< 0 zstd, 255 none
  std::uint64_t uncompressed_size = 0;
  std::span<const std::uint8_t> payload;
};

TOR_DECL transaction_payload parse_transaction_payload(std::span<const std::uint8_t> data);

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
TOR_DECL std::span<const std::uint8_t> transaction_payload_events(const transaction_payload& p,
                                                                  std::vector<std::uint8_t>& scratch);

}  // namespace tor::mysql

#ifdef TOR_HEADER_ONLY
#include <tor/mysql/impl/binlog_event.ipp>
#endif
