// tor::kafka::dispatcher against the real Apache Kafka broker started by
// scripts/servers.sh (TOR_KAFKA_BROKERS): each poison-message policy with a
// message larger than the broker accepts, unknown topics, and the documented
// usage. What the broker stored is always read back by a consumer. Order at
// volume and the dispatcher laws are in broker_volume_test.cpp, the start-up
// topic check in broker_topics_test.cpp.
#include "support.hpp"

#include <map>
#include <stdexcept>

using namespace tor::kafka::test;
using tor::delivery;
using tor::kafka::config;
using tor::kafka::dispatcher;
using tor::kafka::poison_policy;

TEST_CASE("a message larger than the broker accepts follows each poison-message policy") {
  const auto topic = unique_topic("large");
  const auto dlq = unique_topic("large-dlq");
  create_topics({topic}, 1);  // the broker's default max.message.bytes (about 1 MiB)
  create_topics({dlq}, 1, {{"max.message.bytes", "8388608"}});

  auto c = broker_config();
  c.properties["message.max.bytes"] = "4000000";  // the producer lets it through; the broker refuses it
  auto send_three = [&](dispatcher& d) {
    d.send(make_message(topic, "doc-9", 0), 1);
    d.send(make_message(topic, "doc-9", 1, 2'000'000), 2);
    d.send(make_message(topic, "doc-9", 2), 3);
    REQUIRE(d.flush(30s));
    std::vector<delivery> reports;
    d.poll(reports, 0ms);
    REQUIRE(reports.size() == 3);
    return by_token(reports);
  };

  SECTION("stop") {
    dispatcher d(c);
    const auto reports = send_three(d);
    CHECK(reports.at(1).ok());
    INFO(reports.at(2).error);
    CHECK_THAT(reports.at(2).error, Catch::Contains("topic '" + topic + "'") && Catch::Contains("key 'doc-9'") &&
                                        Catch::Contains("binlog mysql-bin.000007:1001/0") &&
                                        Catch::Contains("MSG_SIZE_TOO_LARGE") && Catch::Contains("2000000-byte value"));
    // Message 3 reached the broker, but acknowledging it would let the
    // checkpoint pass message 2.
    CHECK_THAT(reports.at(3).error, Catch::Contains("earlier message"));
    CHECK(d.counts().at(topic).failed == 2);
    const auto records = read_topic(c.brokers, topic, 1, 2);
    REQUIRE(records.size() == 2);
    CHECK(sequence_of(*records[1].value) == 2);
  }
  SECTION("skip") {
    c.on_poison = poison_policy::skip;
    std::vector<std::string> warnings;
    c.log = [&](tor::kafka::log_level l, std::string_view, std::string_view text) {
      if (l <= tor::kafka::log_level::warning) warnings.emplace_back(text);
    };
    dispatcher d(c);
    const auto reports = send_three(d);
    for (auto& [t, r] : reports) CHECK(r.ok());
    CHECK(d.counts().at(topic) == tor::kafka::topic_counts{3, 2, 0, 1, 0});
    CHECK(std::any_of(warnings.begin(), warnings.end(),
                      [](auto& w) { return w.find("skipped") != w.npos && w.find("doc-9") != w.npos; }));
    const auto records = read_topic(c.brokers, topic, 1, 2);
    REQUIRE(records.size() == 2);
    CHECK(sequence_of(*records[0].value) == 0);
    CHECK(sequence_of(*records[1].value) == 2);
  }
  SECTION("dead letter") {
    c.on_poison = poison_policy::dead_letter;
    c.dead_letter_topic = dlq;
    dispatcher d(c);
    const auto reports = send_three(d);
    for (auto& [t, r] : reports) CHECK(r.ok());
    CHECK(d.counts().at(topic) == tor::kafka::topic_counts{3, 2, 0, 0, 1});
    const auto dead = read_topic(c.brokers, dlq, 1, 1);
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].key == "doc-9");
    CHECK(dead[0].value->size() == 2'000'000);
    CHECK(sequence_of(*dead[0].value) == 1);
    REQUIRE(dead[0].find_header("tor.dlq.error"));
    CHECK_THAT(*dead[0].find_header("tor.dlq.error"), Catch::Contains("MSG_SIZE_TOO_LARGE"));
    CHECK(*dead[0].find_header("tor.dlq.topic") == topic);
    CHECK(*dead[0].find_header("tor.binlog.pos") == "1001/0");
  }
}

TEST_CASE("a message for a topic that does not exist fails naming the topic, key and position") {
  const auto topic = unique_topic("nowhere");
  auto c = broker_config();
  c.properties["topic.metadata.propagation.max.ms"] = "1000";
  dispatcher d(c);
  d.send(make_message(topic, "user-1", 3), 1);
  REQUIRE(d.flush(30s));
  std::vector<delivery> reports;
  d.poll(reports, 0ms);
  REQUIRE(reports.size() == 1);
  INFO(reports[0].error);
  CHECK_THAT(reports[0].error, Catch::Contains(topic) && Catch::Contains("key 'user-1'") &&
                                   Catch::Contains("mysql-bin.000007:1003/0") && Catch::Contains("create it"));
}

namespace {
// The usage shown in docs/kafka-dispatcher.md, compiled and run here.
void documented_usage(const std::string& brokers, const std::string& topic) {
  // [usage]
  tor::kafka::config cfg;
  cfg.brokers = brokers;                                // bootstrap.servers
  cfg.properties["compression.codec"] = "lz4";          // any librdkafka property
  cfg.on_poison = tor::kafka::poison_policy::dead_letter;
  cfg.dead_letter_topic = topic + ".dlq";
  cfg.topics.create_missing = true;                     // else: an error listing missing topics
  cfg.log = tor::kafka::clog_sink;                      // librdkafka's log lines, on this thread

  tor::kafka::dispatcher kafka(cfg);
  kafka.check_topics({topic});                          // at start: every routed topic

  tor::message m;
  m.topic = topic;
  m.key = "order-42";
  m.value = R"({"status":"paid"})";
  m.headers = {{"id", "7f3c"}, {"tor.binlog.file", "mysql-bin.000003"}, {"tor.binlog.pos", "1234/0"}};
  kafka.send(std::move(m), /*token=*/1);

  std::vector<tor::delivery> reports;
  while (kafka.poll(reports, std::chrono::milliseconds(100)) == 0) {
  }
  for (const auto& r : reports)
    if (!r.ok()) throw std::runtime_error(r.error);  // names topic, key and binlog position

  kafka.flush(std::chrono::seconds(10));                // at a graceful stop
  // [usage]
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].token == 1);
  CHECK(kafka.counts().at(topic).acknowledged == 1);
}
}  // namespace

TEST_CASE("the usage shown in the documentation works") {
  const auto topic = unique_topic("docs");
  documented_usage(real_brokers(), topic);
  CHECK(cluster_topics(real_brokers()).count(topic + ".dlq") == 1);
  const auto records = read_topic(real_brokers(), topic, 1, 1);
  REQUIRE(records.size() == 1);
  CHECK(records[0].key == "order-42");
}
