// The binlog source's settings (tor::mysql::binlog_source_config), with the
// options a configuration file sets described next to them
// (tor/core/options.hpp), and what it reports of the server's side
// (server_status). Plain data: the source is in tor/mysql/binlog_source.hpp,
// the server queries and checks in tor/mysql/server.hpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <tor/core/checkpoint.hpp>
#include <tor/core/error.hpp>
#include <tor/core/gtid.hpp>
#include <tor/core/options.hpp>
#include <tor/mysql/tls.hpp>

namespace tor::mysql {

/// Where to start reading when there is no checkpoint.
enum class start_at {
  end,       ///< the current end of the binlog: only changes made from now on
  earliest,  ///< the oldest binlog file the server still has
};

/// Where to start without a checkpoint: `start` or, when set, a position.
/// Written `end`, `beginning` or `FILE:OFFSET`.
struct start_point {
  start_at at = start_at::end;
  /// When set, start at this FILE:OFFSET (a transaction boundary) instead of `at`.
  binlog_position position;

  start_point() = default;
  start_point(start_at a) : at(a) {}  // NOLINT: `config.start = start_at::earliest` reads well
  start_point(binlog_position p) : position(std::move(p)) {}  // NOLINT

  [[nodiscard]] std::string to_string() const {
    if (!position.empty()) return position.to_string();
    return at == start_at::earliest ? "beginning" : "end";
  }
  friend bool operator==(const start_point&, const start_point&) = default;
};

inline bool parse_option(std::string_view text, start_point& out) {
  if (text == "end" || text == "beginning") {
    out = text == "end" ? start_at::end : start_at::earliest;
    return true;
  }
  try {
    out = binlog_position::parse(text);
    return true;
  } catch (const error&) {
    return false;
  }
}
inline std::string format_option(const start_point& s) { return s.to_string(); }
constexpr std::string_view option_syntax(std::type_identity<start_point>) { return "end, beginning or FILE:OFFSET"; }


struct binlog_source_config {
  // --- connection --------------------------------------------------------
  std::string host = "127.0.0.1";
  std::uint16_t port = 3306;
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
  start_point start;

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
  /// a GTID; set it lower only where binlog files are small. It also bounds
  /// the wait for any answer on the source's other connections (status,
  /// schema look-ups), so a server that stops answering holds no thread.
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

/// The options a configuration file sets (`tables` is the outbox's, the
/// reconnect backoff and the queue bounds are the program's).
constexpr auto options_of(std::type_identity<binlog_source_config>) {
  using options::opt;
  using o = binlog_source_config;
  return options::describe(
      opt("host", &o::host, "Server host name or IP address."),
      opt("port", &o::port, "Server TCP port."),
      opt("socket", &o::socket, "Unix socket path; when set, used instead of host and port."),
      opt("user", &o::user,
          "User with REPLICATION SLAVE, REPLICATION CLIENT and SELECT (SELECT reads column names when "
          "binlog_row_metadata is not FULL).",
          options::required),
      opt("password", &o::password, "Password of `user`.", options::secret),
      opt("tls", &o::tls, "TLS for every connection to the server."),
      opt("server_id", &o::server_id,
          "Server id Tor presents as a replica: unique among everything replicating from the server (a second "
          "connection with the same id disconnects the first). 0 derives one from the host name and process id."),
      opt("start", &o::start,
          "Where to start when there is no checkpoint yet: `end` (only what is written from now on), `beginning` "
          "(the oldest binlog still on the server) or a position `FILE:OFFSET`. Ignored once a checkpoint exists."),
      opt("heartbeat", &o::heartbeat_period,
          "The server sends a heartbeat after this much idle time; a connection silent for `dead_after` is "
          "reopened."),
      opt("dead_after", &o::dead_after,
          "Silence on the replication connection after which it counts as dead and is reopened (whole seconds). 0: "
          "three heartbeat periods, at least 30 s. Set it lower only where binlog files are small: the server sends "
          "no heartbeat while it scans a file for a GTID. Also the longest wait for any answer on Tor's other "
          "connections to the server."),
      opt("connect_timeout", &o::connect_timeout, "Timeout for connecting to the server (whole seconds)."),
      opt("reconnect_timeout", &o::reconnect_give_up,
          "How long a lost replication connection is retried before Tor restarts from its checkpoint; 0 retries "
          "forever."),
      opt("resume_by_gtid", &o::resume_by_gtid,
          "Resume by GTID when the checkpoint has a GTID set (MariaDB), which survives a failover to another server "
          "of the same replication topology; otherwise by file and offset."),
      opt("allow_different_server", &o::allow_different_server,
          "Resume a file/offset checkpoint taken on a server with another identity. A binlog position means nothing "
          "on another server: only for a server whose identity changed but whose binlog did not."));
}
/// The tables come from the program (the service takes them from its outbox
/// section); the safety switch, the reconnect backoff and the buffering
/// are left to code, not offered to a configuration file.
constexpr auto set_in_code(std::type_identity<binlog_source_config>) {
  using o = binlog_source_config;
  return options::members(&o::tables, &o::require_full_row_image, &o::reconnect_backoff, &o::reconnect_backoff_max,
                          &o::queue_max_events, &o::queue_max_bytes, &o::batch_events);
}

/// The server's side of "how far behind": the current end of its binlog.
struct server_status {
  binlog_position end;   ///< SHOW MASTER STATUS
  gtid_set gtids;        ///< executed GTIDs (MariaDB gtid_binlog_pos, MySQL gtid_executed)
  std::string identity;  ///< as recorded in checkpoints
  std::string version;
};

}  // namespace tor::mysql
