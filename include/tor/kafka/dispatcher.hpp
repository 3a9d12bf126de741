// tor::kafka::dispatcher — the tor::dispatcher policy over librdkafka's
// idempotent producer. It sends each message asynchronously, turns the
// broker's acknowledgements into tor::delivery reports that drive the
// router's checkpoint, waits through transient broker trouble (librdkafka
// retries without loss or reordering until delivery.timeout.ms), reports a
// failure it cannot retry with the topic, key and binlog position, and
// applies the configured poison-message policy. It also checks routed topics
// at start (optionally creating them) and keeps per-topic counters for
// metrics. Use it from one thread: librdkafka's callbacks and log lines are
// all served inside send, poll and flush on that thread.
//
// With config::exactly_once it is a tor::transactional_dispatcher: the
// router sends messages in Kafka transactions and commits each with the
// checkpoint record that covers it (in config::checkpoint_topic, keyed by
// config::checkpoint_key), so read-committed consumers see every row once.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>

#include <tor/core/checkpoint.hpp>
#include <tor/core/concepts.hpp>
#include <tor/core/message.hpp>
#include <tor/kafka/config.hpp>
#include <tor/kafka/detail/producer.hpp>
#include <tor/kafka/detail/topics.hpp>

namespace tor::kafka {

class dispatcher {
 public:
  /// Creates the producer. Throws tor::error (invalid_argument) naming the
  /// setting when the configuration is incomplete, unsafe or rejected by
  /// librdkafka. Connecting happens in the background.
  explicit dispatcher(config cfg) : p_(std::make_unique<detail::producer>(std::move(cfg))) {}

  dispatcher(dispatcher&&) noexcept = default;
  dispatcher& operator=(dispatcher&&) noexcept = default;
  /// Unacknowledged messages are abandoned, not waited for; call flush first
  /// for a graceful stop.
  ~dispatcher() = default;

  /// Queues `m` for its topic (and partition, when set; else by key). The
  /// outcome is reported later by poll() with `token`. When librdkafka's
  /// queue is full, waits here for deliveries to make room (serving
  /// reports meanwhile); nothing is dropped. A message refused on the spot
  /// (e.g. larger than message.max.bytes) is reported through poll() like
  /// any other failure. Throws tor::error only for a message without a usable
  /// topic name, which is then not accepted.
  void send(message&& m, std::uint64_t token) { p_->send(std::move(m), token); }

  /// Appends the reports that are ready, waiting up to `wait` for the first
  /// one; returns how many it appended.
  std::size_t poll(std::vector<delivery>& out, std::chrono::milliseconds wait) { return p_->poll(out, wait); }

  /// Waits until every accepted message has its report ready (then poll(out, 0)
  /// returns them all), or until `deadline` passes; true if everything finished.
  bool flush(std::chrono::milliseconds deadline) { return p_->flush(deadline); }

  /// True with config::exactly_once: the router then commits its checkpoint through this dispatcher.
  [[nodiscard]] bool transactional() const noexcept { return p_->transactional(); }

  /// Exactly once, at start: initializes transactions, which fences every
  /// older producer with the same transactional id and aborts its open
  /// transaction; creates the checkpoint topic (compacted) when missing; and
  /// returns the checkpoint of the last committed transaction, read with
  /// isolation.level=read_committed, or nullopt. Throws tor::error:
  /// transient when the brokers do not answer within topics.timeout.
  std::optional<checkpoint> committed_checkpoint() { return p_->committed_checkpoint(); }

  /// Opens a transaction: messages sent from now on become visible when it commits.
  void begin_transaction() { p_->begin_transaction(); }

  /// Writes `c` into the open transaction and commits it with every message
  /// sent in it. Throws tor::error: transient when the transaction had to be
  /// aborted (resume from the last committed checkpoint); fenced when a newer
  /// producer with the same transactional id took over; dispatch otherwise.
  void commit_transaction(const checkpoint& c) { p_->commit_transaction(c); }

  /// Aborts the open transaction; none of its messages becomes visible.
  void abort_transaction() { p_->abort_transaction(); }

  /// Checks that every topic in `topics` (and the dead-letter topic, with
  /// that policy) exists. Missing topics are created when
  /// config.topics.create_missing is set; otherwise throws tor::error listing
  /// them and saying how to fix it. Also refuses a topic whose
  /// max.message.bytes is below the producer's batch.size: librdkafka does
  /// not split a batch the broker refuses, so ordinary messages would fail.
  /// Returns each topic's partition count. Throws a transient tor::error
  /// when the brokers cannot be reached within config.topics.timeout.
  std::map<std::string, int> check_topics(std::set<std::string> topics) {
    const auto& c = p_->settings();
    if (c.on_poison == poison_policy::dead_letter) topics.insert(c.dead_letter_topic);
    return check_topics(topics, c.topics);
  }

  /// The same for exactly `topics`, with `options` instead of
  /// config.topics: for topics that need their own partition count,
  /// replication or configs.
  std::map<std::string, int> check_topics(const std::set<std::string>& topics, const topic_options& options) {
    const auto& c = p_->settings();
    p_->await_brokers(options.timeout);
    return detail::check_topics(p_->handle(), topics, options, c.brokers, c.log);
  }

  /// Every topic the cluster has, with its partition count (a diagnostic;
  /// creates nothing). Throws a transient tor::error when the brokers cannot
  /// be reached within `timeout`.
  [[nodiscard]] std::map<std::string, int> list_topics(std::chrono::milliseconds timeout) const {
    std::map<std::string, int> out;
    p_->await_brokers(timeout);
    for (const auto& [name, t] : detail::read_topics(p_->handle(), timeout, p_->settings().brokers))
      out.emplace(name, t.partitions);
    return out;
  }

  /// Per-topic counters since construction. Safe to call from another thread.
  [[nodiscard]] std::map<std::string, topic_counts> counts() const { return p_->counts(); }

  /// Messages accepted by send whose report is not ready yet.
  [[nodiscard]] std::size_t outstanding() const noexcept { return p_->outstanding(); }

  /// The idempotent producer's fatal error, once one happened (empty before).
  /// After it every outstanding and later message fails; restart to recover.
  [[nodiscard]] const std::string& fatal_error() const noexcept { return p_->fatal_error(); }

  [[nodiscard]] const config& settings() const noexcept { return p_->settings(); }

  /// The librdkafka client, for what this class does not cover (statistics,
  /// tests that inject faults). Do not poll it yourself: reports would be lost.
  [[nodiscard]] rd_kafka_t* native_handle() const noexcept { return p_->handle(); }

 private:
  std::unique_ptr<detail::producer> p_;
};

static_assert(tor::dispatcher<dispatcher>);
static_assert(tor::transactional_dispatcher<dispatcher>);

}  // namespace tor::kafka
