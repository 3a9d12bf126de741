// The binary log's vocabulary, shared by the event parsers and the row
// decoder: which server wrote the log, the event type codes (the server's
// Log_event_type) by name, the header flags Tor reads, and the format
// details a parser needs. No parsing here.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tor::mysql {

/// Which server wrote the log. A few metadata details differ between them
/// (which columns carry signedness and character-set entries).
enum class server_flavor : std::uint8_t { mariadb, mysql };

/// Event type codes (the server's Log_event_type), by name.
namespace event_types {
inline constexpr std::uint8_t query = 2;
inline constexpr std::uint8_t stop = 3;
inline constexpr std::uint8_t rotate = 4;
inline constexpr std::uint8_t format_description = 15;
inline constexpr std::uint8_t xid = 16;
inline constexpr std::uint8_t table_map = 19;
inline constexpr std::uint8_t incident = 26;
inline constexpr std::uint8_t heartbeat = 27;
inline constexpr std::uint8_t mysql_gtid = 33;
inline constexpr std::uint8_t mysql_anonymous_gtid = 34;
inline constexpr std::uint8_t mysql_previous_gtids = 35;
inline constexpr std::uint8_t xa_prepare = 38;
inline constexpr std::uint8_t transaction_payload = 40;
inline constexpr std::uint8_t mysql_gtid_tagged = 42;
inline constexpr std::uint8_t annotate_rows = 160;
inline constexpr std::uint8_t binlog_checkpoint = 161;
inline constexpr std::uint8_t mariadb_gtid = 162;
inline constexpr std::uint8_t mariadb_gtid_list = 163;
inline constexpr std::uint8_t start_encryption = 164;
inline constexpr std::uint8_t query_compressed = 165;
// Statement-context events: logged around statements, never needed to
// decode rows.
inline constexpr std::uint8_t intvar = 5;
inline constexpr std::uint8_t rand = 13;
inline constexpr std::uint8_t user_var = 14;
inline constexpr std::uint8_t ignorable = 28;
inline constexpr std::uint8_t rows_query = 29;
inline constexpr std::uint8_t transaction_context = 36;
inline constexpr std::uint8_t view_change = 37;
inline constexpr std::uint8_t heartbeat_v2 = 41;
// Rows events: v1 (MariaDB, MySQL 5.5), v2 (MySQL 5.6+), MariaDB's compressed v1.
inline constexpr std::uint8_t write_rows_v1 = 23;
inline constexpr std::uint8_t update_rows_v1 = 24;
inline constexpr std::uint8_t delete_rows_v1 = 25;
inline constexpr std::uint8_t write_rows = 30;
inline constexpr std::uint8_t update_rows = 31;
inline constexpr std::uint8_t delete_rows = 32;
inline constexpr std::uint8_t partial_update_rows = 39;  ///< MySQL binlog_row_value_options=PARTIAL_JSON
inline constexpr std::uint8_t write_rows_compressed_v1 = 166;
inline constexpr std::uint8_t update_rows_compressed_v1 = 167;
inline constexpr std::uint8_t delete_rows_compressed_v1 = 168;
inline constexpr std::uint8_t write_rows_compressed = 169;
inline constexpr std::uint8_t update_rows_compressed = 170;
inline constexpr std::uint8_t delete_rows_compressed = 171;
}  // namespace event_types

/// Bits of the event header's flags.
namespace event_flags {
inline constexpr std::uint16_t artificial = 0x20;  ///< LOG_EVENT_ARTIFICIAL_F: made up by the server, not in the file
inline constexpr std::uint16_t ignorable = 0x80;   ///< LOG_EVENT_IGNORABLE_F: safe to skip when not understood
}  // namespace event_flags

/// What a parser needs to know about the log's format.
struct format_options {
  server_flavor flavor = server_flavor::mariadb;
  std::size_t table_id_size = 6;  ///< 4 on servers older than MySQL 5.1.4
};

/// True for the event types that carry rows.
[[nodiscard]] constexpr bool is_rows_event(std::uint8_t type) noexcept {
  using namespace event_types;
  return (type >= write_rows_v1 && type <= delete_rows_v1) || (type >= write_rows && type <= delete_rows) ||
         type == partial_update_rows || (type >= write_rows_compressed_v1 && type <= delete_rows_compressed);
}

}  // namespace tor::mysql
