// The binlog source, built from the `mysql` settings, and the pieces of the
// service that talk to it: the check `tor --check` makes, and the replica
// server id when none is configured.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tor/core/checkpoint.hpp>
#include <tor/mysql/binlog_source.hpp>

#include "config/settings.hpp"

namespace tor_service {

[[nodiscard]] tor::mysql::binlog_source_config source_config_from(const tor::mysql::binlog_source_config& s,
                                                                  const std::vector<std::string>& tables);

/// The replica server id: the configured one, or one derived from the host name and process id.
[[nodiscard]] std::uint32_t replica_server_id(const tor::mysql::binlog_source_config& s);

/// For --check: the server's prerequisites, checked on a plain connection
/// (no binlog dump, so a running Tor with the same server id is not
/// disconnected). Returns the server's version and warnings; throws tor::error.
struct source_check {
  std::string version;
  std::vector<std::string> warnings;
  std::string tls;  ///< what the connection negotiated: "TLSv1.3 <cipher>, server identity verified"
};
[[nodiscard]] source_check check_source(const tor::mysql::binlog_source_config& s, const std::vector<std::string>& tables);

}  // namespace tor_service
