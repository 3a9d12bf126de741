// Helpers for the Kafka dispatcher tests: an in-process librdkafka mock
// cluster, a consumer that reads a topic back from the beginning (so tests
// check what the broker stored, not what the producer believed), the real
// broker's address from the environment, and unique topic names. Compiled
// once, in support.cpp.
#pragma once

#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <tor/core/message.hpp>
#include <tor/kafka/detail/handles.hpp>
#include <tor/kafka/dispatcher.hpp>

namespace tor::kafka::test {

using namespace std::chrono_literals;

/// A name no other test (or earlier run) uses.
std::string unique_topic(const std::string& base);

/// The real broker started by scripts/servers.sh (through scripts/test.sh).
std::string real_brokers();

/// An in-process mock Kafka cluster (librdkafka's rdkafka_mock).
class mock_cluster {
 public:
  explicit mock_cluster(int brokers = 3);
  mock_cluster(const mock_cluster&) = delete;
  mock_cluster& operator=(const mock_cluster&) = delete;
  ~mock_cluster();

  [[nodiscard]] std::string bootstraps() const;
  [[nodiscard]] rd_kafka_mock_cluster_t* get() const noexcept { return cluster_; }

  void create_topic(const std::string& topic, int partitions, int replication = 3);

 private:
  detail::client_handle host_;  // the mock cluster's bookkeeping instance; outlives the cluster
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

/// Kafka protocol ApiKey of ProduceRequest.
inline constexpr std::int16_t produce_api = 0;

struct record {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key;
  bool has_key = false;
  std::optional<std::string> value;
  std::vector<header> headers;
  std::int64_t timestamp_ms = 0;

  [[nodiscard]] const std::string* find_header(const std::string& name) const;
};

/// Reads `topic` (all `partitions`) from the beginning until `expected`
/// records arrived or `timeout` passed; returns what it read, in per-partition
/// offset order.
std::vector<record> read_topic(const std::string& brokers, const std::string& topic, int partitions,
                               std::size_t expected, std::chrono::milliseconds timeout = 60s);

/// Partition counts per topic as the cluster reports them (independently of
/// the dispatcher).
std::map<std::string, int> cluster_topics(const std::string& brokers);

/// A message as the tests send it: key, a value saying which message of its
/// key it is, Tor's binlog headers.
message make_message(const std::string& topic, const std::string& key, std::uint64_t n, std::size_t value_size = 32);

/// Sequence number of a value made by make_message.
std::uint64_t sequence_of(const std::string& value);

// --- the mock-cluster tests (mock_*_test.cpp) ----------------------------------

/// A dispatcher's configuration for the mock cluster, with quick retries.
config mock_config(const mock_cluster& mc);

/// Polls until `count` reports arrived (or 30 s passed).
std::vector<delivery> collect(dispatcher& d, std::size_t count, std::vector<delivery> reports = {});

/// Every token 1..n acknowledged exactly once.
void require_all_acknowledged(const std::vector<delivery>& reports, std::uint64_t n);

/// Per key, the stored records carry sequence numbers 0, 1, 2, ... in offset
/// order, each exactly once, in a single partition.
void require_key_order(const std::vector<record>& records, const std::map<std::string, std::uint64_t>& sent_per_key);

// --- the real-broker tests (broker_*_test.cpp) ---------------------------------

/// The real broker's configuration.
config broker_config();

/// Creates topics through the dispatcher's own start-up check.
std::map<std::string, int> create_topics(const std::set<std::string>& topics, int partitions,
                                         std::map<std::string, std::string> configs = {});

/// Reports by token, each token once.
std::map<std::uint64_t, delivery> by_token(const std::vector<delivery>& reports);

// --- exactly-once mode (transactions*_test.cpp) --------------------------------

/// A transactional dispatcher's configuration on the real broker.
config eo_config(const std::string& id, const std::string& checkpoint_topic);

/// Creates one topic on the real broker.
void create_topic(const std::string& topic, int partitions, std::map<std::string, std::string> configs = {});

/// What a consumer with isolation.level=read_committed reads from `topic`
/// up to its end (the last stable offset), partition by partition.
std::vector<record> read_committed(const std::string& topic, int partitions);

/// A topic config as the broker describes it.
std::string topic_config(const std::string& topic, const std::string& name);

}  // namespace tor::kafka::test
