// Definitions for tor/core/router.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <tor/core/router.hpp>

namespace tor::detail {

TOR_DECL router_core::router_core(void* store, save_function save, router_options options)
    : opt_(std::move(options)), store_(store), save_(save) {
  const auto positive = [](std::size_t v, const char* name) {
    if (v == 0)
      throw error(error_kind::invalid_argument,
                  std::string("router option ") + name + " is 0: reading could never start; give it at least 1");
  };
  positive(opt_.max_in_flight_messages, "max_in_flight_messages");
  positive(opt_.max_in_flight_bytes, "max_in_flight_bytes");
  positive(opt_.max_pending_transactions, "max_pending_transactions");
  positive(opt_.max_transaction_messages, "max_transaction_messages");
}

TOR_DECL router_core::~router_core() { stop_saving(); }

TOR_DECL router_stats router_core::stats() const {
  router_stats s;
  s.events_read = events_.load(std::memory_order_relaxed);
  s.transactions = transactions_.load(std::memory_order_relaxed);
  s.rows = rows_.load(std::memory_order_relaxed);
  s.rows_skipped = rows_skipped_.load(std::memory_order_relaxed);
  s.messages_sent = sent_.load(std::memory_order_relaxed);
  s.messages_acknowledged = acked_.load(std::memory_order_relaxed);
  s.messages_failed = failed_.load(std::memory_order_relaxed);
  s.save_failures = save_failures_.load(std::memory_order_relaxed);
  s.commits = commits_.load(std::memory_order_relaxed);
  s.aborts = aborts_.load(std::memory_order_relaxed);
  s.in_flight_messages = in_flight_.load(std::memory_order_relaxed);
  s.in_flight_bytes = in_flight_bytes_.load(std::memory_order_relaxed);
  s.pending_transactions = pending_txns_.load(std::memory_order_relaxed);
  s.tracker_bytes = tracker_bytes_.load(std::memory_order_relaxed);
  s.tracker_peak_bytes = tracker_peak_bytes_.load(std::memory_order_relaxed);
  s.last_commit_time = clock::time_point(clock::duration(last_commit_.load(std::memory_order_relaxed)));
  std::lock_guard lock(mutex_);
  s.last_saved = last_saved_;
  s.last_saved_at = last_saved_at_;
  s.read_position = read_position_;
  return s;
}

TOR_DECL void router_core::gate_shut() const {
  throw error(error_kind::fenced, std::string(lease_lost_text) +
                                      ": stopped before handing more messages to the dispatcher (the last "
                                      "transaction read began at binlog " +
                                      tx_.begin.to_string() + ")");
}

TOR_DECL void router_core::throw_lease_lost(const char* what) {
  throw error(error_kind::fenced, std::string(lease_lost_text) +
                                      ": stopped without saving; what ended the run is what an instance taking "
                                      "over causes (it fences the old saves and producer, and reopens the binlog "
                                      "with the same replica server id): " +
                                      what);
}

TOR_DECL void router_core::check_lease_at_start() const {
  if (lease_lost())
    throw error(error_kind::fenced, std::string(lease_lost_text) + ": not starting, nor loading (claiming) the "
                                        "checkpoint");
}

TOR_DECL std::optional<checkpoint> router_core::retry_transient(const std::stop_token& stop, read_function read,
                                                                 void* from) {
  auto wait = opt_.idle_wait;
  while (true) {
    try {
      return read(from);
    } catch (const error& e) {
      if (!e.transient() || lease_lost()) throw;  // no retrying once another instance may have taken over
      bump(save_failures_, std::uint64_t{1});
      if (opt_.on_save_failed) opt_.on_save_failed(e);
      if (stop.stop_requested()) return std::nullopt;
      std::this_thread::sleep_for(wait);
      wait = std::min(wait * 2, std::chrono::milliseconds(5000));
    }
  }
}

TOR_DECL void router_core::adopt_stored(const std::optional<checkpoint>& stored) {
  saved_ = stored;  // what the store holds (with a transactional dispatcher: the mirror)
}

TOR_DECL void router_core::adopt_committed(std::optional<checkpoint>& start, std::optional<checkpoint> committed) {
  if (committed) start = std::move(committed);
  committed_ = start;
  if (committed_) mirror(*committed_);  // a mirror behind Kafka catches up at once
}

TOR_DECL void router_core::begin_at(const std::optional<checkpoint>& start) {
  if (!start) return;
  tracker_.start(*start);
  if (start->inside_transaction()) resume_inside_ = *start;
  std::lock_guard lock(mutex_);
  last_saved_ = *start;
}

TOR_DECL void router_core::save_first(const checkpoint& c, const std::stop_token& stop) {
  auto wait = opt_.idle_wait;
  while (true) {
    try {
      save_committable(c);
      return;
    } catch (const error& e) {
      if (!e.transient()) throw;
      bump(save_failures_, std::uint64_t{1});
      if (opt_.on_save_failed) opt_.on_save_failed(e);
      if (stop.stop_requested()) return;
      std::this_thread::sleep_for(wait);
      wait = std::min(wait * 2, std::chrono::milliseconds(5000));
    }
  }
}

TOR_DECL void router_core::start_saving() {
  requested_ = saved_;
  saver_ = std::jthread([this](std::stop_token st) { save_loop(st); });
  next_commit_ = steady::now() + opt_.checkpoint_interval;
}

TOR_DECL void router_core::mapping_failed(const row_change& row, const std::exception& e) {
  throw error(error_kind::mapping, "cannot map the row of " + row.table_name() + " at binlog " +
                                       row.position.to_string() + " row " + std::to_string(row.row_index) + ": " +
                                       e.what());
}

TOR_DECL void router_core::resume_inside(const begin_event& b) {
  const checkpoint at = std::move(*resume_inside_);
  resume_inside_.reset();
  const bool same = !at.transaction_gtid.empty() && !b.gtid.empty() ? at.transaction_gtid == b.gtid
                                                                     : at.position == b.position;
  if (!same)
    throw error(error_kind::source,
                "the checkpoint points inside the transaction at " + at.position.to_string() +
                    (at.transaction_gtid.empty() ? std::string() : " (gtid " + at.transaction_gtid + ")") +
                    " after " + std::to_string(at.skip_rows) + " published rows, but the source resumed at the " +
                    "transaction at " + b.position.to_string() +
                    (b.gtid.empty() ? std::string() : " (gtid " + b.gtid + ")") +
                    ": it cannot tell which rows were published. Check that Tor reads the server the checkpoint "
                    "came from; to publish that transaction again in full, remove skip_rows and "
                    "transaction_gtid from the stored checkpoint");
  skip_rows_ = at.skip_rows;
  skipping_ = at;
}

TOR_DECL void router_core::fewer_rows_than_checkpoint(const commit_event& c) {
  keep_checkpoint_ = true;  // the skipped rows must not count as published: leave the checkpoint as found
  throw error(error_kind::source,
              "the checkpoint says " + std::to_string(skipping_.skip_rows) + " rows of the transaction at " +
                  skipping_.position.to_string() +
                  (skipping_.transaction_gtid.empty() ? std::string() : " (gtid " + skipping_.transaction_gtid + ")") +
                  " were published, but it ends at " + c.after.position.to_string() + " after " +
                  std::to_string(skipping_.skip_rows - skip_rows_) +
                  " rows of captured tables: were the captured tables changed? To publish that transaction again "
                  "in full, remove skip_rows and transaction_gtid from the stored checkpoint");
}

TOR_DECL void router_core::delivery_failed(const delivery& d) {
  bump(failed_, std::uint64_t{1});
  throw error(error_kind::dispatch,
              "delivery failed for the message from " + tracker_.describe(d.token) + ": " + d.error);
}

TOR_DECL void router_core::maybe_save(steady::time_point& next_save) {
  if (save_failed_.load(std::memory_order_acquire)) rethrow_save_failure();
  const auto now = steady::now();
  if (now < next_save) return;
  next_save = now + opt_.checkpoint_interval;
  {
    std::lock_guard lock(mutex_);
    read_position_ = read_position_dirty_;
  }
  if (transactional_) return;  // the state store mirrors what commit_transaction committed
  auto c = tracker_.resume_point();
  if (!c || (requested_ && *requested_ == *c)) return;
  requested_ = *c;
  {
    std::lock_guard lock(save_mutex_);
    wanted_ = *c;  // replaces one the saving thread has not taken yet: the latest wins
  }
  save_cv_.notify_one();
}

TOR_DECL bool router_core::commit_due(bool check_clock) {
  const bool inside = tracker_.transaction_open();
  const std::size_t factor = inside ? 2 : 1;
  bool due = txn_open_ && txn_messages_ >= factor * opt_.max_transaction_messages;
  if (!due && check_clock) {
    const auto now = steady::now();
    if (txn_open_) {
      due = now - txn_began_ >= factor * opt_.checkpoint_interval;
    } else if (!inside && now >= next_commit_) {
      next_commit_ = now + opt_.checkpoint_interval;
      const auto c = tracker_.resume_point();
      due = c && c != committed_;
    }
  }
  return due;
}

TOR_DECL void router_core::flush_timed_out() const {
  throw error(error_kind::transient,
              "the dispatcher did not acknowledge the transaction's messages within the flush timeout (" +
                  std::to_string(opt_.flush_timeout.count()) +
                  " ms): the transaction is aborted; run again to resume from the last committed checkpoint " +
                  (committed_ ? committed_->to_string() : std::string("(none)")));
}

TOR_DECL void router_core::not_committed_lease_lost(const checkpoint& c) const {
  throw error(error_kind::fenced,
              std::string(lease_lost_text) + ": the transaction up to the checkpoint " + c.to_string() +
                  " is not committed");
}

TOR_DECL void router_core::commit_aborted(const error& e) const {
  if (!e.transient()) throw;  // fenced, or not the dispatcher's to retry: the error as it was
  throw error(error_kind::transient, std::string("the transaction was aborted (") + e.what() +
                                         "): none of it is visible; run again to resume from the last "
                                         "committed checkpoint " +
                                         (committed_ ? committed_->to_string() : std::string("(none)")));
}

TOR_DECL void router_core::committed_transaction(const checkpoint& c) {
  txn_open_ = false;
  txn_messages_ = 0;
  committed_ = c;
  bump(commits_, std::uint64_t{1});
  publish_saved(c);
  next_commit_ = steady::now() + opt_.checkpoint_interval;
  mirror(c);
}

TOR_DECL void router_core::mirror(const checkpoint& c) {
  {
    std::lock_guard lock(save_mutex_);
    wanted_ = c;
  }
  save_cv_.notify_one();
}

// The saving thread: one save at a time, always of the latest checkpoint
// handed over. Transient failures are reported and retried after the
// checkpoint interval; any other failure ends the thread and is rethrown
// on the router thread by maybe_save (a fenced store stops the router).
TOR_DECL void router_core::save_loop(std::stop_token st) {
  while (true) {
    checkpoint c;
    {
      std::unique_lock lock(save_mutex_);
      if (!save_cv_.wait(lock, st, [&] { return wanted_.has_value(); })) return;
      c = std::move(*wanted_);
      wanted_.reset();
    }
    try {
      save_committable(c);
    } catch (const error& e) {
      if (!e.transient()) {
        fail_saving(e);
        return;
      }
      bump(save_failures_, std::uint64_t{1});
      if (opt_.on_save_failed) opt_.on_save_failed(e);
      std::unique_lock lock(save_mutex_);
      if (!wanted_) wanted_ = std::move(c);
      // Wait before retrying; only a stop cuts the wait short.
      save_cv_.wait_for(lock, st, opt_.checkpoint_interval, [] { return false; });
      if (st.stop_requested()) return;
    } catch (const std::exception& e) {
      fail_saving(error(error_kind::state, "cannot save the checkpoint " + c.to_string() + ": " + e.what()));
      return;
    }
  }
}

TOR_DECL void router_core::fail_saving(const error& e) {
  {
    std::lock_guard lock(save_mutex_);
    save_failure_ = e;
  }
  save_failed_.store(true, std::memory_order_release);
}

TOR_DECL void router_core::rethrow_save_failure() {
  std::lock_guard lock(save_mutex_);
  throw *save_failure_;
}

TOR_DECL void router_core::stop_saving() noexcept {
  if (!saver_.joinable()) return;
  saver_.request_stop();
  saver_.join();
}

TOR_DECL void router_core::save_committable(const checkpoint& c) {
  if (saved_ && *saved_ == c) return;
  if (lease_lost())  // the checkpoint may be another instance's now
    throw error(error_kind::fenced, std::string(lease_lost_text) + ": the checkpoint " + c.to_string() +
                                        " is not saved");
  try {
    save_(store_, c);
  } catch (const error& e) {
    if (e.transient()) throw;
    throw error(e.kind() == error_kind::fenced ? error_kind::fenced : error_kind::state,
                "cannot save the checkpoint " + c.to_string() + ": " + e.what());
  }
  saved_ = c;
  save_failures_.store(0, std::memory_order_relaxed);
  publish_saved(c);
  if (opt_.on_saved) opt_.on_saved(c);
}

TOR_DECL void router_core::save_committable() {
  if (const auto c = tracker_.resume_point()) save_committable(*c);
}

TOR_DECL void router_core::publish_saved(const checkpoint& c) {
  std::lock_guard lock(mutex_);
  last_saved_ = c;
  last_saved_at_ = clock::now();
}

TOR_DECL void router_core::final_save() {
  stop_saving();
  if (save_failed_.load(std::memory_order_acquire)) rethrow_save_failure();
  {
    std::lock_guard lock(mutex_);
    read_position_ = read_position_dirty_;
  }
  const auto deadline = steady::now() + opt_.final_save_timeout;
  while (true) {
    try {
      if (!transactional_) save_committable();
      else if (committed_) save_committable(*committed_);
      return;
    } catch (const error& e) {
      if (!e.transient() || steady::now() >= deadline) throw;
      bump(save_failures_, std::uint64_t{1});
      if (opt_.on_save_failed) opt_.on_save_failed(e);
      std::this_thread::sleep_for(opt_.idle_wait);
    }
  }
}

TOR_DECL void router_core::salvage_acknowledged() {
  for (const auto& r : reports_)
    if (r.ok() && tracker_.outstanding(r.token)) tracker_.acknowledge(r.token);
  save_committable();
}

}  // namespace tor::detail
