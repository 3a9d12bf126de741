// tor::router: reads change events from a Source, turns rows into messages
// with a Mapper, hands them to a Dispatcher and saves, through a StateStore,
// only the committable checkpoint (see checkpoint_tracker.hpp). One thread
// runs it; the policies may keep threads of their own.
//
// Saves run on a thread of the router's own, so a slow or unreachable state
// store never stalls reading and publishing: one save is in flight at a
// time, and when the store is slower than the checkpoint interval the latest
// committable checkpoint replaces one still waiting. What is saved is the
// tracker's resume point: the committable checkpoint, or a point inside a
// large transaction whose leading rows are published; resuming there, the
// router re-reads the transaction and skips those rows. The store is used by one
// thread at a time (the router thread loads, the saving thread saves while
// running, the router thread makes the final save after that thread ended).
//
// Exactly once: when the dispatcher models tor::transactional_dispatcher and
// is transactional(), the checkpoint is committed through it, inside the
// transaction that carries the messages it covers, and the state store is a
// mirror written after each commit. At start the dispatcher's committed
// checkpoint wins (which also fences older instances); the store's is used
// only when the dispatcher has none yet (switching from at least once). A
// transaction is committed at the first binlog-transaction boundary after
// `checkpoint_interval` or `max_transaction_messages` messages; a binlog
// transaction still open at twice either is committed in pieces, each with
// a checkpoint inside it (the skip_rows form), so one huge binlog
// transaction neither holds a Kafka transaction open past its timeout nor
// holds back read-committed consumers. A commit the dispatcher aborted ends
// run() with a transient error: run the router again to resume from the last
// committed checkpoint. Nothing is mirrored that Kafka has not committed.
//
//   tor::testing::memory_source src{log};
//   tor::testing::memory_dispatcher disp;
//   tor::testing::memory_state_store store;
//   tor::outbox_mapper mapper{tor::outbox_config::original_tor("app.outbox")};
//   tor::router r{src, disp, store, mapper};
//   std::jthread t{[&](std::stop_token st) { r.run(st); }};
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <tor/core/checkpoint_tracker.hpp>
#include <tor/core/concepts.hpp>
#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>
#include <tor/core/lease.hpp>
#include <tor/core/options.hpp>
#include <tor/core/router_options.hpp>

namespace tor {

namespace detail {

/// What a router does that does not depend on its policies: the option
/// checks, the counters and stats(), handing checkpoints to the saving
/// thread and that thread (it reaches the state store through one function
/// pointer), retries, the checks of a resume inside a transaction, salvage,
/// the final save and the errors. Compiled once with tor::compiled
/// (tor/core/detail/config.hpp); tor::router keeps what calls its policies
/// and the per-event path (loop, handle, serve_acks), so that header-only
/// it is the same code as a router written in one piece.
class router_core {
 public:
  router_core(const router_core&) = delete;
  router_core& operator=(const router_core&) = delete;

  [[nodiscard]] TOR_DECL router_stats stats() const;

 protected:
  using steady = std::chrono::steady_clock;
  /// Saves `c` through the state store at `store` (the router's one call into it from the saving thread).
  using save_function = void (*)(void* store, const checkpoint& c);
  /// Reads a checkpoint from the policy at `from` (the state store's load, the dispatcher's committed one).
  using read_function = std::optional<checkpoint> (*)(void* from);

  static constexpr std::chrono::milliseconds ack_wait{10};
  static constexpr const char* lease_lost_text =
      "this instance no longer holds the lease (it expired, could not be renewed in time, or another instance took "
      "it over)";

  /// Throws tor::error (invalid_argument) when a bound of `options` is zero.
  TOR_DECL router_core(void* store, save_function save, router_options options);
  TOR_DECL ~router_core();

  // Hot standby: the gate is shut, so another instance may hold the lease now.
  [[nodiscard]] bool lease_lost() const noexcept { return opt_.gate && !opt_.gate->open(); }
  // Hot standby: nothing more goes to the dispatcher once the lease may have
  // passed to another instance.
  void check_gate() const {
    if (lease_lost()) gate_shut();
  }
  [[noreturn]] TOR_DECL void gate_shut() const;
  // What ended a run after the gate shut, reported as the takeover it follows.
  [[noreturn]] TOR_DECL static void throw_lease_lost(const char* what);
  // A store that fences (an owner epoch) would fence the new active's saves.
  TOR_DECL void check_lease_at_start() const;

