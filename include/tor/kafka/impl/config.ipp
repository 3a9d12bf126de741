// Definitions for tor/kafka/config.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <iostream>

#include <tor/kafka/config.hpp>

namespace tor::kafka {

TOR_DECL void clog_sink(log_level level, std::string_view facility, std::string_view text) {
  if (level <= log_level::warning) std::clog << "kafka " << to_string(level) << ' ' << facility << ": " << text << '\n';
}

}  // namespace tor::kafka
