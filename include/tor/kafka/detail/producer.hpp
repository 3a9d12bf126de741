// The engine behind tor::kafka::dispatcher: one librdkafka producer, the
// bookkeeping that turns its delivery reports into tor::delivery reports in
// a safe order, and the poison-message policy.
//
// Ordering rules kept here, on top of what the idempotent producer gives:
// - after a message fails and stops the router, no later message of the same
//   partition is reported acknowledged (it is reported failed instead), so an
//   acknowledgement never skips a failure;
// - while a poison message's copy is on its way to the dead-letter topic,
//   reports of later messages of its partition are held back, so the
//   original's report still comes first.
// "Later" is the order of send() calls (a sequence number kept per message);
// a message whose partition is not known yet counts as being in every
// partition of its topic.
//
// In exactly-once mode (config::exactly_once) the producer is transactional:
// begin / commit with the checkpoint record / abort, librdkafka's errors
// sorted into retriable (retried here until the timeout), abortable (the
// transaction is aborted; a transient tor::error tells the router to resume
// from the last committed checkpoint) and fatal (fenced by a newer producer
// with the same transactional.id: error_kind::fenced; anything else stops).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>

#include <tor/core/checkpoint.hpp>
#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>
#include <tor/core/message.hpp>
#include <tor/kafka/config.hpp>
#include <tor/kafka/detail/checkpoint_topic.hpp>
#include <tor/kafka/detail/describe.hpp>
#include <tor/kafka/detail/handles.hpp>
#include <tor/kafka/detail/topics.hpp>

namespace tor::kafka {

/// Per-topic counters of the dispatcher, for metrics. `failed` counts
/// failures reported to the router; `skipped` and `dead_lettered` count
/// poison messages reported as delivered under those policies.
struct topic_counts {
  std::uint64_t sent = 0;
  std::uint64_t acknowledged = 0;
  std::uint64_t failed = 0;
  std::uint64_t skipped = 0;
  std::uint64_t dead_lettered = 0;
  friend bool operator==(const topic_counts&, const topic_counts&) = default;
};

}  // namespace tor::kafka

namespace tor::kafka::detail {

struct topic_state {
  explicit topic_state(std::string n) : name(std::move(n)) {}
  std::string name;
  topic_handle rkt;
  // Written by the dispatcher's thread only; atomics so counts() may read
  // them from a metrics thread.
  std::atomic<std::uint64_t> sent{0}, acknowledged{0}, failed{0}, skipped{0}, dead_lettered{0};
};

/// Where a message stands in send order: what "later message of the same
/// partition" is decided on.
struct place {
  topic_state* topic = nullptr;
  std::int32_t partition = RD_KAFKA_PARTITION_UA;  ///< UA: not known (yet)
  std::uint64_t seq = 0;                           ///< send order
};

/// Is `a` a later message than `b` in one of b's partitions?
inline bool follows(const place& a, const place& b) noexcept {
  return a.topic == b.topic && a.seq > b.seq &&
         (a.partition == b.partition || a.partition == RD_KAFKA_PARTITION_UA || b.partition == RD_KAFKA_PARTITION_UA);
}

enum class outcome { acknowledged, skipped, dead_lettered, failed };

struct report {
  delivery d;
  place at;
  outcome how = outcome::acknowledged;
};

/// A message the broker or librdkafka refused for good, with what is needed
/// to describe it and, for the dead-letter policy, to produce it again.
struct refused_message {
  place at;
  std::uint64_t token = 0;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string detail;  ///< librdkafka's own text when richer than the code's
  std::string key;
  std::optional<std::string> value;
  std::vector<header> headers;
  std::int64_t timestamp_ms = 0;

  [[nodiscard]] const std::string* find_header(std::string_view name) const noexcept {
    for (const auto& h : headers)
      if (h.name == name) return &h.value;
    return nullptr;
  }
};

/// One message in librdkafka's hands; its index is the message's opaque.
struct slot {
  std::uint64_t token = 0;
  std::uint64_t seq = 0;
  bool dead_letter = false;  ///< the copy of a poison message, bound for the dead-letter topic
};

class producer {
 public:
  TOR_DECL explicit producer(config cfg);

  producer(const producer&) = delete;
  producer& operator=(const producer&) = delete;

  TOR_DECL ~producer();

  TOR_DECL void send(message&& m, std::uint64_t token);

  TOR_DECL std::size_t poll(std::vector<delivery>& out, std::chrono::milliseconds wait);

  TOR_DECL bool flush(std::chrono::milliseconds deadline);

  [[nodiscard]] TOR_DECL std::map<std::string, topic_counts> counts() const;

  /// Waits until a broker answers, for at most `timeout`; fails at once
  /// when a broker refuses the TLS handshake or the SASL credentials, which
  /// retrying does not fix (invalid_argument, naming the broker and the
  /// reason). Returns quietly on timeout: the caller's request reports it.
  TOR_DECL void await_brokers(std::chrono::milliseconds timeout);

  // ---- transactions (exactly_once) ----

  [[nodiscard]] bool transactional() const noexcept { return cfg_.exactly_once; }

  /// init_transactions (fencing every older producer with this
  /// transactional.id and aborting its open transaction), the checkpoint
  /// topic created compacted when missing, then the last committed record of
  /// this Tor's key read back with a read-committed consumer.
  TOR_DECL std::optional<checkpoint> committed_checkpoint();

  TOR_DECL void begin_transaction();

