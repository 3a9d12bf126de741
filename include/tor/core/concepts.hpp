// The four policies of tor::router, as concepts built from small named
// requirements, so a failed check names the missing piece.
//
// Each concept is documented Hana-style: the minimal complete definition (what
// a model provides), the laws it keeps (what the generic laws tests in
// tests/unit/laws check against every model), and the models Tor ships.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <tor/core/checkpoint.hpp>
#include <tor/core/event.hpp>
#include <tor/core/message.hpp>

namespace tor {

// ---------------------------------------------------------------------------
// source
// ---------------------------------------------------------------------------

/// The source can be opened after a checkpoint: `s.open(std::optional<checkpoint>)`.
/// With nullopt it starts where it is configured to (e.g. the end of the binlog).
template <class S>
concept resumable_source = requires(S& s, const std::optional<checkpoint>& from) { s.open(from); };

/// The source yields events: `s.next(std::chrono::milliseconds)` returns the
/// next change event, or nullopt when none arrived within that time.
template <class S>
concept change_event_stream = requires(S& s, std::chrono::milliseconds wait) {
  { s.next(wait) } -> std::same_as<std::optional<change_event>>;
};

/// **source** — a stream of change events in binlog order.
///
/// Minimal complete definition: `open(const std::optional<checkpoint>&)` and
/// `next(std::chrono::milliseconds) -> std::optional<change_event>`. Errors
/// are thrown as tor::error.
///
/// Laws:
/// 1. Framing: events come as begin, zero or more row changes, commit. A
///    heartbeat may come only between transactions.
/// 2. Commit checkpoints strictly increase, and each is the position just
///    after that transaction's commit.
/// 3. Replay: opening at the checkpoint of transaction T's commit yields
///    exactly the transactions after T, in the same order with the same rows.
///    Opening at a checkpoint inside transaction T (its begin position, the
///    GTID set before it, `skip_rows` > 0) yields T again from its begin, with
///    the same rows in the same order, then the transactions after it; the
///    router skips the rows the checkpoint counts.
/// 4. Liveness: `next(w)` returns within about `w` even when nothing happens.
///
/// Models: tor::mysql::binlog_source, tor::testing::memory_source.
template <class S>
concept source = resumable_source<S> && change_event_stream<S>;

/// A source that tells where it opened: `s.opened_at() -> std::optional<checkpoint>`
/// returns, after `open`, the checkpoint its stream starts after — the one it
/// was given, or the configured start (end of the binlog, its beginning, a
/// FILE:OFFSET) resolved in one consistent read of the server. Opening at
/// that checkpoint later yields the same transactions. When no checkpoint
/// was saved yet the router saves this one before reading, so a restart
/// resumes exactly there whatever was committed meanwhile.
///
/// Models: tor::mysql::binlog_source, tor::testing::memory_source.
template <class S>
concept start_reporting_source = source<S> && requires(const S& s) {
  { s.opened_at() } -> std::convertible_to<std::optional<checkpoint>>;
};

// ---------------------------------------------------------------------------
// dispatcher
// ---------------------------------------------------------------------------

/// The dispatcher accepts a message with an opaque token: `d.send(message&&, std::uint64_t)`.
template <class D>
concept message_sender = requires(D& d, message&& m, std::uint64_t token) { d.send(std::move(m), token); };

/// The dispatcher reports deliveries: `d.poll(std::vector<delivery>&, std::chrono::milliseconds)`
/// appends one report per finished message and returns how many it appended,
/// waiting up to the given time when none is ready.
template <class D>
concept delivery_reporter = requires(D& d, std::vector<delivery>& out, std::chrono::milliseconds wait) {
  { d.poll(out, wait) } -> std::convertible_to<std::size_t>;
};

/// The dispatcher can be flushed: `d.flush(std::chrono::milliseconds) -> bool`,
/// true when every message sent so far has finished (its report is then
/// waiting for `poll`).
template <class D>
concept flushable_dispatcher = requires(D& d, std::chrono::milliseconds deadline) {
  { d.flush(deadline) } -> std::convertible_to<bool>;
};

/// **dispatcher** — sends messages asynchronously and reports each outcome.
///
/// Minimal complete definition: `send`, `poll`, `flush` as above.
///
/// Laws:
/// 1. Every message accepted by `send` is reported exactly once through
///    `poll`: acknowledged (empty error) or failed (an error naming topic and key).
/// 2. Reports for messages of the same topic and partition come in the order
///    the messages were sent (which is the order the broker stored them).
/// 3. After `flush` returns true, `poll(out, 0)` returns every outstanding report.
///
/// Models: tor::kafka::dispatcher, tor::testing::memory_dispatcher.
template <class D>
concept dispatcher = message_sender<D> && delivery_reporter<D> && flushable_dispatcher<D>;

/// The dispatcher says whether it runs transactions: `d.transactional() -> bool`.
/// One type may do both (the Kafka dispatcher with or without a transactional id).
template <class D>
concept transaction_mode = requires(const D& d) {
  { d.transactional() } -> std::convertible_to<bool>;
};

/// The dispatcher reads back the checkpoint of its last committed transaction:
/// `d.committed_checkpoint() -> std::optional<checkpoint>`, called once at start.
template <class D>
concept committed_checkpoint_reader = requires(D& d) {
  { d.committed_checkpoint() } -> std::same_as<std::optional<checkpoint>>;
};

/// The dispatcher runs transactions that carry the checkpoint:
/// `d.begin_transaction()`, `d.commit_transaction(const checkpoint&)`, `d.abort_transaction()`.
template <class D>
concept checkpoint_committer = requires(D& d, const checkpoint& c) {
  d.begin_transaction();
  d.commit_transaction(c);
  d.abort_transaction();
};

/// **transactional_dispatcher** — a dispatcher whose messages become visible
/// in transactions, each carrying the checkpoint that covers exactly its
/// messages (Kafka transactions: exactly-once publishing). When the
/// dispatcher is `transactional()`, the router commits the checkpoint through
/// it and the state store becomes a mirror written after each commit;
/// otherwise the router uses it as a plain dispatcher.
///
/// Minimal complete definition: a tor::dispatcher, plus `transactional()`,
/// `committed_checkpoint()`, `begin_transaction()`,
/// `commit_transaction(const checkpoint&)` and `abort_transaction()`.
///
/// Laws (tests/laws/transactional_dispatcher_laws.hpp):
/// 1. Fencing at start: `committed_checkpoint()` fences every older instance
///    with the same transactional identity (its next commit throws
///    error_kind::fenced), aborts its open transaction, and returns the
///    checkpoint of the last committed transaction, or nullopt when none was.
/// 2. Atomic commit: messages sent between `begin_transaction()` and
///    `commit_transaction(c)` are reported as usual (acknowledged: written,
///    not yet visible); a successful commit makes them and c visible together
///    to read-committed readers, in send order per partition. Before it (and
///    after a crash at any point) a reader sees neither.
/// 3. Abort: after `abort_transaction()`, or a commit that threw, none of the
///    transaction's messages becomes visible and the committed checkpoint is
///    the one before.
/// 4. Errors of `commit_transaction` are tor::error: `transient()` means the
///    transaction was aborted (resume from the last committed checkpoint);
///    error_kind::fenced means a newer instance took over (stop); anything
///    else is fatal. The router flushes before committing, so every message
///    of the transaction is reported by then.
///
/// Models: tor::kafka::dispatcher (with a transactional id),
/// tor::testing::memory_dispatcher (with a memory_transaction_board).
template <class D>
concept transactional_dispatcher =
    dispatcher<D> && transaction_mode<D> && committed_checkpoint_reader<D> && checkpoint_committer<D>;

// ---------------------------------------------------------------------------
// state_store
// ---------------------------------------------------------------------------

/// The store loads the saved checkpoint: `s.load() -> std::optional<checkpoint>`.
template <class S>
concept checkpoint_loader = requires(S& s) {
  { s.load() } -> std::same_as<std::optional<checkpoint>>;
};

/// The store saves a checkpoint: `s.save(const checkpoint&)`.
template <class S>
concept checkpoint_saver = requires(S& s, const checkpoint& c) { s.save(c); };

/// **state_store** — keeps one checkpoint.
///
/// Minimal complete definition: `load()` and `save(const checkpoint&)`.
///
/// Laws:
/// 1. Round trip: after `save(c)` returns, `load()` (from this or a new
///    instance over the same storage) returns c.
/// 2. Atomicity: after a crash at any point, `load()` returns the old or the
///    new checkpoint, never a mixture or nothing.
/// 3. Errors: a save that fails throws tor::error; `transient()` errors may be
///    retried, `error_kind::fenced` means another owner took over and the
///    router must stop. Unreadable stored data makes `load()` throw, never
///    return nullopt.
///
/// Models: tor::redis::state_store, tor::file_state_store, tor::testing::memory_state_store.
template <class S>
concept state_store = checkpoint_loader<S> && checkpoint_saver<S>;

// ---------------------------------------------------------------------------
// mapper
// ---------------------------------------------------------------------------

/// The mapper turns a row into messages:
/// `m.map(const row_change&, const transaction_info&, std::vector<message>& out)`
/// appends zero or more messages.
template <class M>
concept row_mapper = requires(M& m, const row_change& row, const transaction_info& tx, std::vector<message>& out) {
  m.map(row, tx, out);
};

/// **mapper** — a pure function of a row change and its transaction to messages.
///
/// Minimal complete definition: `map(row, tx, out)` as above.
///
/// Optionally a model also takes the row by rvalue, `map(row_change&&, tx, out)`,
/// to move values out of the row's images instead of copying them; the
/// router gives each row that way when it can (see row_consuming_mapper).
///
/// Laws:
/// 1. Purity: the same row and transaction give the same messages.
/// 2. Errors are thrown as tor::error naming the table, column and binlog position.
/// 3. Given by rvalue, a row gives the same messages as given by const
///    reference, and the mapper leaves its op, table, position and row_index
///    as they were (the router still reads them); only the values of its
///    images may be moved from.
///
/// Models: tor::outbox_mapper, tor::composed_mapper (see tor::compose), users' own.
template <class M>
concept mapper = row_mapper<M>;

/// A mapper that can be given a row by rvalue: `m.map(std::move(row), tx, out)`
/// compiles. Every mapper taking `const row_change&` qualifies (the rvalue
/// binds to it); one with a `row_change&&` overload may move values out of the
/// row (law 3 above). The router and tor::compose hand rows over this way.
template <class M>
concept row_consuming_mapper =
    mapper<M> && requires(M& m, row_change&& row, const transaction_info& tx, std::vector<message>& out) {
      m.map(std::move(row), tx, out);
    };

}  // namespace tor
