// Exactly-once mode's checkpoint topic: reading back the last committed
// checkpoint record of a key with a read-committed consumer, to the end of
// every partition (for a read-committed consumer the end is the last stable
// offset: what is committed). The record is written by the producer inside
// each transaction (see producer.hpp).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>

#include <tor/core/detail/config.hpp>

#include <tor/core/checkpoint.hpp>
#include <tor/core/error.hpp>
#include <tor/kafka/config.hpp>
#include <tor/kafka/detail/handles.hpp>

namespace tor::kafka::detail {

/// The properties of a consumer that reaches the same brokers as the
/// producer would (address, TLS, SASL; producer-only settings left out).
TOR_DECL std::vector<std::pair<std::string, std::string>> reader_properties(const config& c);

/// The checkpoint of the last committed record with key `key` in `topic`
/// (which has `partitions` partitions), nullopt when there is none (or the
/// last one is a tombstone). Throws tor::error: transient when the end is not
/// reached within `timeout`, state when the record is not a checkpoint.
TOR_DECL std::optional<checkpoint> read_committed_checkpoint(const config& c, const std::string& topic, int partitions,
                                                             const std::string& key,
                                                             std::chrono::milliseconds timeout);

}  // namespace tor::kafka::detail

#ifdef TOR_HEADER_ONLY
#include <tor/kafka/detail/impl/checkpoint_topic.ipp>
#endif
