// Binlog events -> tor change events: the part of the binlog source that
// frames transactions and decodes their rows, with no connection behind it.
// tor::mysql::binlog_source feeds it the events the server sends; tests and
// the fuzzer feed it events built byte by byte, which is how the MySQL-only
// paths (MySQL GTID events, transaction payloads, binary JSON) are covered
// without a MySQL server.
//
// Framing, for both server flavours:
//   MariaDB  GTID [BEGIN] ... XID | COMMIT          (DDL: GTID(standalone) QUERY)
//   MySQL    GTID QUERY(BEGIN) ... XID | COMMIT     (DDL: GTID QUERY)
//   MySQL    GTID TRANSACTION_PAYLOAD(BEGIN ... XID)  with compression NONE
// A begin_event is emitted at the GTID (or BEGIN when the server writes no
// GTIDs), a row_change per row of a captured table, and a commit_event
// carrying the checkpoint just after the commit event. Transactions with no
// captured rows are framed too, so the position keeps advancing.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <tor/core/checkpoint.hpp>
#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>
#include <tor/core/event.hpp>
#include <tor/mysql/binlog_event.hpp>
#include <tor/mysql/row_decoder.hpp>

namespace tor::mysql {

struct change_decoder_options {
  /// Which tables produce row changes (`schema`, `table`); null: every table.
  std::function<bool(std::string_view, std::string_view)> capture;
  /// information_schema columns of a table, for logs without column names
  /// (binlog_row_metadata=MINIMAL/NO_LOG); null: columns are named "@1", "@2"...
  std::function<std::vector<schema_column>(const table_map&)> schema_lookup;
  /// Whether events carry a CRC32 before the first format description says so.
  bool checksums = true;
  /// Rows held back for a MariaDB group that may end in ROLLBACK (it touched
  /// a non-transactional table); more than this is an error.
  std::size_t max_buffered_events = 100000;
};

/// A captured rows event whose rows are decoded later, by whoever consumes
/// the stream (see change_decoder::feed_deferred and change_assembler).
struct pending_rows {
  std::shared_ptr<const table_map> map;
  std::shared_ptr<const table_info> info;
  std::uint8_t type = 0;
  format_options format;
  std::vector<std::uint8_t> data;  ///< the event after its header, without checksum
  std::uint64_t offset = 0;        ///< start of the rows event in the current file
  std::uint32_t timestamp = 0;
};

/// The start of a transaction, its change event still to be built.
struct pending_begin {
  std::optional<gtid> id;
  std::uint64_t offset = 0;  ///< start of the transaction in the current file
  std::uint32_t timestamp = 0;
};

/// The end of a transaction, its checkpoint still to be built.
struct pending_commit {
  std::optional<gtid> id;
  std::uint64_t offset = 0;  ///< just after the commit event, in the current file
  std::uint32_t timestamp = 0;
};

/// The stream moved to another binlog file.
struct file_change {
  shared_string file;
};

/// What feed_deferred produces: the stream with the costly parts (row
/// values, checkpoints, strings) left to build. The change_assembler builds
/// them on the consumer's thread, so the memory they take is allocated and
/// freed by one thread.
using stream_item = std::variant<change_event, pending_rows, pending_begin, pending_commit, file_change>;

/// Builds change events from stream items, in stream order: it follows the
/// current file and the checkpoint (GTID set, server identity) of what it
/// has built so far.
class change_assembler {
 public:
  change_assembler() = default;
  explicit change_assembler(checkpoint start) : current_(std::move(start)) {}

  /// Appends the change events `item` stands for to `out`. Throws
  /// tor::error (decoding rows) naming the table, column and binlog position.
  TOR_DECL void assemble(stream_item&& item, std::vector<change_event>& out);

  [[nodiscard]] const checkpoint& current() const noexcept { return current_; }

 private:
  static clock::time_point time_of(std::uint32_t t) { return clock::time_point(std::chrono::seconds(t)); }

  TOR_DECL void build(change_event&& e, std::vector<change_event>& out);
  TOR_DECL void build(file_change&& f, std::vector<change_event>&);
  TOR_DECL void build(pending_begin&& b, std::vector<change_event>& out);
  TOR_DECL void build(pending_commit&& c, std::vector<change_event>& out);
  TOR_DECL void build(pending_rows&& p, std::vector<change_event>& out);

  checkpoint current_;
  std::string scratch_;
};

class change_decoder {
 public:
  explicit change_decoder(change_decoder_options options = {}) : opt_(std::move(options)) {
    checksums_ = opt_.checksums;
  }

