// What a state store keeps: how far the router got. A checkpoint names the
// position just after the last committed transaction that is fully
// published, the GTID set executed up to there (when the server has GTIDs),
// and the identity of the server it was read from, so a resume against a
// different server is noticed.
#pragma once

#include <string>

#include <tor/core/gtid.hpp>
#include <tor/core/position.hpp>

namespace tor {

struct checkpoint {
  binlog_position position;  ///< just after the commit event of the last done transaction
  gtid_set gtids;            ///< executed GTIDs up to and including that transaction
  std::string server_id;     ///< server identity (MariaDB `server_id`/uuid or MySQL `server_uuid`); may be empty

  [[nodiscard]] bool empty() const noexcept { return position.empty() && gtids.empty(); }
  [[nodiscard]] std::string to_string() const {
    std::string s = position.empty() ? std::string("(no position)") : position.to_string();
    if (!gtids.empty()) s += " gtid " + gtids.to_string();
    return s;
  }
  friend bool operator==(const checkpoint&, const checkpoint&) = default;
};

}  // namespace tor