  template <class T>
  static void bump(std::atomic<T>& a, T by = 1) {  // single writer: no read-modify-write needed
    a.store(a.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }

  // Calls `read` until it returns or fails with a non-transient error,
  // backing off from idle_wait to 5 s; nullopt when stopped meanwhile. A
  // transient failure is retried (never read as "no checkpoint", which
  // would restart from the configured start and lose or repeat data).
  TOR_DECL std::optional<checkpoint> retry_transient(const std::stop_token& stop, read_function read, void* from);

  // Start of a run: what the state store holds; with a transactional
  // dispatcher, what it committed wins (`start` becomes it) and the store mirrors it.
  TOR_DECL void adopt_stored(const std::optional<checkpoint>& stored);
  TOR_DECL void adopt_committed(std::optional<checkpoint>& start, std::optional<checkpoint> committed);
  // Reading starts at `start` (nullopt: where the source opens).
  TOR_DECL void begin_at(const std::optional<checkpoint>& start);
  // Saves the checkpoint the source opened at, retrying transient failures
  // until it is saved or a stop is requested; anything else stops the router.
  TOR_DECL void save_first(const checkpoint& c, const std::stop_token& stop);
  // Starts the saving thread; reading begins.
  TOR_DECL void start_saving();

  // A mapper failed on `row` (called from the handler that caught `e`).
  [[noreturn]] TOR_DECL static void mapping_failed(const row_change& row, const std::exception& e);
  // The first transaction after resuming inside one must be that one; then
  // its leading rows, published before, are skipped.
  TOR_DECL void resume_inside(const begin_event& b);
  [[noreturn]] TOR_DECL void fewer_rows_than_checkpoint(const commit_event& c);

  [[noreturn]] TOR_DECL void delivery_failed(const delivery& d);

  // Hands the committable checkpoint to the saving thread once per interval,
  // and stops the router when that thread met a failure it cannot retry.
  TOR_DECL void maybe_save(steady::time_point& next_save);

  // Transactional dispatcher: true when a commit is due, at a binlog-transaction
  // boundary after the interval or max_transaction_messages; inside a binlog
  // transaction at twice either. With nothing sent, a transaction of the
  // checkpoint alone moves it over unrelated traffic once per interval.
  [[nodiscard]] TOR_DECL bool commit_due(bool check_clock);
  [[noreturn]] TOR_DECL void flush_timed_out() const;
  [[noreturn]] TOR_DECL void not_committed_lease_lost(const checkpoint& c) const;
  // The dispatcher failed to commit (called from the handler that caught `e`): rethrows.
  [[noreturn]] TOR_DECL void commit_aborted(const error& e) const;
  // The dispatcher committed `c` with the transaction's messages.
  TOR_DECL void committed_transaction(const checkpoint& c);

  // Hands a committed checkpoint to the saving thread for the state store.
  TOR_DECL void mirror(const checkpoint& c);
  // Ends the saving thread (waiting for a save in flight, which the store's
  // own timeout bounds). Afterwards the router thread may use the store.
  TOR_DECL void stop_saving() noexcept;
  // Graceful stop, once what was in flight is delivered: the final save.
  TOR_DECL void final_save();
  // After a failure: whether salvage may save what was acknowledged, and then
  // doing it with the delivery reports in reports_.
  [[nodiscard]] bool may_salvage() const noexcept {
    return !save_failed_.load(std::memory_order_acquire) && !keep_checkpoint_;
  }
  TOR_DECL void salvage_acknowledged();

  router_options opt_;
  checkpoint_tracker tracker_;
  transaction_info tx_;
  std::vector<message> out_;
  std::vector<delivery> reports_;
  std::optional<checkpoint> saved_;      // saving thread while it runs, router thread otherwise
  std::optional<checkpoint> requested_;  // router thread: last handed to the saving thread
  binlog_position read_position_dirty_;
  std::optional<checkpoint> resume_inside_;  // resumed inside this transaction: check the first begin against it
  checkpoint skipping_;                      // ... and, once checked, the rows of it still to skip
  std::uint64_t skip_rows_ = 0;
  bool keep_checkpoint_ = false;             // a failure that must leave the stored checkpoint as it was

  bool transactional_ = false;               // the dispatcher commits the checkpoint; the store mirrors it
  bool txn_open_ = false;
  std::size_t txn_messages_ = 0;
  steady::time_point txn_began_{};
  steady::time_point next_commit_{};
  std::optional<checkpoint> committed_;      // the last checkpoint the dispatcher committed

  std::atomic<std::uint64_t> events_{0}, transactions_{0}, rows_{0}, rows_skipped_{0}, sent_{0}, acked_{0},
      failed_{0}, save_failures_{0}, commits_{0}, aborts_{0};
  std::atomic<std::size_t> in_flight_{0}, in_flight_bytes_{0}, pending_txns_{0}, tracker_bytes_{0},
      tracker_peak_bytes_{0};
  std::atomic<clock::duration::rep> last_commit_{0};

 private:
  TOR_DECL void save_loop(std::stop_token st);
  TOR_DECL void fail_saving(const error& e);
  [[noreturn]] TOR_DECL void rethrow_save_failure();
  // Saves `c` when it differs from what was saved last.
  TOR_DECL void save_committable(const checkpoint& c);
  TOR_DECL void save_committable();
  TOR_DECL void publish_saved(const checkpoint& c);

  void* store_;
  save_function save_;

  std::mutex save_mutex_;
  std::condition_variable_any save_cv_;
  std::optional<checkpoint> wanted_;      // handed over, not yet taken by the saving thread
  std::optional<error> save_failure_;     // what stopped the saving thread
  std::atomic<bool> save_failed_{false};
  std::jthread saver_;                    // joined by the destructor before the members go

  mutable std::mutex mutex_;
  std::optional<checkpoint> last_saved_;
  clock::time_point last_saved_at_{};
  binlog_position read_position_;
};

}  // namespace detail

/// The policies are checked by the static_asserts below rather than by
/// constraints on the parameters, so that a policy mistake, with
/// `tor::router r{src, disp, store, mapper}` too, fails with a first error
/// that names the policy, the concept and the member it lacks (a constraint
/// would first fail class template argument deduction, and some compilers
/// then name no concept at all). Each requirement is one named concept of
/// tor/core/concepts.hpp.
/// What does not depend on the policies is in detail::router_core.
template <class Source, class Dispatcher, class StateStore, class Mapper>
class router : private detail::router_core {
  static_assert(resumable_source<Source>,
                "tor::router: the Source policy is not a tor::source: concept tor::resumable_source needs "
                "open(const std::optional<tor::checkpoint>&)");
  static_assert(change_event_stream<Source>,
                "tor::router: the Source policy is not a tor::source: concept tor::change_event_stream needs "
                "next(std::chrono::milliseconds) -> std::optional<tor::change_event>");
  static_assert(message_sender<Dispatcher>,
                "tor::router: the Dispatcher policy is not a tor::dispatcher: concept tor::message_sender needs "
                "send(tor::message&&, std::uint64_t)");
  static_assert(delivery_reporter<Dispatcher>,
                "tor::router: the Dispatcher policy is not a tor::dispatcher: concept tor::delivery_reporter needs "
                "poll(std::vector<tor::delivery>&, std::chrono::milliseconds) -> std::size_t");
  static_assert(flushable_dispatcher<Dispatcher>,
                "tor::router: the Dispatcher policy is not a tor::dispatcher: concept tor::flushable_dispatcher needs "
                "flush(std::chrono::milliseconds) -> bool");
  static_assert(checkpoint_loader<StateStore>,
                "tor::router: the StateStore policy is not a tor::state_store: concept tor::checkpoint_loader needs "
                "load() -> std::optional<tor::checkpoint>");
  static_assert(checkpoint_saver<StateStore>,
                "tor::router: the StateStore policy is not a tor::state_store: concept tor::checkpoint_saver needs "
                "save(const tor::checkpoint&)");
  static_assert(row_mapper<Mapper>,
                "tor::router: the Mapper policy is not a tor::mapper: concept tor::row_mapper needs "
                "map(const tor::row_change&, const tor::transaction_info&, std::vector<tor::message>&) (a callable "
                "becomes one with tor::map_fn)");

