// Tracks which transactions are fully acknowledged and yields the
// committable checkpoint: the end of the latest transaction T such that T and
// every transaction before it are done. This is the heart of the at-least-once
// guarantee, kept apart from the router so it can be tested on its own.
//
// It also yields the resume point (resume_point()): the committable
// checkpoint, or one inside the oldest unfinished transaction when its
// leading rows are published, so a restart re-reads that transaction and
// skips them instead of publishing them again.
//
// What it holds is bounded by the router's backpressure (records(),
// pending_transactions(); memory_bytes() reports it), and a transaction's
// record is small: its end position is an offset in a shared file name, and
// its GTID set is derived from the one before (plus its own GTID) whenever
// the source's checkpoint agrees with that derivation, so no per-transaction
// copy of the whole set is kept. Records live in rings whose slots are
// reused: after a stall the memory stays at the high-water mark, which the
// bounds cap.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <tor/core/checkpoint.hpp>
#include <tor/core/detail/ring.hpp>
#include <tor/core/error.hpp>
#include <tor/core/event.hpp>

namespace tor {

class checkpoint_tracker {
 public:
  /// A transaction begins; messages added until `commit` belong to it.
  void begin(const begin_event& b) {
    if (open_)
      throw error(error_kind::source, "source framing error: begin at " + b.position.to_string() +
                                          " inside an open transaction");
    // Transactions share their file name (a shared_string) until the
    // binlog rotates, so the name is kept once, not copied per transaction.
    txn& t = txns_.emplace_back();
    t.file = b.position.file;
    t.begin_offset = b.position.offset;
    t.gtid = b.gtid;
    gtid_bytes_ += heap_bytes(t.gtid);
    open_ = true;
  }

  /// Registers one message made from `row` in the open transaction; returns
  /// its token. Every message of a row is added before end_row().
  std::uint64_t add_message(std::size_t bytes, const row_change& row) {
    if (!open_)
      throw error(error_kind::source, "source framing error: row of " + row.table_name() + " at " +
                                          row.position.to_string() + " outside a transaction");
    txn& t = txns_.back();
    ++t.pending;
    if (!t.table) {
      t.table = row.table;
    } else if (row.table && row.table != t.table && (t.more_tables.empty() || t.more_tables.back() != row.table)) {
      t.more_tables.push_back(row.table);
    }
    msgs_.push_back(msg{txns_.size() - 1 + txn_base_, row.table.get(), row.position.offset,
                        static_cast<std::uint32_t>(bytes), row.row_index, t.rows, false});
    ++in_flight_;
    in_flight_bytes_ += bytes;
    return next_token_++;
  }

  /// The row being read in the open transaction is complete: all its messages
  /// were added (possibly none), or it was skipped as published before.
  void end_row() {
    if (!open_) throw error(error_kind::source, "source framing error: row outside a transaction");
    ++txns_.back().rows;
  }

  /// Where reading starts (the checkpoint loaded, or where the source
  /// opened), before any transaction: the base the resume point builds on.
  void start(const checkpoint& at) {
    if (!txns_.empty() || open_) throw error(error_kind::invalid_argument, "checkpoint_tracker::start after a begin");
    committable_ = at;
    start_rows_ = at.skip_rows;
    last_end_ = at;
    last_end_->skip_rows = 0;
    last_end_->transaction_gtid.clear();
  }

  /// The open transaction ends at `end`. Returns true when this moved the committable checkpoint.
  bool commit(const checkpoint& end) { return commit(checkpoint(end)); }
  /// The same, taking the checkpoint over (the router moves the source's in).
  bool commit(checkpoint&& end) {
    if (!open_) throw error(error_kind::source, "source framing error: commit without begin");
    open_ = false;
    txn& t = txns_.back();
    t.end_offset = end.position.offset;
    if (!derivable(t, end)) {
      t.end = std::make_unique<checkpoint>(end);
      full_bytes_ += checkpoint_bytes(end);
    }
    last_end_ = std::move(end);
    t.committed = true;
    return advance();
  }

  /// Marks the message with this token acknowledged. Returns true when the committable checkpoint moved.
  bool acknowledge(std::uint64_t token) {
    msg& m = lookup(token);
    if (m.acked) throw error(error_kind::dispatch, "dispatcher reported token " + std::to_string(token) + " twice");
    m.acked = true;
    --in_flight_;
    in_flight_bytes_ -= m.bytes;
    --txns_[m.txn - txn_base_].pending;
    while (!msgs_.empty() && msgs_.front().acked) {
      msgs_.pop_front();
      ++msg_base_;
    }
    return advance();
  }

