// Tracks which transactions are fully acknowledged and yields the
// committable checkpoint: the end of the latest transaction T such that T and
// every transaction before it are done. This is the heart of the at-least-once
// guarantee, kept apart from the router so it can be tested on its own.
#pragma once

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
    // Transactions share their file name until the binlog rotates, so the
    // name is kept once rather than copied per transaction.
    if (!file_ || *file_ != b.position.file) file_ = std::make_shared<const std::string>(b.position.file);
    txn& t = txns_.emplace_back();
    t.file = file_;
    t.gtid = b.gtid;
    open_ = true;
  }

  /// Registers one message made from `row` in the open transaction; returns its token.
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
    msgs_.push_back(msg{txns_.size() - 1 + txn_base_, bytes, row.table.get(), row.position.offset, row.row_index,
                        false});
    ++in_flight_;
    in_flight_bytes_ += bytes;
    return next_token_++;
  }

  /// The open transaction ends at `end`. Returns true when this moved the committable checkpoint.
  bool commit(const checkpoint& end) { return commit(checkpoint(end)); }
  /// The same, taking the checkpoint over (the router moves the source's in).
  bool commit(checkpoint&& end) {
    if (!open_) throw error(error_kind::source, "source framing error: commit without begin");
    open_ = false;
    txns_.back().end = std::move(end);
    txns_.back().committed = true;
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
                    (t.file ? *t.file : std::string("?")) + ':' + std::to_string(m.offset) + " row " +
                    std::to_string(m.row);
    if (!t.gtid.empty()) s += ", gtid " + t.gtid;
    return s;
  }

  /// True when a token is known and not yet acknowledged.
  [[nodiscard]] bool outstanding(std::uint64_t token) const {
    return token >= msg_base_ && token < next_token_ && !msgs_[token - msg_base_].acked;
  }

  [[nodiscard]] const std::optional<checkpoint>& committable() const noexcept { return committable_; }
  [[nodiscard]] std::size_t in_flight() const noexcept { return in_flight_; }
  [[nodiscard]] std::size_t in_flight_bytes() const noexcept { return in_flight_bytes_; }
  [[nodiscard]] bool idle() const noexcept { return in_flight_ == 0 && !open_; }
  [[nodiscard]] bool transaction_open() const noexcept { return open_; }
  /// Transactions read but not yet all acknowledged.
  [[nodiscard]] std::size_t pending_transactions() const noexcept { return txns_.size(); }

 private:
  struct txn {
    std::size_t pending = 0;
    bool committed = false;
    checkpoint end;
    std::shared_ptr<const std::string> file;  // binlog file the transaction is in
    std::string gtid;
    // Keep msg::table alive; most transactions touch one table.
    std::shared_ptr<const table_info> table;
    std::vector<std::shared_ptr<const table_info>> more_tables;
  };
  struct msg {
    std::uint64_t txn;
    std::size_t bytes;
    const table_info* table;
    std::uint64_t offset;
    std::uint32_t row;
    bool acked;
  };

  msg& lookup(std::uint64_t token) {
    if (token >= 1 && token < msg_base_)  // already acknowledged and forgotten
      throw error(error_kind::dispatch, "dispatcher reported token " + std::to_string(token) + " twice");
    if (token < msg_base_ || token >= next_token_)
      throw error(error_kind::dispatch, "dispatcher reported unknown token " + std::to_string(token));
    return msgs_[token - msg_base_];
  }

  bool advance() {
    bool moved = false;
    while (!txns_.empty() && txns_.front().committed && txns_.front().pending == 0) {
      committable_ = std::move(txns_.front().end);
      txns_.pop_front();
      ++txn_base_;
      moved = true;
    }
    return moved;
  }

  detail::ring<txn> txns_;
  detail::ring<msg> msgs_;
  std::uint64_t txn_base_ = 0;  // index of txns_.front()
  std::uint64_t msg_base_ = 1;  // token of msgs_.front(); tokens start at 1
  std::uint64_t next_token_ = 1;
  std::size_t in_flight_ = 0;
  std::size_t in_flight_bytes_ = 0;
  bool open_ = false;
  std::optional<checkpoint> committable_;
  std::shared_ptr<const std::string> file_;
};

}  // namespace tor
