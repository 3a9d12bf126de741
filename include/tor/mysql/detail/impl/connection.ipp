// Definitions for tor/mysql/detail/connection.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <tor/mysql/detail/connection.hpp>
#include <tor/mysql/detail/connector_internals.hpp>
#include <tor/mysql/detail/dump_command.hpp>

namespace tor::mysql::detail {

TOR_DECL connection::connection(const connect_options& o) : opts_(o) {
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

TOR_DECL tls_state connection::tls() const {
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

TOR_DECL void connection::execute(std::string_view sql) {
  if (mysql_real_query(handle_.get(), sql.data(), sql.size()) != 0) fail_query(sql);
  // Drain any result so the connection stays usable.
  if (MYSQL_RES* res = mysql_store_result(handle_.get())) mysql_free_result(res);
}

TOR_DECL std::vector<row> connection::query(std::string_view sql) {
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

TOR_DECL std::optional<std::string> connection::scalar(std::string_view sql) {
  auto rows = query(sql);
  if (rows.empty() || rows[0].empty()) return std::nullopt;
  return rows[0][0];
}

TOR_DECL std::string connection::quote(std::string_view s) const {
  std::string out(s.size() * 2 + 1, '\0');
  const auto n = mysql_real_escape_string(handle_.get(), out.data(), s.data(), static_cast<unsigned long>(s.size()));
  out.resize(n);
  return '\'' + out + '\'';
}

TOR_DECL bool connection::readable() const noexcept {
  if (!handle_) return false;
  if (connector::read_ahead_pending(handle_.get())) return true;
  pollfd p{static_cast<int>(mysql_get_socket(handle_.get())), POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

TOR_DECL void connection::interrupt() noexcept {
  if (!handle_) return;
  const auto fd = mysql_get_socket(handle_.get());
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

TOR_DECL void connection::fail_query(std::string_view sql) const {
  const auto code = mysql_errno(handle_.get());
  throw server_error(code, "query on " + opts_.where() + " failed: " + std::string(sql.substr(0, 200)) + ": " +
                               mysql_error(handle_.get()) + " (error " + std::to_string(code) + ")");
}

TOR_DECL void connection::apply_tls(const tls_options& t) {
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

TOR_DECL std::string connection::tls_hint(unsigned code, std::string_view text) const {
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

TOR_DECL replication_stream::replication_stream(connection& c, const dump_request& r) : conn_(&c) {
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

TOR_DECL std::span<const std::uint8_t> replication_stream::next() {
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

TOR_DECL void replication_stream::fail(unsigned code, const std::string& msg) const {
  throw server_error(code,
                     "binlog stream from " + conn_->options().where() + " stopped: " + msg +
                         (code ? " (error " + std::to_string(code) + ")" : std::string()),
                     msg);
}

}  // namespace tor::mysql::detail
