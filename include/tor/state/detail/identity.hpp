// Who is saving: "host:pid", recorded in every checkpoint document and, for
// Redis, with the owner claim, so a fencing message or a stale checkpoint
// names the process an operator has to look at.
#pragma once

#include <string>

#include <unistd.h>

namespace tor::detail {

inline std::string process_identity() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "unknown-host:" + std::to_string(::getpid());
  return std::string(host) + ':' + std::to_string(::getpid());
}

}  // namespace tor::detail