 public:
  /// The router uses the policies by reference; they must outlive it.
  /// Throws tor::error (invalid_argument) when a bound of `options` is zero.
  router(Source& source, Dispatcher& dispatcher, StateStore& store, Mapper& mapper, router_options options = {})
      : router_core(const_cast<std::remove_cv_t<StateStore>*>(std::addressof(store)), &save_to, std::move(options)),
        source_(source),
        dispatcher_(dispatcher),
        store_(store),
        mapper_(mapper) {}

  router(const router&) = delete;
  router& operator=(const router&) = delete;

  /// Runs until `stop` is requested (then flushes, saves and returns) or a
  /// failure (then saves what is committable, best effort, and throws
  /// tor::error naming the event). Call once per router.
  ///
  /// Hot standby (router_options::gate): once the gate is shut, whatever ends
  /// the run — a fencing of the dispatcher or the store, or any other error
  /// of the source, the dispatcher or the store — is thrown as
  /// error_kind::fenced ("no longer holds the lease", with the error that
  /// ended the run), and nothing is saved after the gate shut: an instance
  /// that took over causes such errors (it fences the old producer and the
  /// old saves, reopens the binlog with the same replica server id), and the
  /// instance holding the lease is the one that reports a real fault.
  void run(std::stop_token stop = {}) {
    bool running = false;  // started reading: a failure salvages what is committable
    try {
      run_term(stop, running);
    } catch (const error& e) {
      stop_saving();
      if (transactional_) abandon_transaction();
      const bool lost = e.kind() != error_kind::fenced && lease_lost();
      if (running && !transactional_ && e.kind() != error_kind::fenced && !lost) salvage();
      if (lost) throw_lease_lost(e.what());
      throw;
    } catch (const std::exception& e) {
      stop_saving();
      if (transactional_) abandon_transaction();
      if (lease_lost()) throw_lease_lost(e.what());
      throw;
    } catch (...) {
      stop_saving();
      if (transactional_) abandon_transaction();
      throw;
    }
  }

