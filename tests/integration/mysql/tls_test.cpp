// The binlog source over TLS, against the MariaDB of scripts/tls-servers.sh
// (require_secure_transport=ON): with verify_identity the server check
// reports the negotiated version and cipher and a verified identity, and
// rows committed afterwards are read over the encrypted replication stream;
// a certificate from another CA, a host name the certificate does not hold
// and a plaintext connection are each refused with the reason, as source
// errors (not retried as transient); `required` against the plaintext
// server of scripts/servers.sh is refused too.
//
// Environment: TOR_TLS_DIR, TOR_TLS_MYSQL_PORT (scripts/tls-servers.sh env)
// and TOR_MYSQL_PORT (scripts/servers.sh env).
#include <catch2/catch.hpp>

#include <tor/mysql/binlog_source.hpp>

#include "mariadb_fixture.hpp"

using namespace tor::mysql;
using namespace tor::mysql::it;

namespace {

std::string tls_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    FAIL(name << " is not set: start scripts/tls-servers.sh and eval \"$(scripts/tls-servers.sh env)\" "
                 "(scripts/test.sh does both)");
  return v;
}

unsigned tls_port() { return static_cast<unsigned>(std::stoul(tls_env("TOR_TLS_MYSQL_PORT"))); }

binlog_source_config tls_config(const std::string& db) {
  auto c = config(db, tls_port());
  c.host = "localhost";  // the name in the server's certificate
  c.tls.mode = tls_mode::verify_identity;
  c.tls.ca = tls_env("TOR_TLS_DIR") + "/ca.pem";
  return c;
}

detail::connection tls_root() {
  auto o = root_options(tls_port());
  o.tls.mode = tls_mode::required;
  return detail::connection(o);
}

tor::error check_error(const binlog_source_config& c) {
  try {
    (void)check_server(c);
  } catch (const tor::error& e) {
    return e;
  }
  FAIL("check_server should have failed");
  return tor::error(tor::error_kind::source, "");
}

}  // namespace

TEST_CASE("rows are read over TLS with the server identity verified", "[mysql][tls]") {
  auto c = tls_root();
  CHECK(c.tls().encrypted);
  const auto db = fresh_db(c, "tor_it_tls");
  outbox_table(c, db);
  const auto cfg = tls_config(db);
  const auto checked = check_server(cfg);
  CHECK(checked.tls.encrypted);
  CHECK(checked.tls.identity_verified);
  CHECK_THAT(checked.tls.version, Catch::StartsWith("TLSv1."));
  CHECK_FALSE(checked.tls.cipher.empty());

  binlog_source src(cfg);
  src.open(std::nullopt);
  c.execute("INSERT INTO `" + db + "`.outbox VALUES (1,'over tls')");
  const auto t = read_txns(src, 1);
  REQUIRE(t[0].rows.size() == 1);
  CHECK(text(t[0].rows[0], 1) == "over tls");
  CHECK_FALSE(src.status().end.empty());  // the status connection uses TLS too
}

TEST_CASE("a MySQL certificate from another CA, for another host, or no TLS at all is refused", "[mysql][tls]") {
  auto cfg = tls_config("tor");
  cfg.tls.ca = tls_env("TOR_TLS_DIR") + "/other-ca.pem";
  auto e = check_error(cfg);
  CHECK(e.kind() == tor::error_kind::source);
  CHECK_THAT(e.what(), Catch::Contains("localhost:" + std::to_string(tls_port())) &&
                           Catch::Contains("not issued by the CA in mysql.tls.ca"));

  cfg = tls_config("tor");
  cfg.host = "127.0.0.1";
  e = check_error(cfg);
  CHECK(e.kind() == tor::error_kind::source);
  CHECK_THAT(e.what(), Catch::Contains("does not name host '127.0.0.1'"));

  cfg = tls_config("tor");
  cfg.tls = {};
  cfg.tls.mode = tls_mode::disabled;
  e = check_error(cfg);
  CHECK(e.kind() == tor::error_kind::source);
  CHECK_THAT(e.what(), Catch::Contains("Access denied") && Catch::Contains("set mysql.tls.mode"));

  auto plain = config("tor");  // the plaintext server of scripts/servers.sh
  plain.tables.clear();
  plain.tls.mode = tls_mode::required;
  e = check_error(plain);
  CHECK(e.kind() == tor::error_kind::source);
  CHECK_THAT(e.what(), Catch::Contains("the server does not offer TLS"));
  plain.tls.mode = tls_mode::preferred;
  CHECK_FALSE(check_server(plain).tls.encrypted);  // preferred falls back, as MySQL's does
}

TEST_CASE("a MySQL user that requires a client certificate is read with mysql.tls.cert and key", "[mysql][tls]") {
  auto c = tls_root();
  const auto db = fresh_db(c, "tor_it_tls_x509");
  outbox_table(c, db);
  c.execute("DROP USER IF EXISTS 'tor_x509'@'%'");
  c.execute("CREATE USER 'tor_x509'@'%' IDENTIFIED BY 'x509' REQUIRE X509");
  c.execute("GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'tor_x509'@'%'");

  auto cfg = tls_config(db);
  cfg.user = "tor_x509";
  cfg.password = "x509";
  auto e = check_error(cfg);  // encrypted, verified, but no client certificate
  CHECK(e.kind() == tor::error_kind::source);
  CHECK_THAT(e.what(), Catch::Contains("Access denied") && Catch::Contains("tor_x509"));

  cfg.tls.cert = tls_env("TOR_TLS_DIR") + "/client.pem";
  cfg.tls.key = tls_env("TOR_TLS_DIR") + "/client.key";
  const auto checked = check_server(cfg);
  CHECK(checked.tls.encrypted);
  CHECK(checked.tls.identity_verified);

  binlog_source src(cfg);
  src.open(std::nullopt);
  c.execute("INSERT INTO `" + db + "`.outbox VALUES (7,'with a client certificate')");
  const auto t = read_txns(src, 1);
  REQUIRE(t[0].rows.size() == 1);
  CHECK(text(t[0].rows[0], 1) == "with a client certificate");
}
