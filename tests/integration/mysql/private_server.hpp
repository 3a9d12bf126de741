// The private MariaDB instance: started with --binlog-row-metadata=MINIMAL,
// with its own run dir and port, used by these tests only. It hosts the
// MINIMAL-metadata tests and every test that would disturb others sharing
// a server: changing global settings, restarting, purging binlogs, killing
// connections.
#pragma once

#include "mariadb_fixture.hpp"

namespace tor::mysql::it {

/// The MINIMAL instance: its own run dir and port. Under CTest a fixture
/// starts and stops it around these tests; run directly, the test binary
/// starts it and stops it at exit.
struct minimal_server {
  unsigned port;
  std::string vars;

  minimal_server() {
    const char* p = std::getenv("TOR_MYSQL_MINIMAL_PORT");
    port = p && *p ? static_cast<unsigned>(std::stoul(p)) : it::port() + 10;
    vars = "TOR_RUN_DIR=" + env("TOR_RUN_DIR") + "/minimal TOR_MYSQL_PORT=" + std::to_string(port) +
           " TOR_MYSQL_EXTRA_ARGS=--binlog-row-metadata=MINIMAL";
    if (servers_sh("start mariadb", vars) != 0)
      FAIL("could not start the second MariaDB on port " << port << " (see " << env("TOR_RUN_DIR") << "/mysql-it-servers.log)");
  }
  ~minimal_server() {
    if (!std::getenv("TOR_MYSQL_MINIMAL_MANAGED")) servers_sh("stop mariadb", vars);
  }
};

inline minimal_server& minimal() {
  static minimal_server s;
  return s;
}


}  // namespace tor::mysql::it
