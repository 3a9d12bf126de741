#include "source.hpp"

#include <unistd.h>

#include <functional>

namespace tor_service {

std::uint32_t replica_server_id(const tor::mysql::binlog_source_config& s) {
  if (s.server_id != 0) return s.server_id;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const auto h = std::hash<std::string>{}(std::string(host) + ':' + std::to_string(getpid()));
  // Away from the small ids people give their servers by hand.
  return 100'000 + static_cast<std::uint32_t>(h % 2'000'000'000u);
}

tor::mysql::binlog_source_config source_config_from(const tor::mysql::binlog_source_config& s,
                                                    const std::vector<std::string>& tables) {
  tor::mysql::binlog_source_config c = s;
  c.server_id = replica_server_id(s);
  c.tables = tables;  // "schema.table" and "*.table" are the source's glob patterns too
  return c;
}

source_check check_source(const tor::mysql::binlog_source_config& s, const std::vector<std::string>& tables) {
  // Checks without a binlog dump: a dump with the same server id would disconnect a running Tor.
  auto info = tor::mysql::check_server(source_config_from(s, tables));
  return {std::move(info.version), std::move(info.warnings), info.tls.describe()};
}

}  // namespace tor_service