  /// "table app.outbox, binlog mysql-bin.000003:1234 row 2, gtid 0-1-17": where a message came from.
  [[nodiscard]] std::string describe(std::uint64_t token) const {
    if (token < msg_base_ || token >= next_token_) return "unknown message " + std::to_string(token);
    const msg& m = msgs_[token - msg_base_];
    const txn& t = txns_[m.txn - txn_base_];
    std::string s = "table " + (m.table ? m.table->qualified_name() : std::string("?")) + ", binlog " +
                    (t.file.empty() ? std::string("?") : std::string(t.file)) + ':' + std::to_string(m.offset) + " row " +
                    std::to_string(m.row);
    if (!t.gtid.empty()) s += ", gtid " + t.gtid;
    return s;
  }

  /// True when a token is known and not yet acknowledged.
  [[nodiscard]] bool outstanding(std::uint64_t token) const {
    return token >= msg_base_ && token < next_token_ && !msgs_[token - msg_base_].acked;
  }

  [[nodiscard]] const std::optional<checkpoint>& committable() const noexcept { return committable_; }

  /// The committable checkpoint, or, when the oldest unfinished transaction
  /// has leading rows that are published (all their messages and every one
  /// before acknowledged), a checkpoint inside it: its begin position, the
  /// GTID set before it, its GTID and that row count. Needs a committable
  /// checkpoint (or start()) to build on: the GTID set before the transaction.
  [[nodiscard]] std::optional<checkpoint> resume_point() const {
    if (txns_.empty() || !committable_) return committable_;
    const txn& t = txns_[0];
    std::uint64_t done = t.rows;
    if (!msgs_.empty() && msgs_[0].txn == txn_base_) done = msgs_[0].ordinal;  // the oldest unacknowledged
    // Started inside the first transaction: its rows up to there are published
    // even while they are still being re-read (and skipped).
    if (txn_base_ == 0) done = std::max<std::uint64_t>(done, start_rows_);
    if (done == 0) return committable_;
    checkpoint c;
    c.position.file = t.file;
    c.position.offset = t.begin_offset;
    c.gtids = committable_->gtids;
    c.server_id = committable_->server_id;
    c.skip_rows = done;
    c.transaction_gtid = t.gtid;
    return c;
  }
  [[nodiscard]] std::size_t in_flight() const noexcept { return in_flight_; }
  [[nodiscard]] std::size_t in_flight_bytes() const noexcept { return in_flight_bytes_; }
  [[nodiscard]] bool idle() const noexcept { return in_flight_ == 0 && !open_; }
  [[nodiscard]] bool transaction_open() const noexcept { return open_; }
  /// Transactions read but not yet all acknowledged.
  [[nodiscard]] std::size_t pending_transactions() const noexcept { return txns_.size(); }
  /// Message records held: unacknowledged ones, and acknowledged ones behind
  /// an older unacknowledged message (a stuck message keeps them).
  [[nodiscard]] std::size_t records() const noexcept { return msgs_.size(); }
  /// What the tracker's records take, in bytes: a measurable figure for the
  /// memory bound (record slots in use, full checkpoints kept, GTID texts
  /// longer than a string's inline buffer).
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return txns_.capacity() * sizeof(txn) + msgs_.capacity() * sizeof(msg) + full_bytes_ + gtid_bytes_;
  }

 private:
  struct txn {
    std::size_t pending = 0;
    bool committed = false;
    std::uint32_t rows = 0;                     // rows read (all their messages added)
    std::uint64_t begin_offset = 0;             // begin position: in `file`, at this offset
    std::uint64_t end_offset = 0;               // end position: in `file`, at this offset
    std::unique_ptr<checkpoint> end;           // the whole end checkpoint, only when not derivable
    shared_string file;                         // binlog file the transaction is in
    std::string gtid;
    // Keep msg::table alive; most transactions touch one table.
    std::shared_ptr<const table_info> table;
    std::vector<std::shared_ptr<const table_info>> more_tables;
  };
  struct msg {
    std::uint64_t txn;
    const table_info* table;
    std::uint64_t offset;   // of the rows event
    std::uint32_t bytes;    // a Kafka message is below 2 GiB
    std::uint32_t row;      // index in the rows event
    std::uint32_t ordinal;  // index of the row in its transaction
    bool acked;
  };

