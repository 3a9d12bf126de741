// Definitions for tor/kafka/detail/describe.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <tor/kafka/detail/describe.hpp>

namespace tor::kafka::detail {

TOR_DECL std::string describe_key(std::string_view key) {
  if (key.empty()) return "(no key)";
  constexpr std::size_t limit = 64;
  bool printable = true;
  for (unsigned char c : key)
    if (c < 0x20 || c > 0x7e) printable = false;
  const auto shown = key.substr(0, limit);
  std::string out;
  if (printable) {
    out = "'" + std::string(shown) + "'";
  } else {
    static constexpr char digits[] = "0123456789abcdef";
    out = "0x";
    for (unsigned char c : shown) {
      out += digits[c >> 4];
      out += digits[c & 0xf];
    }
  }
  if (key.size() > limit) out += "... (" + std::to_string(key.size()) + " bytes)";
  return out;
}

TOR_DECL std::string describe_position(const std::string* file, const std::string* pos) {
  if (!file && !pos) return "binlog position unknown (no tor.binlog.file/tor.binlog.pos headers)";
  return "binlog " + (file ? *file : std::string("?")) + ":" + (pos ? *pos : std::string("?"));
}

TOR_DECL bool is_poison(rd_kafka_resp_err_t err) noexcept {
  switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:  // larger than message.max.bytes (client or topic)
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:     // e.g. no key for a compacted topic
    case RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP:  // outside message.timestamp.*.max.ms
      return true;
    default:
      return false;
  }
}

TOR_DECL std::string_view hint(rd_kafka_resp_err_t err) noexcept {
  switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
      return "raise the topic's max.message.bytes and the producer's message.max.bytes, "
             "or set the poison-message policy to skip or dead_letter";
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
      return "the broker refused the record (a compacted topic needs a key); fix the mapping, "
             "or set the poison-message policy to skip or dead_letter";
    case RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP:
      return "the record timestamp is outside the topic's message.timestamp.*.max.ms window";
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
      return "the topic or partition does not exist: create it, or enable topic creation (topics.create_missing; "
             "kafka.create_topics in the tor service)";
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      return "grant the producer's principal WRITE on the topic (and IDEMPOTENT_WRITE on the cluster for brokers "
             "older than 2.8)";
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
      return "not acknowledged within delivery.timeout.ms: the brokers were unreachable or too slow; "
             "after a restart Tor resumes from its checkpoint";
    case RD_KAFKA_RESP_ERR__FATAL:
      return "the idempotent producer cannot keep its guarantees any more; restart Tor (it resumes from its "
             "checkpoint)";
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
      return "the dispatcher was shut down before the broker answered";
    default:
      return {};
  }
}

TOR_DECL std::string describe_error(rd_kafka_resp_err_t err) {
  return std::string(rd_kafka_err2str(err)) + " [" + rd_kafka_err2name(err) + "]";
}

}  // namespace tor::kafka::detail