  /// A snapshot of the counters, readable from any thread while it runs.
  using router_core::stats;

 private:
  static void save_to(void* store, const checkpoint& c) { static_cast<StateStore*>(store)->save(c); }

  void run_term(const std::stop_token& stop, bool& running) {
    check_lease_at_start();
    if constexpr (transactional_dispatcher<Dispatcher>) transactional_ = static_cast<bool>(dispatcher_.transactional());
    // Where to resume; anything but a transient failure stops the router.
    auto start = retry_transient(
        stop,
        [](void* s) -> std::optional<checkpoint> { return static_cast<StateStore*>(s)->load(); },
        const_cast<std::remove_cv_t<StateStore>*>(std::addressof(store_)));
    if (stop.stop_requested()) return;
    adopt_stored(start);
    if constexpr (transactional_dispatcher<Dispatcher>) {
      if (transactional_) {
        // Kafka is the authority; the store's copy is the mirror (or, before
        // the first commit in this mode, where at least once left off). Its
        // committed checkpoint also fences older instances.
        auto committed = retry_transient(
            stop,
            [](void* d) -> std::optional<checkpoint> { return static_cast<Dispatcher*>(d)->committed_checkpoint(); },
            const_cast<std::remove_cv_t<Dispatcher>*>(std::addressof(dispatcher_)));
        if (stop.stop_requested()) return;
        adopt_committed(start, std::move(committed));
      }
    }
    begin_at(start);
    source_.open(start);
    if constexpr (start_reporting_source<Source>) {
      // First run: save where the source opened before reading anything, so a
      // restart resumes there even when nothing was published meanwhile.
      if (!start) {
        if (auto first = source_.opened_at(); first && !first->empty()) {
          tracker_.start(*first);
          if (transactional_)  // a transaction of the checkpoint alone; mirrored once the saving thread runs
            commit_transaction(*first);
          else
            save_first(*first, stop);
          if (stop.stop_requested()) return;
        }
      }
    }
    start_saving();
    running = true;
    loop(stop);
    finish();
  }