  msg& lookup(std::uint64_t token) {
    if (token >= 1 && token < msg_base_)  // already acknowledged and forgotten
      throw error(error_kind::dispatch, "dispatcher reported token " + std::to_string(token) + " twice");
    if (token < msg_base_ || token >= next_token_)
      throw error(error_kind::dispatch, "dispatcher reported unknown token " + std::to_string(token));
    return msgs_[token - msg_base_];
  }

  // What a kept checkpoint takes: the object, its strings and the GTID set's
  // map nodes (a node is about four pointers besides its value).
  static std::size_t checkpoint_bytes(const checkpoint& c) noexcept {
    constexpr std::size_t node = 4 * sizeof(void*);
    std::size_t n = sizeof(checkpoint) + heap_bytes(c.position.file) + heap_bytes(c.server_id);
    n += c.gtids.domains().size() * (node + sizeof(std::pair<const std::uint32_t, gtid_set::mariadb_entry>));
    for (const auto& [uuid, ivs] : c.gtids.uuids())
      n += node + sizeof(std::pair<const std::string, std::vector<gtid_set::interval>>) + heap_bytes(uuid) +
           ivs.capacity() * sizeof(gtid_set::interval);
    return n;
  }
  // A file name is shared with the source's events: nothing of its own.
  static std::size_t heap_bytes(const shared_string&) noexcept { return 0; }
  static std::size_t heap_bytes(const std::string& s) noexcept {
    return s.capacity() > sso_capacity ? s.capacity() + 1 : 0;
  }

  // True when `end` is what the previous commit's checkpoint becomes with
  // this transaction: same file and server, its GTID added. (The check is
  // made on the previous checkpoint, which is replaced right after.)
  bool derivable(const txn& t, const checkpoint& end) {
    if (!last_end_ || end.position.file != t.file || end.server_id != last_end_->server_id) return false;
    if (!t.gtid.empty()) {
      try {
        last_end_->gtids.add(gtid::parse(t.gtid, last_end_->gtids.flavor()));
      } catch (const error&) {
        return false;
      }
    }
    return last_end_->gtids == end.gtids;
  }

  bool advance() {
    bool moved = false;
    while (!txns_.empty() && txns_.front().committed && txns_.front().pending == 0) {
      txn& t = txns_.front();
      if (t.end) {
        full_bytes_ -= checkpoint_bytes(*t.end);
        committable_ = std::move(*t.end);
      } else {  // derivable: committable_ holds the previous transaction's end (or a point inside this one)
        committable_->skip_rows = 0;
        committable_->transaction_gtid.clear();
        committable_->position.file = t.file;
        committable_->position.offset = t.end_offset;
        if (!t.gtid.empty()) committable_->gtids.add(gtid::parse(t.gtid, committable_->gtids.flavor()));
      }
      gtid_bytes_ -= heap_bytes(t.gtid);
      txns_.pop_front();
      ++txn_base_;
      moved = true;
    }
    return moved;
  }

 public:
  /// Bytes one transaction record, and one message record, take in the tracker.
  static constexpr std::size_t transaction_record_bytes = sizeof(txn);
  static constexpr std::size_t message_record_bytes = sizeof(msg);

 private:
  detail::ring<txn> txns_;
  detail::ring<msg> msgs_;
  std::uint64_t txn_base_ = 0;  // index of txns_.front()
  std::uint64_t msg_base_ = 1;  // token of msgs_.front(); tokens start at 1
  std::uint64_t next_token_ = 1;
  std::size_t in_flight_ = 0;
  std::size_t in_flight_bytes_ = 0;
  bool open_ = false;
  std::optional<checkpoint> committable_;
  std::uint64_t start_rows_ = 0;        // rows of the first transaction published before start()
  std::optional<checkpoint> last_end_;  // the latest commit's checkpoint, as the source gave it
  std::size_t full_bytes_ = 0;  // full checkpoints kept in records
  std::size_t gtid_bytes_ = 0;  // GTID texts on the heap
  static inline const std::size_t sso_capacity = std::string().capacity();
};

}  // namespace tor