  /// Where the stream starts: the checkpoint (position, GTID set, server
  /// identity) of the last transaction already delivered.
  TOR_DECL void start(const checkpoint& at);

  /// Decodes one event as received (header to checksum), appending the
  /// change events it produces to `out`.
  TOR_DECL void feed(std::span<const std::uint8_t> event, std::vector<change_event>& out);

  /// Like feed, but leaves building the change events to a change_assembler
  /// (started at the same checkpoint), which may run on another thread.
  TOR_DECL void feed_deferred(std::span<const std::uint8_t> event, std::vector<stream_item>& out);

  /// The connection was lost: the stream restarts at `committed()`. When a
  /// transaction was half delivered, its begin and delivered rows are
  /// skipped when it is read again, so the consumer sees no repeat.
  TOR_DECL void restart_after_reconnect();

  [[nodiscard]] const checkpoint& committed() const noexcept { return committed_; }
  [[nodiscard]] bool in_transaction() const noexcept { return txn_.open; }
  [[nodiscard]] binlog_position position() const { return {file_, pos_}; }
  [[nodiscard]] const format_description& format() const noexcept { return fd_; }

 private:
  struct table_entry {
    std::vector<std::uint8_t> raw;  // the table map's bytes, to reuse the parse while they repeat
    bool captured = false;
    std::shared_ptr<const table_map> map;
    std::shared_ptr<const table_info> info;
  };

  struct transaction {
    bool open = false;
    bool begun = false;       // begin_event delivered (or skipped as already delivered)
    bool standalone = false;  // ends after its one statement (DDL)
    bool mysql_gtid = false;  // opened by a MySQL GTID event: the next query says BEGIN or DDL
    bool xa = false;
    bool buffered = false;    // MariaDB non-transactional group: held back until its end
    std::optional<tor::gtid> id;
    std::uint64_t begin = 0;  // start of the transaction in the current file
    clock::time_point timestamp;
    std::uint32_t stamp = 0;
    std::uint64_t rows_events = 0;  // captured rows events delivered (including ones skipped after a reconnect)
    std::uint64_t skip_rows_events = 0;
    std::vector<stream_item> held;
  };

  struct skip_state {
    bool active = false;
    std::optional<tor::gtid> id;
    binlog_position begin;
    std::uint64_t rows_events = 0;
  };

  [[nodiscard]] TOR_DECL std::string at(const event_header& h) const;
  [[nodiscard]] TOR_DECL std::string begin_text() const;
  TOR_DECL static std::string gtid_text(const std::optional<tor::gtid>& id);
  [[noreturn]] TOR_DECL void fail_at(const event_header& h, const std::string& what) const;

  static clock::time_point time_of(const event_header& h) {
    return clock::time_point(std::chrono::seconds(h.timestamp));
  }

  // `outer` is the enclosing transaction payload's header for inner events.
  TOR_DECL void handle(std::span<const std::uint8_t> raw, std::vector<stream_item>& out, bool inner,
              const event_header& outer);

  TOR_DECL static bool known_ignorable(std::uint8_t t);

  TOR_DECL static std::string upper_trimmed(std::string_view q, std::size_t max);

  TOR_DECL void open_transaction(const event_header& h, std::optional<gtid> id, std::vector<stream_item>& out,
                        bool hold = false);

  TOR_DECL void on_query(const event_header& h, const query_event& q, std::vector<stream_item>& out);

  TOR_DECL void commit(const event_header& h, std::vector<stream_item>& out);

  TOR_DECL void rollback(const event_header& h, std::vector<stream_item>& out);

  TOR_DECL void on_table_map(const event_header& h, std::span<const std::uint8_t> data);

  TOR_DECL void on_rows(const event_header& h, const event_header& placed, std::span<const std::uint8_t> data,
               std::vector<stream_item>& out);

  change_decoder_options opt_;
  checkpoint committed_;
  shared_string file_;
  std::uint64_t pos_ = 0;
  format_description fd_;
  bool checksums_ = true;
  std::unordered_map<std::uint64_t, table_entry> tables_;
  transaction txn_;
  skip_state skip_;
  std::vector<stream_item> items_;
  std::vector<std::uint8_t> payload_;  // a decompressed transaction payload
  change_assembler assembler_;
};

}  // namespace tor::mysql

#ifdef TOR_HEADER_ONLY
#include <tor/mysql/impl/change_decoder.ipp>
#endif
