// What the binlog source asks a MySQL/MariaDB server outside the binlog
// stream: its version, flavour and identity, the end of its binlog and its
// executed GTIDs, the prerequisites Tor needs (row format, full row image,
// checksums, privileges, captured tables), and a table's columns from
// information_schema when the binlog carries MINIMAL metadata.
// check_server() runs the prerequisite checks alone, for a service's
// --check.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>
#include <tor/core/gtid.hpp>
#include <tor/core/position.hpp>
#include <tor/mysql/binlog_format.hpp>
#include <tor/mysql/detail/connection.hpp>
#include <tor/mysql/detail/zstd.hpp>
#include <tor/mysql/schema_fallback.hpp>
#include <tor/mysql/source_config.hpp>
#include <tor/mysql/table_map.hpp>
#include <tor/mysql/tls.hpp>

namespace tor::mysql {

namespace detail {

/// '*' matches any run of characters, '?' any one character.
TOR_DECL bool glob_match(std::string_view pattern, std::string_view text);

struct server_info {
  std::string version;
  server_flavor flavor = server_flavor::mariadb;
  std::string identity;
  std::uint32_t server_id = 0;
  bool checksums = true;
  bool full_metadata = false;
  bool mysql_gtid_mode = false;  ///< MySQL with gtid_mode=ON: GTID dumps work
  std::vector<std::string> warnings;
};
TOR_DECL std::string lower(std::string s);

TOR_DECL std::string value_or(const std::optional<std::string>& v, std::string dflt = {});

/// SHOW MASTER STATUS (SHOW BINARY LOG STATUS on MySQL 8.4+): file, position.
TOR_DECL std::optional<binlog_position> binlog_end(connection& c);

inline gtid_flavor gtid_flavor_of(server_flavor f) noexcept {
  return f == server_flavor::mariadb ? gtid_flavor::mariadb : gtid_flavor::mysql;
}

/// The server's executed GTID set (MariaDB gtid_binlog_pos, MySQL gtid_executed).
TOR_DECL gtid_set executed_gtids(connection& c, server_flavor flavor);

TOR_DECL std::string server_identity(connection& c, server_flavor flavor);

/// Checks what Tor needs of the server; throws one error with a line per
/// unmet prerequisite.
TOR_DECL server_info inspect_server(connection& c, const binlog_source_config& cfg);

TOR_DECL std::vector<schema_column> read_schema(connection& c, const table_map& m);

/// The connection settings of a source configuration, for every connection
/// it opens; reads time out after the silence that marks a connection dead.
TOR_DECL connect_options connect_options_of(const binlog_source_config& cfg);

}  // namespace detail

/// What binlog_source::open() finds out about a server before reading.
struct server_check {
  std::string version;
  std::string identity;               ///< as recorded in checkpoints
  std::vector<std::string> warnings;  ///< non-fatal findings (e.g. names from information_schema)
  tls_state tls;                      ///< what the connection negotiated
};
/// Connects and checks the prerequisites open() checks, without reading
/// the binlog (for a service's --check). Throws tor::error with one line
/// per unmet prerequisite, or when the server cannot be reached.
TOR_DECL server_check check_server(const binlog_source_config& cfg);

}  // namespace tor::mysql

#ifdef TOR_HEADER_ONLY
#include <tor/mysql/impl/server.ipp>
#endif
