// The router's options and its counters' snapshot, apart from the router
// itself: code that configures or reports on a router (a configuration
// loader, a metrics endpoint) includes this, not the router template.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <type_traits>

#include <tor/core/checkpoint.hpp>
#include <tor/core/error.hpp>
#include <tor/core/event.hpp>
#include <tor/core/lease.hpp>
#include <tor/core/options.hpp>
#include <tor/core/position.hpp>

namespace tor {

struct router_options {
  /// Backpressure: reading pauses while this many messages, or bytes, are
  /// unacknowledged. Each is held by the dispatcher until acknowledged (with
  /// librdkafka about 1 KB a 256-byte message with Tor's headers), so these
  /// bound the memory catching up takes; 5,000 is 20 ms of messages at
  /// 250 k a second, more than a local broker's round trip with linger 5 ms.
  /// The message count also covers acknowledged messages behind an
  /// unacknowledged one (the tracker keeps their records).
  std::size_t max_in_flight_messages = 5'000;
  std::size_t max_in_flight_bytes = 16u << 20;
  /// Backpressure: reading pauses while this many transactions are read but
  /// not yet committable (one stuck message keeps every later one). With the
  /// message bound it caps the checkpoint tracker's memory (router_stats::tracker_bytes).
  std::size_t max_pending_transactions = 10'000;
  /// How often the committable checkpoint is saved while running (with a
  /// transactional dispatcher: how long a transaction stays open at most,
  /// up to the next binlog-transaction boundary).
  std::chrono::milliseconds checkpoint_interval{1000};
  /// Transactional dispatcher only: a transaction is committed at the first
  /// binlog-transaction boundary once it holds this many messages (or
  /// checkpoint_interval passed), and inside a binlog transaction at twice
  /// either. Bigger amortizes the commit's round trips; smaller shortens
  /// what an abort re-sends and how long read-committed consumers wait.
  std::size_t max_transaction_messages = 10'000;
  /// Longest wait for the source or the dispatcher; bounds how long a stop request waits.
  std::chrono::milliseconds idle_wait{100};
  /// Graceful stop: how long the dispatcher may take to deliver what is in flight.
  std::chrono::milliseconds flush_timeout{30'000};
  /// Graceful stop: how long transient state-store failures are retried for the final save.
  std::chrono::milliseconds final_save_timeout{10'000};
  /// Called after each successful save, from the thread that saved (the
  /// router's saving thread while running, the router thread for the final
  /// save); never from two threads at once.
  std::function<void(const checkpoint&)> on_saved;
  /// Called when a save fails transiently; the router goes on publishing and
  /// retries after `checkpoint_interval`. Same thread rules as on_saved.
  std::function<void(const error&)> on_save_failed;
  /// Hot standby: when set, the router hands messages to the dispatcher only
  /// while this gate is open, checking it before each row's messages and
  /// whenever it waits, and saves or commits a checkpoint only while it is
  /// open; once it is shut the router stops with error_kind::fenced, without
  /// its final save, whatever error ended the run (see run() and
  /// tor/core/lease_keeper.hpp). Must outlive the router.
  const publish_gate* gate = nullptr;
};

/// The options a configuration file sets (the callbacks and the gate are the program's).
constexpr auto options_of(std::type_identity<router_options>) {
  using options::opt;
  using o = router_options;
  return options::describe(
      opt("max_in_flight_messages", &o::max_in_flight_messages,
          "Reading pauses while this many messages are unacknowledged (backpressure). Each is held in memory until "
          "Kafka acknowledges it (about 1 KB for a 256-byte payload), so this bounds the memory catching up takes."),
      opt("max_in_flight_bytes", &o::max_in_flight_bytes,
          "Reading pauses while this many bytes of messages are unacknowledged.", options::bytes),
      opt("max_pending_transactions", &o::max_pending_transactions,
          "Reading pauses while this many read transactions wait for an earlier message's acknowledgement (bounds "
          "memory behind a stuck message)."),
      opt("checkpoint_interval", &o::checkpoint_interval,
          "How often the checkpoint is saved while running (and at every stop)."),
      opt("max_transaction_messages", &o::max_transaction_messages,
          "With a transactional (exactly-once) dispatcher: a Kafka transaction is committed at the first binlog "
          "transaction boundary once it holds this many messages (or `checkpoint_interval` passed)."),
      opt("flush_timeout", &o::flush_timeout, "At a stop, how long Kafka may take to acknowledge what is in flight."),
      opt("final_save_timeout", &o::final_save_timeout, "At a stop, how long a failing checkpoint save is retried."),
      opt("idle_wait", &o::idle_wait,
          "Longest wait for the source or Kafka in one step; bounds how fast a stop is noticed."));
}
constexpr auto set_in_code(std::type_identity<router_options>) {
  using o = router_options;
  return options::members(&o::on_saved, &o::on_save_failed, &o::gate);
}

/// A snapshot of the router's counters, readable from any thread while it runs.
struct router_stats {
  std::uint64_t events_read = 0;
  std::uint64_t transactions = 0;
  std::uint64_t rows = 0;
  std::uint64_t rows_skipped = 0;  ///< rows re-read after a resume inside a transaction and not published again
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_acknowledged = 0;
  std::uint64_t messages_failed = 0;
  std::uint64_t save_failures = 0;  ///< failed saves since the last successful one
  std::uint64_t commits = 0;        ///< transactions committed with their checkpoint (transactional dispatcher)
  /// transactions aborted, none of their messages visible: a commit that failed, or an open
  /// transaction given up after a failure or at a stop that could not flush (transactional dispatcher)
  std::uint64_t aborts = 0;
  std::size_t in_flight_messages = 0;
  std::size_t in_flight_bytes = 0;
  std::size_t pending_transactions = 0;  ///< read, not yet committable
  std::size_t tracker_bytes = 0;         ///< memory the checkpoint tracker's records take now
  std::size_t tracker_peak_bytes = 0;    ///< the most it took since run() began
  std::optional<checkpoint> last_saved;
  clock::time_point last_saved_at{};      ///< epoch when nothing was saved yet
  clock::time_point last_commit_time{};   ///< source commit time of the last transaction read
  binlog_position read_position;          ///< just after the last transaction read
};

}  // namespace tor
