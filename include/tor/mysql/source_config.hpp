// The binlog source's settings (tor::mysql::binlog_source_config), and what
// it reports of the server's side (server_status). Plain data: the source
// is in tor/mysql/binlog_source.hpp, the server queries and checks in
// tor/mysql/server.hpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tor/core/checkpoint.hpp>
#include <tor/core/gtid.hpp>
#include <tor/mysql/tls.hpp>

namespace tor::mysql {

/// Where to start reading when there is no checkpoint.
enum class start_at {
  end,       ///< the current end of the binlog: only changes made from now on
  earliest,  ///< the oldest binlog file the server still has
};

struct binlog_source_config {
  // --- connection --------------------------------------------------------
  std::string host = "127.0.0.1";
  unsigned port = 3306;
  std::string socket;  ///< unix socket; used instead of host/port when set
  std::string user;
  std::string password;
  /// TLS for every connection the source opens (see tls.hpp).
  tls_options tls;
  /// This replica's server_id: unique among everything replicating from
  /// the server (a second dump with the same id disconnects the first) and
  /// different from the server's own.
  std::uint32_t server_id = 0;

  // --- what to capture -----------------------------------------------------
  /// "schema.table" names; '*' and '?' match any run of characters and any
  /// single one ("shop.outbox", "tenant_*.outbox"). Empty: every table.
  std::vector<std::string> tables;

  // --- where to start without a checkpoint ----------------------------------
  start_at start = start_at::end;
  /// When set, start at this FILE:OFFSET (a transaction boundary) instead of `start`.
  binlog_position start_position;

  // --- safety ----------------------------------------------------------------
  /// Resume by GTID when the checkpoint has a GTID set: MariaDB through
  /// @slave_connect_state, MySQL (gtid_mode=ON) through COM_BINLOG_DUMP_GTID.
  /// Otherwise resume by file and offset.
  bool resume_by_gtid = true;
  /// Resume a file/offset checkpoint taken on a server with another identity.
  bool allow_different_server = false;
  /// Refuse servers with binlog_row_image other than FULL.
  bool require_full_row_image = true;

  // --- liveness and recovery ---------------------------------------------------
  /// The server sends a heartbeat after this much idle time; a connection
  /// silent for `dead_after` counts as dead.
  std::chrono::milliseconds heartbeat_period{1000};
  /// Silence after which the connection counts as dead and is reopened
  /// (whole seconds, at least 1). 0: three heartbeat periods, at least 30 s,
  /// because the server sends no heartbeat while it scans a binlog file for
  /// a GTID; set it lower only where binlog files are small.
  std::chrono::milliseconds dead_after{0};
  std::chrono::seconds connect_timeout{10};
  std::chrono::milliseconds reconnect_backoff{100};       ///< first wait before reconnecting
  std::chrono::milliseconds reconnect_backoff_max{5000};  ///< waits double up to this
  std::chrono::milliseconds reconnect_give_up{std::chrono::minutes(5)};  ///< then fail; 0: never

  // --- buffering between the reader thread and next() --------------------------
  // The reader hands over batches of framing events and undecoded rows
  // events (each holding many rows); the queue holds at most this many of
  // them and about this many bytes of binlog.
  std::size_t queue_max_events = 16384;
  std::size_t queue_max_bytes = std::size_t{64} << 20;
  std::size_t batch_events = 256;
};

/// The server's side of "how far behind": the current end of its binlog.
struct server_status {
  binlog_position end;   ///< SHOW MASTER STATUS
  gtid_set gtids;        ///< executed GTIDs (MariaDB gtid_binlog_pos, MySQL gtid_executed)
  std::string identity;  ///< as recorded in checkpoints
  std::string version;
};

}  // namespace tor::mysql
