// What the configuration tests share: a minimal valid file and the error a
// file gives.
#pragma once

#include <map>
#include <string>

#include "config/config.hpp"

namespace tor_service::config::testing {

using env_map = std::map<std::string, std::string>;

inline const char* const minimal = R"(
mysql:
  user: tor
kafka:
  brokers: [127.0.0.1:9092]
outbox:
  tables: [app.outbox]
)";

inline std::string error_of(const std::string& yaml, const env_map& env = {}) {
  try {
    (void)load(yaml, "tor.yaml", env);
  } catch (const config_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace tor_service::config::testing
