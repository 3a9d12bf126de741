// Owning wrappers for librdkafka's C handles. Every handle the Kafka adapter
// creates is put into one of these on the line it is created, so no early
// return or exception can leak a client, a configuration or a header list.
#pragma once

#include <memory>

#include <librdkafka/rdkafka.h>

namespace tor::kafka::detail {

template <auto Destroy>
struct c_deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    if (p) Destroy(p);
  }
};

/// A client instance (producer or consumer). Destroying it stops its threads.
using client_handle = std::unique_ptr<rd_kafka_t, c_deleter<&rd_kafka_destroy>>;
/// A configuration object, owned until rd_kafka_new() takes it over.
using conf_handle = std::unique_ptr<rd_kafka_conf_t, c_deleter<&rd_kafka_conf_destroy>>;
using topic_conf_handle = std::unique_ptr<rd_kafka_topic_conf_t, c_deleter<&rd_kafka_topic_conf_destroy>>;
/// A topic handle; must be released before the client it belongs to.
using topic_handle = std::unique_ptr<rd_kafka_topic_t, c_deleter<&rd_kafka_topic_destroy>>;
/// A header list, owned until a successful produce hands it to librdkafka.
using headers_handle = std::unique_ptr<rd_kafka_headers_t, c_deleter<&rd_kafka_headers_destroy>>;
using error_handle = std::unique_ptr<rd_kafka_error_t, c_deleter<&rd_kafka_error_destroy>>;
using queue_handle = std::unique_ptr<rd_kafka_queue_t, c_deleter<&rd_kafka_queue_destroy>>;
using event_handle = std::unique_ptr<rd_kafka_event_t, c_deleter<&rd_kafka_event_destroy>>;
using new_topic_handle = std::unique_ptr<rd_kafka_NewTopic_t, c_deleter<&rd_kafka_NewTopic_destroy>>;
using admin_options_handle = std::unique_ptr<rd_kafka_AdminOptions_t, c_deleter<&rd_kafka_AdminOptions_destroy>>;
using config_resource_handle =
    std::unique_ptr<rd_kafka_ConfigResource_t, c_deleter<&rd_kafka_ConfigResource_destroy>>;
using metadata_handle = std::unique_ptr<const rd_kafka_metadata_t, c_deleter<&rd_kafka_metadata_destroy>>;
using partition_list_handle =
    std::unique_ptr<rd_kafka_topic_partition_list_t, c_deleter<&rd_kafka_topic_partition_list_destroy>>;
using message_handle = std::unique_ptr<rd_kafka_message_t, c_deleter<&rd_kafka_message_destroy>>;

}  // namespace tor::kafka::detail
