// The private MariaDB instance: started with --binlog-row-metadata=MINIMAL,
// with its own run dir and port, used by these tests only. It hosts the
// MINIMAL-metadata tests and every test that would disturb others sharing
// a server: changing global settings, restarting, purging binlogs, killing
// connections.
#pragma once

#include "mariadb_fixture.hpp"

#include <condition_variable>
#include <fstream>
#include <mutex>

#include <signal.h>
#include <sys/types.h>

namespace tor::mysql::it {

/// The MINIMAL instance: its own run dir and port. Under CTest a fixture
/// starts and stops it around these tests; run directly, the test binary
/// starts it and stops it at exit.
struct minimal_server {
  unsigned port;
  std::string run_dir;
  std::string vars;

  minimal_server() {
    const char* p = std::getenv("TOR_MYSQL_MINIMAL_PORT");
    port = p && *p ? static_cast<unsigned>(std::stoul(p)) : it::port() + 10;
    run_dir = env("TOR_RUN_DIR") + "/minimal";
    vars = "TOR_RUN_DIR=" + run_dir + " TOR_MYSQL_PORT=" + std::to_string(port) +
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

/// The private server frozen (SIGSTOP), as a hung host or a network that
/// drops packets looks to a client: connections stay open and nothing is
/// answered. Resumed at scope exit, or by a watchdog after `at_most`, so a
/// client that would wait forever shows as a failed check, not a hung test.
class paused_server {
 public:
  explicit paused_server(std::chrono::seconds at_most) {
    std::ifstream f(minimal().run_dir + "/mariadb/mysqld.pid");  // where scripts/servers.sh keeps it
    f >> pid_;
    REQUIRE(pid_ > 0);
    REQUIRE(::kill(pid_, SIGSTOP) == 0);
    watchdog_ = std::thread([this, at_most] {
      std::unique_lock lock(m_);
      cv_.wait_for(lock, at_most, [&] { return done_; });
      ::kill(pid_, SIGCONT);
    });
  }
  ~paused_server() {
    {
      std::lock_guard lock(m_);
      done_ = true;
    }
    cv_.notify_all();
    watchdog_.join();
  }
  paused_server(const paused_server&) = delete;
  paused_server& operator=(const paused_server&) = delete;

 private:
  pid_t pid_ = 0;
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread watchdog_;
};


}  // namespace tor::mysql::it
