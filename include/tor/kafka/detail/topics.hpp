// The start-up check of routed topics: read the cluster's metadata, report
// the topics that do not exist, or create them through the Admin API
// (CreateTopics) and wait until every partition has a leader; then make sure
// each topic accepts the producer's largest batch (DescribeConfigs).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <librdkafka/rdkafka.h>

#include <tor/core/detail/config.hpp>

#include <tor/core/error.hpp>
#include <tor/kafka/config.hpp>
#include <tor/kafka/detail/describe.hpp>
#include <tor/kafka/detail/handles.hpp>

namespace tor::kafka::detail {

struct topic_metadata {
  int partitions = 0;
  bool ready = false;  ///< every partition has a leader
};

/// Every topic the cluster knows (all_topics: never triggers auto-creation).
TOR_DECL std::map<std::string, topic_metadata> read_topics(rd_kafka_t* rk, std::chrono::milliseconds timeout,
                                                           const std::string& brokers);

TOR_DECL std::string join(const std::vector<std::string>& names);

TOR_DECL void create_topics(rd_kafka_t* rk, const std::vector<std::string>& names, const topic_options& o);

/// Each topic's max.message.bytes (DescribeConfigs). Throws tor::error
/// when the brokers refuse or do not answer.
TOR_DECL std::map<std::string, std::int64_t> max_message_bytes(rd_kafka_t* rk, const std::set<std::string>& topics,
                                                               std::chrono::milliseconds timeout);

/// librdkafka builds batches up to batch.size bytes and, unlike the Java
/// client, never splits one the broker refuses as too large: every message
/// of it would fail (or, with skip, be dropped). So a topic must accept a
/// whole batch. Throws tor::error naming the topics and the setting to
/// change. When the topic configs cannot be read (no DESCRIBE_CONFIGS
/// permission, an old broker) it only logs a warning: the check is a safety
/// net, not a requirement.
TOR_DECL void check_batch_fits(rd_kafka_t* rk, const std::set<std::string>& topics, std::chrono::milliseconds timeout,
                               const log_sink& log);

/// See dispatcher::check_topics.
TOR_DECL std::map<std::string, int> check_topics(rd_kafka_t* rk, const std::set<std::string>& wanted,
                                                 const topic_options& o, const std::string& brokers,
                                                 const log_sink& log);

}  // namespace tor::kafka::detail

#ifdef TOR_HEADER_ONLY
#include <tor/kafka/detail/impl/topics.ipp>
#endif
