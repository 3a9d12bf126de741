// The only place the binlog source goes beneath mariadb-connector-c's public
// API. Three things the public API does not offer, each needed for speed or
// for the binlog dump itself:
//   - read_ahead_pending: whether the connector's read-ahead buffer holds
//     bytes (so "is anything waiting?" costs no system call);
//   - send_command: sending COM_BINLOG_DUMP(_GTID) without waiting for a
//     reply (the reply is the event stream);
//   - last_packet: the packet mysql_net_read_packet() just read, in place.
//
// Checked against mariadb-connector-c 3.3.20 (Debian 12's); the 3.0 headers
// declare the same members with the same types. The members are checked here at
// compile time (a connector whose layout differs fails with the message
// below, not deep in the source), again when CMake configures tor::mysql
// (cmake/tor_mysql.cmake), and the loaded library's version is compared with
// the headers' at the first connection (check_runtime_version).
#pragma once

#include <mysql.h>
#include <ma_pvio.h>

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

namespace tor::mysql::detail::connector {

template <class Pvio>
concept has_read_ahead = requires(Pvio* v) {
  { v->cache } -> std::same_as<unsigned char*&>;
  { v->cache_pos } -> std::same_as<unsigned char*&>;
  { v->cache_size } -> std::same_as<std::size_t&>;
};

template <class Mysql>
concept has_command_method = requires(Mysql* m, enum_server_command c, const char* arg, std::size_t n) {
  { m->net.pvio } -> std::convertible_to<MARIADB_PVIO*>;
  { m->net.read_pos } -> std::convertible_to<const unsigned char*>;
  { m->methods->db_command(m, c, arg, n, my_bool{1}, static_cast<void*>(nullptr)) } -> std::same_as<int>;
};

static_assert(has_read_ahead<MARIADB_PVIO>,
              "this mariadb-connector-c's MARIADB_PVIO has no read-ahead cache/cache_pos/cache_size members as "
              "3.3 does: tor::mysql was checked against 3.3 (see "
              "tor/mysql/detail/connector_internals.hpp); build against libmariadb 3.3");
static_assert(has_command_method<MYSQL>,
              "this mariadb-connector-c's MYSQL has no net.pvio/net.read_pos or methods->db_command as 3.3 "
              "does: tor::mysql was checked against 3.3 (see "
              "tor/mysql/detail/connector_internals.hpp); build against libmariadb 3.3");

/// Whether the connector's read-ahead buffer holds unread bytes.
[[nodiscard]] inline bool read_ahead_pending(const MYSQL* m) noexcept {
  const MARIADB_PVIO* v = m->net.pvio;
  return v && v->cache && v->cache_pos < v->cache + v->cache_size;
}

/// Sends a command without reading its reply; false on failure (the
/// connection's error says why).
[[nodiscard]] inline bool send_command(MYSQL* m, enum_server_command command, std::string_view payload) {
  return m->methods->db_command(m, command, payload.data(), payload.size(), 1, nullptr) == 0;
}

/// The packet the last mysql_net_read_packet() read, in the connector's buffer.
[[nodiscard]] inline const std::uint8_t* last_packet(const MYSQL* m) noexcept {
  return reinterpret_cast<const std::uint8_t*>(m->net.read_pos);
}

/// Empty when the loaded libmariadb is of the series the headers were, else
/// why it must not be used: the structures above are compiled in, so a
/// library of another series would be read with the wrong layout.
[[nodiscard]] inline std::string runtime_version_mismatch() {
  const unsigned long loaded = mysql_get_client_version();
  const unsigned long built = MARIADB_PACKAGE_VERSION_ID;
  if (loaded / 100 == built / 100) return {};
  return "the loaded libmariadb is " + std::string(mysql_get_client_info()) + " but tor was built with the " +
         MARIADB_PACKAGE_VERSION +
         " headers, whose internal structures it reads (tor/mysql/detail/connector_internals.hpp): rebuild "
         "against the installed libmariadb-dev";
}

}  // namespace tor::mysql::detail::connector
