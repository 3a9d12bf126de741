// A plain MySQL/MariaDB client connection for what the service asks the
// server besides the replication stream and the source's status(): the
// binlog files and their sizes, so the lag monitor can count the bytes
// between a read position and the end when they are in different files.
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

class mysql_probe {
 public:
  explicit mysql_probe(const config::mysql_settings& s);
  ~mysql_probe();
  mysql_probe(const mysql_probe&) = delete;
  mysql_probe& operator=(const mysql_probe&) = delete;

  /// SHOW BINARY LOGS: name -> size, oldest first. Reconnects after a failure.
  std::vector<std::pair<std::string, std::uint64_t>> binary_logs();

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