  void loop(const std::stop_token& stop) {
    auto next_save = steady::now() + opt_.checkpoint_interval;
    unsigned since_poll = 0;
    while (!stop.stop_requested()) {
      if (++since_poll >= 64 || over_bounds()) {
        since_poll = 0;
        serve_acks(std::chrono::milliseconds(0));
        // Backpressure: stop reading until the dispatcher catches up.
        while (over_bounds() && !stop.stop_requested()) {
          serve_acks(opt_.idle_wait);
          maybe_save(next_save);
          check_gate();
        }
        if (stop.stop_requested()) break;
      }
      // While messages are in flight an idle source is left every few
      // milliseconds to serve acknowledgements (they move the checkpoint),
      // and only then: waking more often costs a core's share at low rates.
      auto ev = source_.next(tracker_.in_flight() ? std::min(opt_.idle_wait, ack_wait) : opt_.idle_wait);
      if (!ev) check_gate();
      if (ev) {
        bump(events_, std::uint64_t{1});
        handle(*ev);
        if (transactional_) maybe_commit(since_poll % 16 == 0);
        if (since_poll % 16 == 0) maybe_save(next_save);  // reading the clock per event costs more than the event
      } else {
        serve_acks(std::chrono::milliseconds(0));
        if (transactional_) maybe_commit(true);
        maybe_save(next_save);
      }
    }
  }

  // The transaction being read is not counted against max_pending_transactions:
  // it cannot finish before more of it is read, so counting it could stall reading for good.
  [[nodiscard]] bool over_bounds() const noexcept {
    return tracker_.records() >= opt_.max_in_flight_messages ||
           tracker_.in_flight_bytes() >= opt_.max_in_flight_bytes ||
           tracker_.pending_transactions() - (tracker_.transaction_open() ? 1 : 0) >= opt_.max_pending_transactions;
  }

  void publish_in_flight() {
    in_flight_.store(tracker_.in_flight(), std::memory_order_relaxed);
    in_flight_bytes_.store(tracker_.in_flight_bytes(), std::memory_order_relaxed);
    pending_txns_.store(tracker_.pending_transactions(), std::memory_order_relaxed);
    const auto bytes = tracker_.memory_bytes();
    tracker_bytes_.store(bytes, std::memory_order_relaxed);
    if (bytes > tracker_peak_bytes_.load(std::memory_order_relaxed))
      tracker_peak_bytes_.store(bytes, std::memory_order_relaxed);
  }

  void handle(change_event& ev) {
    if (auto* row = std::get_if<row_change>(&ev)) {
      bump(rows_, std::uint64_t{1});
      if (skip_rows_ > 0) {  // published before the checkpoint this run resumed at
        --skip_rows_;
        bump(rows_skipped_, std::uint64_t{1});
        tracker_.end_row();
        return;
      }
      out_.clear();
      try {
        // The row is not read again but for its table and position: a mapper
        // that takes rows by rvalue may move their values into its messages.
        if constexpr (row_consuming_mapper<Mapper>)
          mapper_.map(std::move(*row), tx_, out_);
        else
          mapper_.map(*row, tx_, out_);
      } catch (const std::exception& e) {
        mapping_failed(*row, e);
      }
      if (!out_.empty()) {
        check_gate();
        if (transactional_) open_transaction(out_.size());
      }
      for (auto& m : out_) {
        const auto token = tracker_.add_message(m.size_bytes(), *row);
        dispatcher_.send(std::move(m), token);
      }
      tracker_.end_row();
      bump(sent_, std::uint64_t{out_.size()});
      publish_in_flight();
    } else if (auto* b = std::get_if<begin_event>(&ev)) {
      if (resume_inside_) resume_inside(*b);
      tracker_.begin(*b);
      tx_.gtid = std::move(b->gtid);
      tx_.begin = std::move(b->position);
      tx_.timestamp = b->timestamp;
    } else if (auto* c = std::get_if<commit_event>(&ev)) {
      if (skip_rows_ > 0) fewer_rows_than_checkpoint(*c);
      bump(transactions_, std::uint64_t{1});
      last_commit_.store(c->timestamp.time_since_epoch().count(), std::memory_order_relaxed);
      read_position_dirty_ = c->after.position;
      tracker_.commit(std::move(c->after));
      publish_in_flight();
    }
  }

