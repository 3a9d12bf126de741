// Definitions for tor/testing/memory_source.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <cstdio>

#include <tor/testing/memory_source.hpp>

namespace tor::testing {

TOR_DECL std::shared_ptr<const table_info> make_table(std::string schema, std::string table,
                                                      std::vector<std::string> columns) {
  return std::make_shared<const table_info>(table_info{std::move(schema), std::move(table), std::move(columns)});
}

TOR_DECL memory_binlog::memory_binlog(std::string file_prefix, std::string server_id)
    : prefix_(std::move(file_prefix)), server_id_(std::move(server_id)) {}

TOR_DECL memory_binlog::~memory_binlog() = default;

TOR_DECL void memory_binlog::rotate() {
  std::lock_guard lock(mutex_);
  ++file_no_;
  offset_ = 4;
}

TOR_DECL std::size_t memory_binlog::size() const {
  std::lock_guard lock(mutex_);
  return txns_.size();
}

TOR_DECL std::pair<checkpoint, std::size_t> memory_binlog::end() const {
  std::lock_guard lock(mutex_);
  return {checkpoint{{file(), offset_}, gtids_, server_id_}, txns_.size()};
}

TOR_DECL checkpoint memory_binlog::beginning() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, ".%06u", 1u);
  return checkpoint{{prefix_ + buf, 4}, gtid_set{gtid_flavor::mariadb}, server_id_};
}

TOR_DECL std::optional<memory_binlog::transaction> memory_binlog::get(std::size_t i,
                                                                      std::chrono::milliseconds wait) const {
  std::unique_lock lock(mutex_);
  if (!cv_.wait_for(lock, wait, [&] { return i < txns_.size(); })) return std::nullopt;
  return txns_[i];
}

TOR_DECL std::string memory_binlog::file() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, ".%06u", file_no_);
  return prefix_ + buf;
}

TOR_DECL memory_source::memory_source(const memory_binlog& log, options opt) : log_(&log), opt_(opt) {}

TOR_DECL memory_source::~memory_source() = default;

TOR_DECL checkpoint memory_binlog::append(const std::vector<scripted_row>& rows, clock::time_point when,
                                          std::size_t rows_per_event) {
  std::lock_guard lock(mutex_);
  transaction t;
  const auto seq = static_cast<std::uint64_t>(txns_.size()) + 1;
  t.begin.gtid = "0-" + server_id_ + '-' + std::to_string(seq);
  t.begin.position = {file(), offset_};
  t.begin.timestamp = when;
  offset_ += 40;
  std::uint32_t i = 0;
  for (const auto& r : rows) {
    row_change c;
    c.op = r.op;
    c.table = r.table;
    c.before.values = r.before;
    c.after.values = r.after;
    c.position = {file(), offset_};
    c.row_index = i++;
    c.timestamp = when;
    t.rows.push_back(std::move(c));
    if (i == rows_per_event || t.rows.size() == rows.size()) {
      offset_ += 100;
      i = 0;
    }
  }
  offset_ += 30;  // the commit event
  gtids_.add(gtid::parse(t.begin.gtid, gtid_flavor::mariadb));
  t.commit.after = checkpoint{{file(), offset_}, gtids_, server_id_};
  t.commit.timestamp = when;
  txns_.push_back(std::move(t));
  cv_.notify_all();
  return txns_.back().commit.after;
}

TOR_DECL std::size_t memory_binlog::index_after(const checkpoint& from) const {
  std::lock_guard lock(mutex_);
  std::size_t i = 0;
  while (i < txns_.size() && txns_[i].commit.after.position <= from.position) ++i;
  return i;
}

TOR_DECL std::size_t memory_binlog::index_after_gtids(const gtid_set& gtids) const {
  std::lock_guard lock(mutex_);
  std::size_t i = 0;
  while (i < txns_.size() && gtids.contains(gtid::parse(txns_[i].begin.gtid, gtid_flavor::mariadb))) ++i;
  return i;
}

TOR_DECL checkpoint memory_binlog::inside(std::size_t i, std::uint64_t rows) const {
  std::lock_guard lock(mutex_);
  checkpoint c{txns_[i].begin.position, i ? txns_[i - 1].commit.after.gtids : gtid_set{gtid_flavor::mariadb},
               server_id_};
  c.skip_rows = rows;
  c.transaction_gtid = txns_[i].begin.gtid;
  return c;
}

TOR_DECL void memory_source::open(const std::optional<checkpoint>& from) {
  if (from) {
    next_txn_ = opt_.resume_by_gtid ? log_->index_after_gtids(from->gtids) : log_->index_after(*from);
    opened_at_ = from;
  } else if (opt_.start_at_end) {
    auto [at, index] = log_->end();
    next_txn_ = index;
    opened_at_ = std::move(at);
  } else {
    next_txn_ = 0;
    opened_at_ = log_->beginning();
  }
  current_.reset();
  opened_ = true;
}

TOR_DECL std::optional<change_event> memory_source::next(std::chrono::milliseconds wait) {
  if (!opened_) throw error(error_kind::source, "memory_source: next() before open()");
  if (opt_.fail_after_events && events_ >= opt_.fail_after_events)
    throw error(error_kind::source, "memory_source: injected failure after " + std::to_string(events_) + " events");
  if (!current_) {
    current_ = log_->get(next_txn_, wait);
    if (!current_) {
      if (opt_.heartbeats) return change_event{heartbeat_event{}};
      return std::nullopt;
    }
    step_ = 0;
  }
  ++events_;
  const std::size_t rows = current_->rows.size();
  const std::size_t s = step_++;
  if (s == 0) return change_event{std::move(current_->begin)};
  if (s <= rows) return change_event{std::move(current_->rows[s - 1])};
  change_event c{std::move(current_->commit)};
  current_.reset();
  ++next_txn_;
  return c;
}

}  // namespace tor::testing
