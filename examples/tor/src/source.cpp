#include "source.hpp"

#include <unistd.h>

#include <functional>

namespace tor_service {

std::uint32_t replica_server_id(const config::mysql_settings& s) {
  if (s.server_id != 0) return s.server_id;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const auto h = std::hash<std::string>{}(std::string(host) + ':' + std::to_string(getpid()));
  // Away from the small ids people give their servers by hand.
  return 100'000 + static_cast<std::uint32_t>(h % 2'000'000'000u);
}

tor::mysql::binlog_source_config source_config_from(const config::mysql_settings& s,
                                                    const std::vector<std::string>& tables) {
  tor::mysql::binlog_source_config c;
  c.host = s.host;
  c.port = s.port;
  c.socket = s.socket;
  c.user = s.user;
  c.password = s.password;
  c.tls.mode = s.tls.mode;
  c.tls.ca = s.tls.ca;
  c.tls.cert = s.tls.cert;
  c.tls.key = s.tls.key;
  c.tls.cipher = s.tls.cipher;
  c.tls.version = s.tls.tls_version;
  c.server_id = replica_server_id(s);
  c.tables = tables;  // "schema.table" and "*.table" are the source's glob patterns too
  c.start = s.start == "beginning" ? tor::mysql::start_at::earliest : tor::mysql::start_at::end;
  if (s.start != "beginning" && s.start != "end") c.start_position = tor::binlog_position::parse(s.start);
  c.resume_by_gtid = s.resume_by_gtid;
  c.allow_different_server = s.allow_different_server;
  c.heartbeat_period = s.heartbeat;
  c.dead_after = s.dead_after;
  c.connect_timeout = std::chrono::duration_cast<std::chrono::seconds>(s.connect_timeout);
  c.reconnect_give_up = s.reconnect_timeout;
  return c;
}

source_check check_source(const config::mysql_settings& s, const std::vector<std::string>& tables) {
  // Checks without a binlog dump: a dump with the same server id would disconnect a running Tor.
  auto info = tor::mysql::check_server(source_config_from(s, tables));
  return {std::move(info.version), std::move(info.warnings), info.tls.describe()};
}

}  // namespace tor_service
