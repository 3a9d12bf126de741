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
#include <tor/core/detail/config.hpp>
#include <tor/core/detail/ring.hpp>
#include <tor/core/error.hpp>
#include <tor/core/event.hpp>

namespace tor {

class checkpoint_tracker {
 public:
  /// A transaction begins; messages added until `commit` belong to it.
  TOR_DECL void begin(const begin_event& b);

  /// Registers one message made from `row` in the open transaction; returns
  /// its token. Every message of a row is added before end_row().
  TOR_DECL std::uint64_t add_message(std::size_t bytes, const row_change& row);

  /// The row being read in the open transaction is complete: all its messages
  /// were added (possibly none), or it was skipped as published before.
  void end_row() {
    if (!open_) throw error(error_kind::source, "source framing error: row outside a transaction");
    ++txns_.back().rows;
  }

  /// Where reading starts (the checkpoint loaded, or where the source
  /// opened), before any transaction: the base the resume point builds on.
  TOR_DECL void start(const checkpoint& at);

  /// The open transaction ends at `end`. Returns true when this moved the committable checkpoint.
  bool commit(const checkpoint& end) { return commit(checkpoint(end)); }
  /// The same, taking the checkpoint over (the router moves the source's in).
  TOR_DECL bool commit(checkpoint&& end);

  /// Marks the message with this token acknowledged. Returns true when the committable checkpoint moved.
  TOR_DECL bool acknowledge(std::uint64_t token);

  /// "table app.outbox, binlog mysql-bin.000003:1234 row 2, gtid 0-1-17": where a message came from.
  [[nodiscard]] TOR_DECL std::string describe(std::uint64_t token) const;

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
  [[nodiscard]] TOR_DECL std::optional<checkpoint> resume_point() const;
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

  TOR_DECL msg& lookup(std::uint64_t token);

  // What a kept checkpoint takes: the object, its strings and the GTID set's
  // map nodes (a node is about four pointers besides its value).
  TOR_DECL static std::size_t checkpoint_bytes(const checkpoint& c) noexcept;
  // A file name is shared with the source's events: nothing of its own.
  static std::size_t heap_bytes(const shared_string&) noexcept { return 0; }
  static std::size_t heap_bytes(const std::string& s) noexcept {
    return s.capacity() > sso_capacity ? s.capacity() + 1 : 0;
  }

  // True when `end` is what the previous commit's checkpoint becomes with
  // this transaction: same file and server, its GTID added. (The check is
  // made on the previous checkpoint, which is replaced right after.)
  TOR_DECL bool derivable(const txn& t, const checkpoint& end);

  TOR_DECL bool advance();

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

#ifdef TOR_HEADER_ONLY
#include <tor/core/impl/checkpoint_tracker.ipp>
#endif
