// Helpers for the Kafka dispatcher tests: an in-process librdkafka mock
// cluster, a consumer that reads a topic back from the beginning (so tests
// check what the broker stored, not what the producer believed), the real
// broker's address from the environment, and unique topic names.
#pragma once

#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <tor/core/message.hpp>
#include <tor/kafka/detail/handles.hpp>

namespace tor::kafka::test {

using namespace std::chrono_literals;

/// A name no other test (or earlier run) uses.
inline std::string unique_topic(const std::string& base) {
  static int n = 0;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return "tor-test-" + base + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count() % 100000000) + "-" +
         std::to_string(++n);
}

/// The real broker started by scripts/servers.sh (through scripts/test.sh).
inline std::string real_brokers() {
  const char* b = std::getenv("TOR_KAFKA_BROKERS");
  if (!b || !*b)
    FAIL("TOR_KAFKA_BROKERS is not set: run the kafka tests through scripts/test.sh, or start a broker with "
         "scripts/servers.sh start kafka and eval \"$(scripts/servers.sh env)\" first");
  return b;
}

/// An in-process mock Kafka cluster (librdkafka's rdkafka_mock).
class mock_cluster {
 public:
  explicit mock_cluster(int brokers = 3) {
    char errstr[256];
    detail::conf_handle conf{rd_kafka_conf_new()};
    rd_kafka_conf_set(conf.get(), "log_level", "0", errstr, sizeof errstr);
    host_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr));
    if (!host_) throw std::runtime_error(errstr);
    (void)conf.release();
    cluster_ = rd_kafka_mock_cluster_new(host_.get(), brokers);
    if (!cluster_) throw std::runtime_error("rd_kafka_mock_cluster_new failed");
  }
  mock_cluster(const mock_cluster&) = delete;
  mock_cluster& operator=(const mock_cluster&) = delete;
  ~mock_cluster() {
    if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
  }

  [[nodiscard]] std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }
  [[nodiscard]] rd_kafka_mock_cluster_t* get() const noexcept { return cluster_; }

  void create_topic(const std::string& topic, int partitions, int replication = 3) {
    REQUIRE(rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, replication) ==
            RD_KAFKA_RESP_ERR_NO_ERROR);
  }

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

  [[nodiscard]] const std::string* find_header(const std::string& name) const {
    for (const auto& h : headers)
      if (h.name == name) return &h.value;
    return nullptr;
  }
};

/// Reads `topic` (all `partitions`) from the beginning until `expected`
/// records arrived or `timeout` passed; returns what it read, in per-partition
/// offset order.
inline std::vector<record> read_topic(const std::string& brokers, const std::string& topic, int partitions,
                                      std::size_t expected, std::chrono::milliseconds timeout = 60s) {
  char errstr[512];
  detail::conf_handle conf{rd_kafka_conf_new()};
  for (auto [k, v] : {std::pair{"bootstrap.servers", brokers.c_str()},
                      {"group.id", "tor-test-reader"},
                      {"enable.auto.commit", "false"},
                      {"log_level", "3"},
                      {"fetch.wait.max.ms", "50"}})
    REQUIRE(rd_kafka_conf_set(conf.get(), k, v, errstr, sizeof errstr) == RD_KAFKA_CONF_OK);
  detail::client_handle rk{rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr, sizeof errstr)};
  REQUIRE(rk);
  (void)conf.release();
  rd_kafka_poll_set_consumer(rk.get());
  detail::partition_list_handle list{rd_kafka_topic_partition_list_new(partitions)};
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  REQUIRE(rd_kafka_assign(rk.get(), list.get()) == RD_KAFKA_RESP_ERR_NO_ERROR);

  std::vector<record> out;
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (out.size() < expected && std::chrono::steady_clock::now() < end) {
    detail::message_handle m{rd_kafka_consumer_poll(rk.get(), 200)};
    if (!m) continue;
    if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      FAIL("consumer error on " << topic << ": " << rd_kafka_message_errstr(m.get()));
    }
    record r;
    r.partition = m->partition;
    r.offset = m->offset;
    if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len), r.has_key = true;
    if (m->payload) r.value.emplace(static_cast<const char*>(m->payload), m->len);
    rd_kafka_timestamp_type_t type{};
    r.timestamp_ms = rd_kafka_message_timestamp(m.get(), &type);
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m.get(), &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name;
      const void* val;
      std::size_t size;
      for (std::size_t i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &val, &size); ++i)
        r.headers.push_back({name, val ? std::string(static_cast<const char*>(val), size) : std::string()});
    }
    out.push_back(std::move(r));
  }
  // A short extra read catches records beyond `expected` (duplicates).
  for (int i = 0; i < 3; ++i) {
    detail::message_handle m{rd_kafka_consumer_poll(rk.get(), 100)};
    if (m && !m->err) {
      record r;
      r.partition = m->partition;
      r.offset = m->offset;
      if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len), r.has_key = true;
      if (m->payload) r.value.emplace(static_cast<const char*>(m->payload), m->len);
      out.push_back(std::move(r));
    }
  }
  rd_kafka_consumer_close(rk.get());
  return out;
}

/// Partition counts per topic as the cluster reports them (independently of
/// the dispatcher).
inline std::map<std::string, int> cluster_topics(const std::string& brokers) {
  char errstr[512];
  detail::conf_handle conf{rd_kafka_conf_new()};
  REQUIRE(rd_kafka_conf_set(conf.get(), "bootstrap.servers", brokers.c_str(), errstr, sizeof errstr) ==
          RD_KAFKA_CONF_OK);
  detail::client_handle rk{rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr)};
  REQUIRE(rk);
  (void)conf.release();
  const rd_kafka_metadata_t* raw = nullptr;
  REQUIRE(rd_kafka_metadata(rk.get(), 1, nullptr, &raw, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  detail::metadata_handle md{raw};
  std::map<std::string, int> out;
  for (int i = 0; i < md->topic_cnt; ++i)
    if (!md->topics[i].err) out[md->topics[i].topic] = md->topics[i].partition_cnt;
  return out;
}

/// A message as the tests send it: key, a value saying which message of its
/// key it is, Tor's binlog headers.
inline message make_message(const std::string& topic, const std::string& key, std::uint64_t n,
                            std::size_t value_size = 32) {
  message m;
  m.topic = topic;
  m.key = key;
  std::string v = key + "#" + std::to_string(n) + "|";
  if (v.size() < value_size) v.resize(value_size, 'x');
  m.value = std::move(v);
  m.headers = {{std::string(headers::id), "event-" + std::to_string(n)},
               {std::string(headers::binlog_file), "mysql-bin.000007"},
               {std::string(headers::binlog_pos), std::to_string(1000 + n) + "/0"}};
  m.timestamp = std::chrono::system_clock::now();
  return m;
}

/// Sequence number of a value made by make_message.
inline std::uint64_t sequence_of(const std::string& value) {
  const auto hash = value.find('#');
  const auto bar = value.find('|');
  return std::stoull(value.substr(hash + 1, bar - hash - 1));
}

}  // namespace tor::kafka::test
