// Text for the dispatcher's errors and log lines: a readable rendering of a
// message key, the binlog position carried in a message's headers, and for
// each librdkafka error whether it is the message's own fault (a poison
// message) and what the operator can do about it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <librdkafka/rdkafka.h>

#include <tor/core/detail/config.hpp>

namespace tor::kafka::detail {

/// A key as it can be quoted in an error: printable ASCII in quotes
/// (truncated after 64 bytes), anything else as hex.
TOR_DECL std::string describe_key(std::string_view key);

/// "mysql-bin.000003:1234/2" from the tor.binlog.file / tor.binlog.pos
/// headers, or a note that the message carries none.
TOR_DECL std::string describe_position(const std::string* file, const std::string* pos);

/// Failures caused by the message itself, which the poison-message policy
/// handles. Everything else stops the router whatever the policy.
TOR_DECL bool is_poison(rd_kafka_resp_err_t err) noexcept;

/// What an operator can do about a failure, or empty.
TOR_DECL std::string_view hint(rd_kafka_resp_err_t err) noexcept;

TOR_DECL std::string describe_error(rd_kafka_resp_err_t err);

}  // namespace tor::kafka::detail

#ifdef TOR_HEADER_ONLY
#include <tor/kafka/detail/impl/describe.ipp>
#endif
