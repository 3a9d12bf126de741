// A plain MySQL/MariaDB client connection for what the service asks the
// server besides the replication stream: where the binlog ends (for the lag
// monitor, on its own connection so it never waits on the stream), and the
// server settings `tor --check` verifies (binlog on, ROW format, FULL images).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "lag.hpp"

struct st_mysql;

namespace tor_service {

struct server_settings {
  std::string version;        ///< e.g. "10.11.6-MariaDB-0+deb12u1-log"
  bool mariadb = false;
  bool log_bin = false;
  std::string binlog_format;  ///< ROW expected
  std::string row_image;      ///< FULL expected
  std::string row_metadata;   ///< FULL recommended (column names in the binlog); empty when unsupported
  std::string server_id;
};

class mysql_probe {
 public:
  explicit mysql_probe(const config::mysql_settings& s);
  ~mysql_probe();
  mysql_probe(const mysql_probe&) = delete;
  mysql_probe& operator=(const mysql_probe&) = delete;

  /// SHOW MASTER STATUS and SHOW BINARY LOGS. Reconnects after a failure.
  binlog_end query_binlog_end();
  server_settings query_settings();
  /// Problems that keep Tor from working with this server, one line each (empty: fine).
  static std::vector<std::string> problems(const server_settings& s);

 private:
  void connect();
  std::vector<std::vector<std::string>> query(const std::string& sql);

  config::mysql_settings settings_;
  struct closer {
    void operator()(st_mysql* m) const noexcept;
  };
  std::unique_ptr<st_mysql, closer> conn_;
};

}  // namespace tor_service
