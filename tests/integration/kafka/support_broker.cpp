// The Kafka tests' helpers for the real broker and exactly-once mode
// (support.hpp), compiled once.
#include "support.hpp"

namespace tor::kafka::test {

// --- the real-broker tests -------------------------------------------------------

config broker_config() {
  config c;
  c.brokers = real_brokers();
  return c;
}

std::map<std::string, int> create_topics(const std::set<std::string>& topics, int partitions,
                                         std::map<std::string, std::string> configs) {
  auto c = broker_config();
  c.topics.create_missing = true;
  c.topics.partitions = partitions;
  c.topics.configs = std::move(configs);
  c.properties["batch.size"] = "16384";  // fits any topic a test makes; this dispatcher only creates
  dispatcher d(c);
  return d.check_topics(topics);
}

std::map<std::uint64_t, delivery> by_token(const std::vector<delivery>& reports) {
  std::map<std::uint64_t, delivery> out;
  for (const auto& r : reports) REQUIRE(out.emplace(r.token, r).second);
  return out;
}

// --- exactly-once mode -----------------------------------------------------------

config eo_config(const std::string& id, const std::string& checkpoint_topic) {
  config c;
  c.brokers = real_brokers();
  c.exactly_once = true;
  c.transactional_id = id;
  c.checkpoint_topic = checkpoint_topic;
  c.topics.timeout = 30s;
  return c;
}

void create_topic(const std::string& topic, int partitions, std::map<std::string, std::string> configs) {
  config c;
  c.brokers = real_brokers();
  c.topics.create_missing = true;
  c.topics.partitions = partitions;
  c.topics.configs = std::move(configs);
  c.properties["batch.size"] = "1000";  // fits the small topics made here; this dispatcher only creates
  dispatcher d(c);
  (void)d.check_topics({topic});
}

std::vector<record> read_committed(const std::string& topic, int partitions) {
  char errstr[512];
  tor::kafka::detail::conf_handle conf{rd_kafka_conf_new()};
  for (auto [k, v] : {std::pair{"bootstrap.servers", real_brokers()},
                      {"group.id", std::string("tor-test-read-committed")},
                      {"isolation.level", std::string("read_committed")},
                      {"enable.partition.eof", std::string("true")},
                      {"enable.auto.commit", std::string("false")},
                      {"log_level", std::string("3")}})
    REQUIRE(rd_kafka_conf_set(conf.get(), k, v.c_str(), errstr, sizeof errstr) == RD_KAFKA_CONF_OK);
  tor::kafka::detail::client_handle rk{rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr, sizeof errstr)};
  REQUIRE(rk);
  (void)conf.release();
  rd_kafka_poll_set_consumer(rk.get());
  tor::kafka::detail::partition_list_handle list{rd_kafka_topic_partition_list_new(partitions)};
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  REQUIRE(rd_kafka_assign(rk.get(), list.get()) == RD_KAFKA_RESP_ERR_NO_ERROR);
  std::map<int, std::vector<record>> by_partition;
  std::set<int> ended;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (static_cast<int>(ended.size()) < partitions) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    tor::kafka::detail::message_handle m{rd_kafka_consumer_poll(rk.get(), 100)};
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ended.insert(m->partition);
      continue;
    }
    REQUIRE(m->err == RD_KAFKA_RESP_ERR_NO_ERROR);
    record r;
    r.partition = m->partition;
    r.offset = m->offset;
    if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len), r.has_key = true;
    if (m->payload) r.value.emplace(static_cast<const char*>(m->payload), m->len);
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m.get(), &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name;
      const void* val;
      std::size_t size;
      for (std::size_t i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &val, &size); ++i)
        r.headers.push_back({name, val ? std::string(static_cast<const char*>(val), size) : std::string()});
    }
    by_partition[m->partition].push_back(std::move(r));
  }
  rd_kafka_consumer_close(rk.get());
  std::vector<record> out;
  for (auto& [p, recs] : by_partition) out.insert(out.end(), recs.begin(), recs.end());
  return out;
}

std::string topic_config(const std::string& topic, const std::string& name) {
  config c;
  c.brokers = real_brokers();
  dispatcher d(c);
  rd_kafka_t* rk = d.native_handle();
  tor::kafka::detail::config_resource_handle res{rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str())};
  rd_kafka_ConfigResource_t* raw = res.get();
  tor::kafka::detail::queue_handle q{rd_kafka_queue_new(rk)};
  rd_kafka_DescribeConfigs(rk, &raw, 1, nullptr, q.get());
  tor::kafka::detail::event_handle ev{rd_kafka_queue_poll(q.get(), 30000)};
  REQUIRE(ev);
  REQUIRE(rd_kafka_event_error(ev.get()) == RD_KAFKA_RESP_ERR_NO_ERROR);
  std::size_t count = 0;
  const auto** resources =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev.get()), &count);
  REQUIRE(count == 1);
  std::size_t n = 0;
  const auto** entries = rd_kafka_ConfigResource_configs(resources[0], &n);
  for (std::size_t j = 0; j < n; ++j)
    if (name == rd_kafka_ConfigEntry_name(entries[j]) && rd_kafka_ConfigEntry_value(entries[j]))
      return rd_kafka_ConfigEntry_value(entries[j]);
  return {};
}

}  // namespace tor::kafka::test
