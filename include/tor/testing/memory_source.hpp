// An in-memory binlog and a source that plays it. Tests append scripted
// transactions to a `memory_binlog`; a `memory_source` streams them with the
// same framing a real binlog source has and, like one, replays from any
// checkpoint. Fault injection: the source can be told to fail at an event.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>
#include <tor/core/event.hpp>

namespace tor::testing {

/// A row for `memory_binlog::append`: table, op and column values by name.
struct scripted_row {
  std::shared_ptr<const table_info> table;
  row_op op = row_op::insert;
  std::vector<value> before;
  std::vector<value> after;
};

/// Makes a table_info to script rows against.
TOR_DECL std::shared_ptr<const table_info> make_table(std::string schema, std::string table,
                                                      std::vector<std::string> columns);

/// An append-only log of committed transactions, shared between the test that
/// writes it and the sources that read it (thread-safe).
class memory_binlog {
 public:
  struct transaction {
    begin_event begin;
    std::vector<row_change> rows;
    commit_event commit;
  };

  TOR_DECL explicit memory_binlog(std::string file_prefix = "memory-bin", std::string server_id = "1");
  TOR_DECL ~memory_binlog();
  memory_binlog(const memory_binlog&) = delete;
  memory_binlog& operator=(const memory_binlog&) = delete;

  /// Appends one committed transaction; returns its commit checkpoint. An
  /// empty `rows` is a non-row transaction (DDL), framed like any other.
  /// Rows come `rows_per_event` to a rows event (one position, row_index 0, 1, ...).
  TOR_DECL checkpoint append(const std::vector<scripted_row>& rows, clock::time_point when = clock::now(),
                             std::size_t rows_per_event = 1);

  /// Starts a new binlog file, as FLUSH BINARY LOGS does.
  TOR_DECL void rotate();

  [[nodiscard]] TOR_DECL std::size_t size() const;
  [[nodiscard]] std::string server_id() const { return server_id_; }

  /// The checkpoint at the end of the log and how many transactions lie
  /// before it, read together: a source opening "at the end" starts there.
  [[nodiscard]] TOR_DECL std::pair<checkpoint, std::size_t> end() const;

  /// The checkpoint before the first transaction of the log.
  [[nodiscard]] TOR_DECL checkpoint beginning() const;

  /// Index of the first transaction that starts at or after `from` (a commit
  /// checkpoint, or where a transaction begins).
  [[nodiscard]] TOR_DECL std::size_t index_after(const checkpoint& from) const;
  /// Index of the first transaction whose GTID is not in `gtids`, as a server
  /// resuming by GTID finds it.
  [[nodiscard]] TOR_DECL std::size_t index_after_gtids(const gtid_set& gtids) const;
  /// Where transaction i begins, and its GTID: the checkpoint inside it after `rows` rows.
  [[nodiscard]] TOR_DECL checkpoint inside(std::size_t i, std::uint64_t rows) const;

  /// Copies transaction i, waiting up to `wait` for it to be appended.
  TOR_DECL std::optional<transaction> get(std::size_t i, std::chrono::milliseconds wait) const;

 private:
  [[nodiscard]] TOR_DECL std::string file() const;

  std::string prefix_;
  std::string server_id_;
  unsigned file_no_ = 1;
  std::uint64_t offset_ = 4;
  gtid_set gtids_{gtid_flavor::mariadb};
  std::vector<transaction> txns_;
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
};

/// A tor::source over a memory_binlog.
class memory_source {
 public:
  struct options {
    /// With no checkpoint, start at the end of the log instead of its beginning.
    bool start_at_end = false;
    /// Yield a heartbeat_event when idle instead of nullopt.
    bool heartbeats = false;
    /// Throw tor::error (kind source) when this many events have been read (0: never).
    std::uint64_t fail_after_events = 0;
    /// Resume from a checkpoint's GTID set (the first transaction not in it)
    /// instead of its position.
    bool resume_by_gtid = false;
  };

  explicit memory_source(const memory_binlog& log) : memory_source(log, options{}) {}
  TOR_DECL memory_source(const memory_binlog& log, options opt);
  TOR_DECL ~memory_source();
  memory_source(const memory_source&) = default;
  memory_source(memory_source&&) = default;
  memory_source& operator=(const memory_source&) = default;
  memory_source& operator=(memory_source&&) = default;

  TOR_DECL void open(const std::optional<checkpoint>& from);

  /// The checkpoint the stream opened after (the start resolved); nullopt before open().
  [[nodiscard]] const std::optional<checkpoint>& opened_at() const noexcept { return opened_at_; }

  TOR_DECL std::optional<change_event> next(std::chrono::milliseconds wait);

  [[nodiscard]] std::uint64_t events_read() const noexcept { return events_; }

 private:
  const memory_binlog* log_;
  options opt_;
  bool opened_ = false;
  std::optional<checkpoint> opened_at_;
  std::size_t next_txn_ = 0;
  std::optional<memory_binlog::transaction> current_;
  std::size_t step_ = 0;
  std::uint64_t events_ = 0;
};

}  // namespace tor::testing

#ifdef TOR_HEADER_ONLY
#include <tor/testing/impl/memory_source.ipp>
#endif
