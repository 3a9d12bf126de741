// RAII over mariadb-connector-c: a connection (MYSQL*) owned from the line
// it is created, and the binlog dump read on it. Errors become tor::error
// carrying the server's error number, classified as transient (connection
// lost, server restarting) or not.
#pragma once

#include <mysql.h>
#include <mysqld_error.h>
#include <errmsg.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tor/core/error.hpp>
#include <tor/core/gtid.hpp>
#include <tor/mysql/detail/connector_internals.hpp>
#include <tor/mysql/detail/dump_command.hpp>
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
  explicit connection(const connect_options& o) : opts_(o) {
    static const std::string mismatch = connector::runtime_version_mismatch();
    if (!mismatch.empty()) throw tor::error(error_kind::invalid_argument, mismatch);
    handle_.reset(mysql_init(nullptr));
    if (!handle_) throw tor::error(error_kind::source, "mysql_init failed (out of memory)");
    unsigned timeout = static_cast<unsigned>(o.connect_timeout.count());
    mysql_optionsv(handle_.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    if (o.read_timeout.count() > 0) {
      unsigned rt = static_cast<unsigned>(o.read_timeout.count());
      mysql_optionsv(handle_.get(), MYSQL_OPT_READ_TIMEOUT, &rt);
      mysql_optionsv(handle_.get(), MYSQL_OPT_WRITE_TIMEOUT, &rt);
    }
    mysql_optionsv(handle_.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
    const bool use_socket = !o.socket.empty();
    if (!use_socket) {
      // "localhost" would otherwise mean the default unix socket, and a
      // certificate for "localhost" could not be used over TCP.
      unsigned tcp = MYSQL_PROTOCOL_TCP;
      mysql_optionsv(handle_.get(), MYSQL_OPT_PROTOCOL, &tcp);
    }
    apply_tls(o.tls);
    if (!mysql_real_connect(handle_.get(), use_socket ? "localhost" : o.host.c_str(), o.user.c_str(),
                            o.password.c_str(), nullptr, use_socket ? 0 : o.port,
                            use_socket ? o.socket.c_str() : nullptr, 0)) {
      const auto code = mysql_errno(handle_.get());
      throw server_error(code, "cannot connect to MySQL/MariaDB at " + o.where() + " as '" + o.user + "': " +
                                   mysql_error(handle_.get()) + " (error " + std::to_string(code) + ")" +
                                   tls_hint(code, mysql_error(handle_.get())));
    }
    if (o.tls.requires_tls() && !use_socket && !tls().encrypted)
      // The connector falls back to plaintext when the server offers no TLS;
      // these modes must not.
      throw tor::error(error_kind::source,
                       "cannot connect to MySQL/MariaDB at " + o.where() + " as '" + o.user +
                           "': the server does not offer TLS, and mysql.tls.mode is " +
                           std::string(to_string(o.tls.mode)) + " (enable TLS on the server: ssl_cert, ssl_key)");
  }

  /// What this connection negotiated. A unix socket is never encrypted
  /// (and needs no encryption: it does not leave the machine).
  [[nodiscard]] tls_state tls() const {
    tls_state t;
    if (!handle_) return t;
    const char* cipher = nullptr;
    const char* version = nullptr;
    mariadb_get_infov(handle_.get(), MARIADB_CONNECTION_SSL_CIPHER, &cipher);
    mariadb_get_infov(handle_.get(), MARIADB_CONNECTION_TLS_VERSION, &version);
    t.encrypted = cipher != nullptr;
    if (!t.encrypted) return t;
    t.cipher = cipher;
    t.version = version ? version : "";
    // The connection exists, so what was asked for was verified.
    t.ca_verified = opts_.tls.verifies();
    t.identity_verified = opts_.tls.mode == tls_mode::verify_identity;
    return t;
  }

  [[nodiscard]] MYSQL* get() const noexcept { return handle_.get(); }
  [[nodiscard]] explicit operator bool() const noexcept { return handle_ != nullptr; }
  [[nodiscard]] const connect_options& options() const noexcept { return opts_; }
  [[nodiscard]] unsigned last_errno() const noexcept { return handle_ ? mysql_errno(handle_.get()) : 0; }
  [[nodiscard]] std::string last_error() const { return handle_ ? mysql_error(handle_.get()) : "not connected"; }

  /// Runs a statement that returns no rows.
  void execute(std::string_view sql) {
    if (mysql_real_query(handle_.get(), sql.data(), sql.size()) != 0) fail_query(sql);
    // Drain any result so the connection stays usable.
    if (MYSQL_RES* res = mysql_store_result(handle_.get())) mysql_free_result(res);
  }

  /// Runs a query and returns its rows (NULL columns as nullopt).
  std::vector<row> query(std::string_view sql) {
    if (mysql_real_query(handle_.get(), sql.data(), sql.size()) != 0) fail_query(sql);
    std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> res(mysql_store_result(handle_.get()), &mysql_free_result);
    std::vector<row> rows;
    if (!res) {
      if (mysql_errno(handle_.get()) != 0) fail_query(sql);
      return rows;
    }
    const auto fields = mysql_num_fields(res.get());
    while (MYSQL_ROW r = mysql_fetch_row(res.get())) {
      const auto* lengths = mysql_fetch_lengths(res.get());
      row out;
      out.reserve(fields);
      for (unsigned i = 0; i < fields; ++i) {
        if (r[i]) out.emplace_back(std::string(r[i], lengths[i]));
        else out.emplace_back(std::nullopt);
      }
      rows.push_back(std::move(out));
    }
    return rows;
  }

  /// The single value of a one-row, one-column query (nullopt for NULL or no row).
  std::optional<std::string> scalar(std::string_view sql) {
    auto rows = query(sql);
    if (rows.empty() || rows[0].empty()) return std::nullopt;
    return rows[0][0];
  }

  /// A string literal, quoted and escaped for this connection.
  [[nodiscard]] std::string quote(std::string_view s) const {
    std::string out(s.size() * 2 + 1, '\0');
    const auto n = mysql_real_escape_string(handle_.get(), out.data(), s.data(), static_cast<unsigned long>(s.size()));
    out.resize(n);
    return '\'' + out + '\'';
  }

  /// Whether bytes from the server are waiting, in the connector's
  /// read-ahead buffer or on the socket (a read would not block for long).
  /// The buffer is looked at first: most calls then cost no system call.
  [[nodiscard]] bool readable() const noexcept {
    if (!handle_) return false;
    if (connector::read_ahead_pending(handle_.get())) return true;
    pollfd p{static_cast<int>(mysql_get_socket(handle_.get())), POLLIN, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
  }

  /// Makes a read blocked on this connection in another thread return, so
  /// a reader can be stopped promptly. Safe to call from any thread.
  void interrupt() noexcept {
    if (!handle_) return;
    const auto fd = mysql_get_socket(handle_.get());
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
  }

  [[noreturn]] void fail_query(std::string_view sql) const {
    const auto code = mysql_errno(handle_.get());
    throw server_error(code, "query on " + opts_.where() + " failed: " + std::string(sql.substr(0, 200)) + ": " +
                                 mysql_error(handle_.get()) + " (error " + std::to_string(code) + ")");
  }

 private:
  // mariadb-connector-c 3.3: any TLS option turns TLS on, falling back to
  // plaintext when the server offers none (checked after connecting); a CA
  // turns on chain verification; MYSQL_OPT_SSL_VERIFY_SERVER_CERT adds the
  // host name check.
  void apply_tls(const tls_options& t) {
    MYSQL* m = handle_.get();
    if (t.mode == tls_mode::disabled) return;
    if (t.verifies() && t.ca.empty())
      throw tor::error(error_kind::invalid_argument, "MySQL/MariaDB at " + opts_.where() + ": TLS mode " +
                                                         std::string(to_string(t.mode)) +
                                                         " needs the CA certificate file (tls ca)");
    my_bool on = 1;
    mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &on);
    if (t.verifies() && !t.ca.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_CA, t.ca.c_str());
    if (!t.cert.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_CERT, t.cert.c_str());
    if (!t.key.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_KEY, t.key.c_str());
    if (!t.cipher.empty()) mysql_optionsv(m, MYSQL_OPT_SSL_CIPHER, t.cipher.c_str());
    if (!t.version.empty()) mysql_optionsv(m, MARIADB_OPT_TLS_VERSION, t.version.c_str());
    my_bool verify_host = t.mode == tls_mode::verify_identity ? 1 : 0;
    mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify_host);
  }

  // What to do about a failed connection, when TLS explains it.
  [[nodiscard]] std::string tls_hint(unsigned code, std::string_view text) const {
    const auto& t = opts_.tls;
    if (code == CR_SSL_CONNECTION_ERROR) {
      if (text.find("expired") != std::string_view::npos)
        return "; the server's certificate has expired: renew it on the server";
      if (text.find("Validation of SSL server certificate failed") != std::string_view::npos)
        return "; the server's certificate does not name host '" + opts_.host +
               "' (mysql.tls.mode verify_identity checks it): connect by a name the certificate holds";
      if (text.find("self-signed") != std::string_view::npos || text.find("issuer") != std::string_view::npos)
        return "; the server's certificate was not issued by the CA in mysql.tls.ca (" + t.ca + ")";
      return "; check the TLS settings mysql.tls.*";
    }
    if (code == ER_ACCESS_DENIED_ERROR && t.mode == tls_mode::disabled)
      return "; if the server requires secure transport (require_secure_transport, REQUIRE SSL), set "
             "mysql.tls.mode";
    return {};
  }

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
  replication_stream(connection& c, const dump_request& r) : conn_(&c) {
    const bool gtid = r.mysql_gtids.has_value();
    const auto payload = gtid ? binlog_dump_gtid_payload(r.server_id, *r.mysql_gtids)
                              : binlog_dump_payload(r.server_id, r.file, r.position);
    const auto command = static_cast<enum_server_command>(gtid ? com_binlog_dump_gtid : com_binlog_dump);
    MYSQL* m = c.get();
    // skip_check: the answer is the event stream itself, read by next().
    if (!connector::send_command(m, command, payload))
      throw server_error(c.last_errno(), std::string(gtid ? "GTID binlog dump" : "binlog dump") + " request to " +
                                             c.options().where() + " failed: " + c.last_error() + " (error " +
                                             std::to_string(c.last_errno()) + ")",
                         c.last_error());
  }
  replication_stream(const replication_stream&) = delete;
  replication_stream& operator=(const replication_stream&) = delete;

  /// The next event's bytes (header to checksum), valid until the next
  /// call; throws server_error when the stream ends or fails. A refused
  /// dump (purged binlog, missing privilege) surfaces here, as the
  /// server's error packet in place of the first event.
  std::span<const std::uint8_t> next() {
    MYSQL* m = conn_->get();
    const unsigned long len = mysql_net_read_packet(m);
    if (len == static_cast<unsigned long>(packet_error) || len == 0) fail(conn_->last_errno(), conn_->last_error());
    const auto* p = connector::last_packet(m);
    // EOF packet: the end of a non-blocking dump, or the server stopping it.
    if (p[0] == 0xfe && len < 9) fail(0, "the server ended the binlog stream");
    if (p[0] != 0x00)
      fail(CR_MALFORMED_PACKET, "unexpected packet (first byte " + std::to_string(p[0]) + ") in the binlog stream");
    return {p + 1, len - 1};
  }

 private:
  [[noreturn]] void fail(unsigned code, const std::string& msg) const {
    throw server_error(code,
                       "binlog stream from " + conn_->options().where() + " stopped: " + msg +
                           (code ? " (error " + std::to_string(code) + ")" : std::string()),
                       msg);
  }
  connection* conn_;
};

}  // namespace tor::mysql::detail
