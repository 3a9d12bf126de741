// What loading the settings reports besides the values: the one error type
// of every loading step, and where each value came from. Kept apart from
// reflect.hpp (the YAML reading and printing) so that what includes the
// settings does not compile yaml-cpp.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

namespace tor_service::config {

/// The error every loading step throws: the message is one line, ready to print.
class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------
// Where values come from, for messages and --print-config.
// ---------------------------------------------------------------------------

struct origin_map {
  std::map<std::string, std::string> by_key;  ///< "mysql.port" -> "tor.yaml:4" / "TOR_MYSQL_PORT"
  [[nodiscard]] const std::string* find(const std::string& key) const {
    auto it = by_key.find(key);
    return it == by_key.end() ? nullptr : &it->second;
  }
};

}  // namespace tor_service::config