  /// Writes `c` as the checkpoint record into the open transaction and
  /// commits it (librdkafka flushes what is outstanding first).
  TOR_DECL void commit_transaction(const checkpoint& c);

  /// Aborts the open transaction: none of its messages becomes visible.
  TOR_DECL void abort_transaction();

  /// Messages accepted by send whose report is not ready yet.
  [[nodiscard]] std::size_t outstanding() const noexcept { return outstanding_; }
  [[nodiscard]] const std::string& fatal_error() const noexcept { return fatal_; }
  [[nodiscard]] const config& settings() const noexcept { return cfg_; }
  [[nodiscard]] rd_kafka_t* handle() const noexcept { return rk_.get(); }

 private:
  // ---- librdkafka callbacks (run inside rd_kafka_poll/flush, on our thread) ----

  TOR_DECL static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque);

  TOR_DECL static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  TOR_DECL static void on_log(const rd_kafka_t* rk, int level, const char* facility, const char* text);

  // ---- serving ----

  TOR_DECL void serve(std::chrono::milliseconds wait);

  TOR_DECL void rethrow_callback_error();

  TOR_DECL void log(log_level level, std::string_view facility, std::string_view text) const;

  [[nodiscard]] TOR_DECL std::string security_hint() const;

  TOR_DECL void require_transactional(const char* what) const;

  // Sorts a transaction API error: fatal (fenced or other), abortable
  // (aborted here, then transient when `abortable_is_transient`), or other.
  [[noreturn]] TOR_DECL void transaction_failed(const std::string& what, const rd_kafka_error_t* e, bool abortable_is_transient);

  TOR_DECL void note_fatal();

  TOR_DECL static bool is_fenced(rd_kafka_resp_err_t c) noexcept;

  // Exactly once: a producer fenced by a newer one with the same
  // transactional id stops as fenced, not as failed deliveries.
  TOR_DECL void throw_if_fenced() const;

  // ---- topics and slots ----

  // A message's topic: consecutive messages of one route share its name's
  // buffer, so the common case is a pointer comparison.
  TOR_DECL topic_state& topic(const shared_string& name);

  TOR_DECL topic_state& topic_named(std::string_view view);

  TOR_DECL topic_state* topic_of(const rd_kafka_message_t& m);

  TOR_DECL static void* to_opaque(std::size_t index) noexcept;

  TOR_DECL std::size_t acquire(slot s);

  TOR_DECL slot release(void* opaque);

  // ---- outcomes ----

  TOR_DECL void delivered(const rd_kafka_message_t& m);

  /// A message failed for good: describe it and apply the policy.
  TOR_DECL void refuse(refused_message&& r);

  TOR_DECL std::string describe(const refused_message& r) const;

  /// Route a report: held back behind a pending dead-letter copy, or finished.
  TOR_DECL void settle(report r);

  TOR_DECL void finish(report r);

  TOR_DECL void add_stop(const place& at);

  /// Does a failure precede this message in one of its partitions?
  TOR_DECL bool stopped(const place& at) const;

  TOR_DECL void release_held();

  // ---- dead-letter copies ----

  struct pending_dead_letter {
    refused_message original;
    std::string reason;
    bool produced = false;
  };

  /// Produces the copies of poison messages. Runs after librdkafka's
  /// callbacks, never inside them, and never waits: a full queue leaves the
  /// copy for the next call.
  TOR_DECL void pump_dead_letters();

  TOR_DECL void dead_letter_done(const slot& s, const rd_kafka_message_t& m, topic_state& dlq);

  TOR_DECL std::list<pending_dead_letter>::iterator dead_letter_failed(std::list<pending_dead_letter>::iterator it,
                                                                    const std::string& why);

  // ---- helpers ----

  TOR_DECL static std::int64_t timestamp_ms(std::chrono::system_clock::time_point tp) noexcept;

  TOR_DECL static std::string position_of(const message& m);

  config cfg_;
  client_handle rk_;  // declared before topics_: topic handles are destroyed first
  mutable std::mutex topics_mutex_;  // guards insertions into topics_ against counts()
  std::unordered_map<std::string, std::unique_ptr<topic_state>> topics_;
  topic_state* last_topic_ = nullptr;
  topic_state* sent_topic_ = nullptr;  // what send() last looked up, by sent_name_'s buffer
  shared_string sent_name_;

  std::vector<slot> slots_;
  std::vector<std::size_t> free_;
  std::uint64_t next_seq_ = 0;
  std::size_t outstanding_ = 0;  // accepted by send, report not yet ready

  std::vector<delivery> ready_;
  std::deque<report> held_;
  // The earliest failure per (topic, partition) -- UA: per topic, any
  // partition -- that no later acknowledgement of that partition may skip.
  std::map<std::pair<const topic_state*, std::int32_t>, std::uint64_t> stops_;
  std::list<pending_dead_letter> dead_letters_;
  std::string fatal_;
  bool initialized_ = false;  // init_transactions done
  bool fenced_ = false;       // the fatal error is a fencing by a newer producer
  topic_handle checkpoint_rkt_;  // exactly_once: the checkpoint topic (destroyed before rk_, declared after it)
  std::string security_error_;  // the first TLS or SASL refusal reported by librdkafka
  std::exception_ptr callback_error_;
};

}  // namespace tor::kafka::detail

#ifdef TOR_HEADER_ONLY
#include <tor/kafka/detail/impl/producer.ipp>
#endif
