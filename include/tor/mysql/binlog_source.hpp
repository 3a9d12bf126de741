// tor::mysql::binlog_source — the tor::source that reads a MySQL/MariaDB
// binary log as a replica would, and yields change events in commit order.
//
// mariadb-connector-c speaks the replication protocol (connection, binlog
// dump, event framing); tor::mysql::change_decoder frames transactions and
// decodes rows. Reading and decoding run on a thread of their own that
// fills a bounded queue, so the caller of next() only pops events, and
// next() returns within its wait even while the log is idle. On a lost
// connection the reader reconnects with backoff and resumes after the last
// delivered transaction, skipping what it already delivered of a half-read
// one, so the stream continues without gaps or repeats.
//
//   tor::mysql::binlog_source src({.host = "db", .port = 3306, .user = "tor",
//                                  .password = "...", .server_id = 4242,
//                                  .tables = {"shop.outbox"}});
//   src.open(saved_checkpoint);          // std::nullopt: start at the end
//   while (auto ev = src.next(100ms)) ...
//
// Its settings are in tor/mysql/source_config.hpp, the server queries and
// prerequisite checks (check_server) in tor/mysql/server.hpp.
// See docs/mysql-source.md for prerequisites, the type mapping and limits.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <tor/core/checkpoint.hpp>
#include <tor/core/concepts.hpp>
#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>
#include <tor/core/event.hpp>
#include <tor/core/gtid.hpp>
#include <tor/mysql/change_decoder.hpp>
#include <tor/mysql/detail/connection.hpp>
#include <tor/mysql/detail/dump_refusal.hpp>
#include <tor/mysql/detail/event_queue.hpp>
#include <tor/mysql/server.hpp>
#include <tor/mysql/source_config.hpp>
#include <tor/mysql/tls.hpp>

namespace tor::mysql {

class binlog_source {
 public:
  explicit binlog_source(binlog_source_config config)
      : cfg_(std::move(config)), opts_(detail::connect_options_of(cfg_)) {}
  binlog_source(const binlog_source&) = delete;
  binlog_source& operator=(const binlog_source&) = delete;
  ~binlog_source() { close(); }

  /// Checks the server's prerequisites and starts reading after `from`
  /// (or where `start` says when there is none). Throws tor::error naming
  /// what is wrong: unmet prerequisites, a checkpoint from another server,
  /// a binlog that was purged.
  TOR_DECL void open(const std::optional<checkpoint>& from);

  /// The next change event, or nullopt when none arrived within `wait`.
  /// Throws the reader's error (tor::error) once the events before it are
  /// consumed. Rows are decoded here, on the caller's thread, so their
  /// memory is allocated and freed by the same thread.
  TOR_DECL std::optional<change_event> next(std::chrono::milliseconds wait);

  /// Stops the reader thread and closes the connections; a status() or
  /// binary_logs() call waiting on the server in another thread fails at
  /// once. open() may be called again.
  TOR_DECL void close();

  /// The current end of the server's binlog, read on a connection of its
  /// own, for "how far behind" in metrics and logs.
  TOR_DECL server_status status();

  /// The server's binlog files and their sizes (SHOW BINARY LOGS), oldest
  /// first, read on the status connection.
  TOR_DECL std::vector<std::pair<std::string, std::uint64_t>> binary_logs();

  /// The checkpoint the stream opened after: the one given to open(), or the
  /// configured start resolved in one consistent read (the binlog end with
  /// the GTID state there, the first file, or `start.position`). The router
  /// saves it before reading when nothing was saved yet. nullopt before open().
  [[nodiscard]] const std::optional<checkpoint>& opened_at() const noexcept { return opened_at_; }

  [[nodiscard]] const binlog_source_config& config() const noexcept { return cfg_; }
  /// Non-fatal findings of open() (e.g. column names from information_schema).
  [[nodiscard]] const std::vector<std::string>& warnings() const noexcept { return info_.warnings; }
  /// The server's identity as recorded in checkpoints.
  [[nodiscard]] const std::string& server_identity() const noexcept { return info_.identity; }
  /// Times the reader reconnected since open().
  [[nodiscard]] std::uint64_t reconnects() const noexcept { return reconnects_.load(); }

 private:
  // The end of the binlog and the GTID state there, consistently: the state
  // read between two equal positions belongs to that position. This avoids
  // BINLOG_GTID_POS, which reads the binlog file up to the position.
  TOR_DECL void end_with_gtids(detail::connection& c, checkpoint& at) const;

  TOR_DECL static gtid_set gtids_at(detail::connection& c, const binlog_position& p);

  // Runs on the reader thread (schema lookups happen while decoding).
  TOR_DECL std::vector<schema_column> schema_of(const table_map& m);

  TOR_DECL void signal_started(std::exception_ptr error);

  // The error for a dump the server refused (error 1236 and kin): the
  // server's text first, then what it means and what to do. Asks the server
  // (on a connection of its own) what it still has, for the message.
  TOR_DECL std::string refusal_message(const detail::server_error& e);

  TOR_DECL void run();

  TOR_DECL void fail(std::exception_ptr e);

  binlog_source_config cfg_;
  detail::connect_options opts_;
  detail::server_info info_;
  bool gtid_mode_ = false;
  std::optional<checkpoint> opened_at_;
  using queue = detail::event_queue<stream_item>;
  std::unique_ptr<change_decoder> decoder_;
  std::unique_ptr<queue> queue_;
  std::thread reader_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> reconnects_{0};

  std::mutex start_m_;
  std::condition_variable start_cv_;
  bool started_ = false;
  std::exception_ptr start_error_;

  std::mutex live_m_;
  detail::connection* live_ = nullptr;  // the replication connection, to interrupt on close
  std::mutex wake_m_;
  std::condition_variable wake_cv_;

  std::unique_ptr<detail::connection> schema_conn_;  // reader thread only

  std::vector<stream_item> local_;  // the batch next() is handing out
  std::size_t local_next_ = 0;
  change_assembler assembler_;          // builds change events on the caller's thread
  std::vector<change_event> expanded_;  // the events of the item being handed out
  std::size_t expanded_next_ = 0;
  std::exception_ptr failed_;           // a decoding error: every later next() throws it

  // Runs `query` on the status connection, opening it when needed, and once
  // more on a new one when the old one was lost (a server restart) unless
  // close() interrupted it.
  TOR_DECL void on_status_connection(const std::function<void(detail::connection&)>& query);

  std::mutex status_m_;
  std::unique_ptr<detail::connection> status_conn_;
  detail::connection* status_live_ = nullptr;  // under live_m_: status_conn_, to interrupt on close
  std::atomic<std::uint64_t> closes_{0};       // close() calls, for status queries they overlap
};

static_assert(tor::source<binlog_source>, "binlog_source must model tor::source");

}  // namespace tor::mysql

#ifdef TOR_HEADER_ONLY
#include <tor/mysql/impl/binlog_source.ipp>
#endif
