// What a state store keeps: how far the router got. A checkpoint names the
// position just after the last committed transaction that is fully
// published, the GTID set executed up to there (when the server has GTIDs),
// and the identity of the server it was read from, so a resume against a
// different server is noticed.
//
// A checkpoint may also point inside a transaction: `skip_rows` leading rows
// of the transaction that begins at `position` are published (their messages,
// and every message before them, acknowledged). Then `gtids` is the set
// before that transaction and `transaction_gtid` its own GTID; a resume
// re-reads the transaction and skips those rows, so a crash in a large
// transaction repeats only what was acknowledged since the last save.
#pragma once

#include <cstdint>
#include <string>

#include <tor/core/gtid.hpp>
#include <tor/core/position.hpp>

namespace tor {

struct checkpoint {
  binlog_position position;  ///< just after the commit event of the last done transaction (or where the one inside begins)
  gtid_set gtids;            ///< executed GTIDs up to and including that transaction (or before the one inside)
  std::string server_id;     ///< server identity (MariaDB `server_id`/uuid or MySQL `server_uuid`); may be empty
  std::uint64_t skip_rows = 0;   ///< inside a transaction: its leading rows already published; 0 between transactions
  std::string transaction_gtid{};  ///< inside a transaction: its GTID (empty when the server has none)

  [[nodiscard]] bool empty() const noexcept { return position.empty() && gtids.empty(); }
  /// True when the checkpoint points inside a transaction (skip_rows > 0).
  [[nodiscard]] bool inside_transaction() const noexcept { return skip_rows > 0; }
  [[nodiscard]] std::string to_string() const {
    std::string s = position.empty() ? std::string("(no position)") : position.to_string();
    if (!gtids.empty()) s += " gtid " + gtids.to_string();
    if (skip_rows > 0) {
      s += " +" + std::to_string(skip_rows) + " rows of the transaction";
      if (!transaction_gtid.empty()) s += ' ' + transaction_gtid;
    }
    return s;
  }
  friend bool operator==(const checkpoint&, const checkpoint&) = default;
};

}  // namespace tor
