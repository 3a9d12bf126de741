// Definitions for tor/kafka/detail/checkpoint_topic.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <tor/state/checkpoint_json.hpp>
#include <tor/kafka/detail/checkpoint_topic.hpp>

namespace tor::kafka::detail {

TOR_DECL std::vector<std::pair<std::string, std::string>> reader_properties(const config& c) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto shared = [](std::string_view name) {
    for (std::string_view prefix : {"bootstrap.servers", "client.id", "security.", "ssl.", "sasl.",
                                    "enable.ssl.", "socket.", "broker.", "reconnect.", "test.mock."})
      if (name.substr(0, prefix.size()) == prefix) return true;
    return false;
  };
  for (auto& [k, v] : producer_properties(c))
    if (shared(k)) out.emplace_back(k, v);
  out.emplace_back("isolation.level", "read_committed");
  out.emplace_back("enable.partition.eof", "true");
  out.emplace_back("enable.auto.commit", "false");
  out.emplace_back("group.id", "tor-checkpoint-reader");
  return out;
}

TOR_DECL std::optional<checkpoint> read_committed_checkpoint(const config& c, const std::string& topic, int partitions,
                                                             const std::string& key,
                                                             std::chrono::milliseconds timeout) {
  char errstr[512] = {};
  conf_handle conf{rd_kafka_conf_new()};
  for (const auto& [k, v] : reader_properties(c))
    if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
      throw error(error_kind::invalid_argument,
                  "kafka: checkpoint reader property " + k + "=" + v + " rejected by librdkafka: " + errstr);
  // librdkafka's own lines from this short-lived reader are not wanted in the log.
  rd_kafka_conf_set_log_cb(conf.get(), [](const rd_kafka_t*, int, const char*, const char*) {});
  client_handle rk{rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr, sizeof errstr)};
  if (!rk) throw error(error_kind::invalid_argument, std::string("kafka: cannot create the checkpoint reader: ") + errstr);
  (void)conf.release();
  rd_kafka_poll_set_consumer(rk.get());
  partition_list_handle list{rd_kafka_topic_partition_list_new(partitions)};
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  if (auto err = rd_kafka_assign(rk.get(), list.get()))
    throw error(error_kind::transient, "kafka: cannot read checkpoint topic '" + topic + "': " + rd_kafka_err2str(err));

  const std::string where = "Kafka topic '" + topic + "' key '" + key + "'";
  std::optional<std::string> last;
  std::vector<bool> at_end(static_cast<std::size_t>(partitions), false);
  int ended = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (ended < partitions) {
    if (std::chrono::steady_clock::now() >= deadline) {
      rd_kafka_consumer_close(rk.get());
      throw error(error_kind::transient, "kafka: could not read " + where + " to its end within " +
                                             std::to_string(timeout.count()) + " ms (is the broker reachable?)");
    }
    message_handle m{rd_kafka_consumer_poll(rk.get(), 100)};
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (m->partition >= 0 && m->partition < partitions && !at_end[static_cast<std::size_t>(m->partition)]) {
        at_end[static_cast<std::size_t>(m->partition)] = true;
        ++ended;
      }
      continue;
    }
    if (m->err) {
      const std::string why = rd_kafka_message_errstr(m.get());
      rd_kafka_consumer_close(rk.get());
      throw error(error_kind::transient, "kafka: reading " + where + " failed: " + why);
    }
    if (!m->key || std::string_view(static_cast<const char*>(m->key), m->key_len) != key) continue;
    if (m->payload) last.emplace(static_cast<const char*>(m->payload), m->len);
    else last.reset();  // a tombstone: the checkpoint was deleted
  }
  rd_kafka_consumer_close(rk.get());
  if (!last) return std::nullopt;
  return decode_checkpoint_json(*last, where).state;
}

}  // namespace tor::kafka::detail
