// RAII over mariadb-connector-c: a connection (MYSQL*) owned from the line
// it is created, and the binlog dump read on it. Errors become tor::error
// carrying the server's error number, classified as transient (connection
// lost, server restarting) or not.
#pragma once

#include <mysql.h>
#include <mysqld_error.h>
#include <errmsg.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>
#include <tor/core/gtid.hpp>
#include <tor/mysql/tls.hpp>

namespace tor::mysql::detail {

/// Where and how to connect; shared by the replication and metadata connections.
struct connect_options {
  std::string host = "127.0.0.1";
  unsigned port = 3306;
  std::string socket;  ///< unix socket; used instead of host/port when set
  std::string user;
  std::string password;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds read_timeout{0};  ///< 0: none
  tls_options tls;

  [[nodiscard]] std::string where() const {
    return socket.empty() ? host + ':' + std::to_string(port) : socket;
  }
};

/// Errors after which reconnecting may succeed.
[[nodiscard]] inline bool transient_errno(unsigned e) noexcept {
  switch (e) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case CR_ERR_NET_READ:
    case CR_ERR_NET_WRITE:
    case ER_SERVER_SHUTDOWN:
    case ER_CON_COUNT_ERROR:
    case ER_QUERY_INTERRUPTED:
    case 1927:  // ER_CONNECTION_KILLED (MariaDB)
    case 0:     // the stream ended without an error: the server closed it
      return true;
    default: return false;
  }
}

/// A server error: the message names the server and what was being done.
class server_error : public tor::error {
 public:
  server_error(unsigned code, const std::string& what, std::string server_text = {})
      : tor::error(transient_errno(code) ? error_kind::transient : error_kind::source, what),
        code_(code),
        server_text_(std::move(server_text)) {}
  [[nodiscard]] unsigned code() const noexcept { return code_; }
  /// The server's (or connector's) own words, without what Tor added.
  [[nodiscard]] const std::string& server_text() const noexcept { return server_text_; }

 private:
  unsigned code_;
  std::string server_text_;
};

using row = std::vector<std::optional<std::string>>;

class connection {
 public:
  connection() = default;

  /// Connects; throws server_error naming the server on failure.
  TOR_DECL explicit connection(const connect_options& o);

  /// What this connection negotiated. A unix socket is never encrypted
  /// (and needs no encryption: it does not leave the machine).
  [[nodiscard]] TOR_DECL tls_state tls() const;

  [[nodiscard]] MYSQL* get() const noexcept { return handle_.get(); }
  [[nodiscard]] explicit operator bool() const noexcept { return handle_ != nullptr; }
  [[nodiscard]] const connect_options& options() const noexcept { return opts_; }
  [[nodiscard]] unsigned last_errno() const noexcept { return handle_ ? mysql_errno(handle_.get()) : 0; }
  [[nodiscard]] std::string last_error() const { return handle_ ? mysql_error(handle_.get()) : "not connected"; }

  /// Runs a statement that returns no rows.
  TOR_DECL void execute(std::string_view sql);

  /// Runs a query and returns its rows (NULL columns as nullopt).
  TOR_DECL std::vector<row> query(std::string_view sql);

  /// The single value of a one-row, one-column query (nullopt for NULL or no row).
  TOR_DECL std::optional<std::string> scalar(std::string_view sql);

  /// A string literal, quoted and escaped for this connection.
  [[nodiscard]] TOR_DECL std::string quote(std::string_view s) const;

  /// Whether bytes from the server are waiting, in the connector's
  /// read-ahead buffer or on the socket (a read would not block for long).
  /// The buffer is looked at first: most calls then cost no system call.
  [[nodiscard]] TOR_DECL bool readable() const noexcept;

  /// Makes a read blocked on this connection in another thread return, so
  /// a reader can be stopped promptly. Safe to call from any thread.
  TOR_DECL void interrupt() noexcept;

  [[noreturn]] TOR_DECL void fail_query(std::string_view sql) const;

 private:
  // mariadb-connector-c 3.3: any TLS option turns TLS on, falling back to
  // plaintext when the server offers none (checked after connecting); a CA
  // turns on chain verification; MYSQL_OPT_SSL_VERIFY_SERVER_CERT adds the
  // host name check.
  TOR_DECL void apply_tls(const tls_options& t);

  // What to do about a failed connection, when TLS explains it.
  [[nodiscard]] TOR_DECL std::string tls_hint(unsigned code, std::string_view text) const;

  struct closer {
    void operator()(MYSQL* m) const noexcept { mysql_close(m); }
  };
  std::unique_ptr<MYSQL, closer> handle_;
  connect_options opts_;
};

/// What a binlog dump asks for: a file and position (both servers), or
/// every transaction not in a MySQL GTID set. MariaDB's GTID resume is a
/// file-less position dump with @slave_connect_state set on the connection.
struct dump_request {
  std::uint32_t server_id = 0;  ///< the replica's server_id
  std::string file;
  std::uint64_t position = 4;
  std::optional<gtid_set> mysql_gtids;  ///< set: COM_BINLOG_DUMP_GTID from these
};

/// The replication stream of a connection: a binlog dump and the events it
/// delivers. The dump command is sent and the event packets are read with
/// the connector's own packet layer (so TLS, compression and large packets
/// work as for queries), but the events are handed over in place, without
/// the connector's copy and per-event parse: the change decoder parses them.
class replication_stream {
 public:
  /// Starts a dump on `c` (which must outlive the stream).
  TOR_DECL replication_stream(connection& c, const dump_request& r);
  replication_stream(const replication_stream&) = delete;
  replication_stream& operator=(const replication_stream&) = delete;

  /// The next event's bytes (header to checksum), valid until the next
  /// call; throws server_error when the stream ends or fails. A refused
  /// dump (purged binlog, missing privilege) surfaces here, as the
  /// server's error packet in place of the first event.
  TOR_DECL std::span<const std::uint8_t> next();

 private:
  [[noreturn]] TOR_DECL void fail(unsigned code, const std::string& msg) const;
  connection* conn_;
};

}  // namespace tor::mysql::detail

#ifdef TOR_HEADER_ONLY
#include <tor/mysql/detail/impl/connection.ipp>
#endif
