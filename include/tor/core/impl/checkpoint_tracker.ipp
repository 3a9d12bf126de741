// Definitions for tor/core/checkpoint_tracker.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <tor/core/checkpoint_tracker.hpp>

namespace tor {

TOR_DECL void checkpoint_tracker::begin(const begin_event& b) {
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

TOR_DECL std::uint64_t checkpoint_tracker::add_message(std::size_t bytes, const row_change& row) {
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

TOR_DECL void checkpoint_tracker::start(const checkpoint& at) {
  if (!txns_.empty() || open_) throw error(error_kind::invalid_argument, "checkpoint_tracker::start after a begin");
  committable_ = at;
  start_rows_ = at.skip_rows;
  last_end_ = at;
  last_end_->skip_rows = 0;
  last_end_->transaction_gtid.clear();
}

TOR_DECL bool checkpoint_tracker::commit(checkpoint&& end) {
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

TOR_DECL bool checkpoint_tracker::acknowledge(std::uint64_t token) {
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

TOR_DECL std::string checkpoint_tracker::describe(std::uint64_t token) const {
  if (token < msg_base_ || token >= next_token_) return "unknown message " + std::to_string(token);
  const msg& m = msgs_[token - msg_base_];
  const txn& t = txns_[m.txn - txn_base_];
  std::string s = "table " + (m.table ? m.table->qualified_name() : std::string("?")) + ", binlog " +
                  (t.file.empty() ? std::string("?") : std::string(t.file)) + ':' + std::to_string(m.offset) + " row " +
                  std::to_string(m.row);
  if (!t.gtid.empty()) s += ", gtid " + t.gtid;
  return s;
}

TOR_DECL std::optional<checkpoint> checkpoint_tracker::resume_point() const {
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

TOR_DECL checkpoint_tracker::msg& checkpoint_tracker::lookup(std::uint64_t token) {
  if (token >= 1 && token < msg_base_)  // already acknowledged and forgotten
    throw error(error_kind::dispatch, "dispatcher reported token " + std::to_string(token) + " twice");
  if (token < msg_base_ || token >= next_token_)
    throw error(error_kind::dispatch, "dispatcher reported unknown token " + std::to_string(token));
  return msgs_[token - msg_base_];
}

TOR_DECL std::size_t checkpoint_tracker::checkpoint_bytes(const checkpoint& c) noexcept {
  constexpr std::size_t node = 4 * sizeof(void*);
  std::size_t n = sizeof(checkpoint) + heap_bytes(c.position.file) + heap_bytes(c.server_id);
  n += c.gtids.domains().size() * (node + sizeof(std::pair<const std::uint32_t, gtid_set::mariadb_entry>));
  for (const auto& [uuid, ivs] : c.gtids.uuids())
    n += node + sizeof(std::pair<const std::string, std::vector<gtid_set::interval>>) + heap_bytes(uuid) +
         ivs.capacity() * sizeof(gtid_set::interval);
  return n;
}

TOR_DECL bool checkpoint_tracker::derivable(const txn& t, const checkpoint& end) {
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

TOR_DECL bool checkpoint_tracker::advance() {
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

}  // namespace tor