  void serve_acks(std::chrono::milliseconds wait) {
    reports_.clear();
    dispatcher_.poll(reports_, wait);
    if (reports_.empty()) return;
    const delivery* failure = nullptr;
    std::uint64_t ok = 0;
    for (const auto& r : reports_) {
      if (r.ok()) {
        tracker_.acknowledge(r.token);
        ++ok;
      } else if (!failure) {
        failure = &r;
      }
    }
    bump(acked_, ok);
    publish_in_flight();
    if (failure) delivery_failed(*failure);
  }

  // ---- transactional dispatcher ----

  // Before the first message of a transaction goes to the dispatcher.
  void open_transaction(std::size_t messages) {
    if constexpr (transactional_dispatcher<Dispatcher>) {
      if (!txn_open_) {
        dispatcher_.begin_transaction();
        txn_open_ = true;
        txn_began_ = steady::now();
        txn_messages_ = 0;
      }
      txn_messages_ += messages;
    }
    (void)messages;
  }

  void maybe_commit(bool check_clock) {
    if (commit_due(check_clock)) commit_now(false);
  }

  // Every message of the transaction acknowledged (written), the checkpoint
  // after them is committed with them. At a stop, a flush that does not
  // finish in time aborts instead: the next start sends those again.
  void commit_now(bool stopping) {
    if (!dispatcher_.flush(opt_.flush_timeout)) {
      if (stopping) {
        abandon_transaction();
        return;
      }
      flush_timed_out();
    }
    do serve_acks(std::chrono::milliseconds(0));
    while (!reports_.empty());
    if (const auto c = tracker_.resume_point(); c && (txn_open_ || c != committed_)) commit_transaction(*c);
  }

  void commit_transaction(const checkpoint& c) {
    if constexpr (transactional_dispatcher<Dispatcher>) {
      if (lease_lost()) not_committed_lease_lost(c);  // an open transaction is aborted (run's handler)
      if (!txn_open_) dispatcher_.begin_transaction();
      txn_open_ = true;
      try {
        dispatcher_.commit_transaction(c);
      } catch (const error& e) {
        txn_open_ = false;  // aborted by the dispatcher, or fenced
        bump(aborts_, std::uint64_t{1});
        commit_aborted(e);
      }
      committed_transaction(c);
    }
    (void)c;
  }

  // After a failure: the open transaction is aborted, so none of it becomes visible.
  void abandon_transaction() noexcept {
    if constexpr (transactional_dispatcher<Dispatcher>) {
      if (!txn_open_) return;
      txn_open_ = false;
      bump(aborts_, std::uint64_t{1});
      try {
        dispatcher_.abort_transaction();
      } catch (...) {  // fenced or gone: the coordinator aborts it anyway
      }
    }
  }

  // Graceful stop: deliver what is in flight, then save.
  void finish() {
    if (transactional_) {
      commit_now(true);
    } else {
      if (!dispatcher_.flush(opt_.flush_timeout)) {
        // Not everything was delivered in time; what was is still committable.
        serve_acks(std::chrono::milliseconds(0));
      }
      do serve_acks(std::chrono::milliseconds(0));
      while (!reports_.empty());
    }
    final_save();
  }

  // After a failure: keep whatever was acknowledged, never more.
  void salvage() noexcept {
    if (!may_salvage()) return;  // the store refused, or the checkpoint must stay as found
    try {
      reports_.clear();
      dispatcher_.poll(reports_, std::chrono::milliseconds(0));
      salvage_acknowledged();
    } catch (...) {  // the original error is what the caller needs to see
    }
  }

  Source& source_;
  Dispatcher& dispatcher_;
  StateStore& store_;
  Mapper& mapper_;
};

}  // namespace tor

#ifdef TOR_HEADER_ONLY
#include <tor/core/impl/router.ipp>
#endif
