// tor::kafka::dispatcher against librdkafka's in-process mock cluster: a
// fatal idempotence error, message shapes (tombstones, empty values, key-less
// messages, explicit partitions, timestamps) and the dispatcher laws.
#include "support.hpp"

#include <set>

#include "laws/dispatcher_laws.hpp"

using namespace tor::kafka::test;
using tor::delivery;
using tor::kafka::config;
using tor::kafka::dispatcher;
using tor::kafka::poison_policy;

TEST_CASE("a fatal idempotence error fails every outstanding and later message, whatever the policy") {
  mock_cluster mc(1);
  const auto topic = unique_topic("fatal");
  mc.create_topic(topic, 2, 1);
  rd_kafka_mock_broker_set_rtt(mc.get(), -1, 300);  // keep messages in flight
  auto c = mock_config(mc);
  c.on_poison = poison_policy::skip;
  dispatcher d(c);
  for (std::uint64_t i = 0; i < 50; ++i) d.send(make_message(topic, std::string("k").append(std::to_string(i % 5)), i), i + 1);
  rd_kafka_test_fatal_error(d.native_handle(), RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, "injected by the test");
  d.send(make_message(topic, "k0", 50), 51);
  REQUIRE(d.flush(20s));
  std::vector<delivery> reports;
  d.poll(reports, 0ms);
  REQUIRE(reports.size() == 51);
  std::set<std::uint64_t> tokens;
  for (auto& r : reports) {
    tokens.insert(r.token);
    INFO("token " << r.token);
    CHECK_FALSE(r.ok());
  }
  CHECK(tokens.size() == 51);
  CHECK_THAT(d.fatal_error(), Catch::Contains("OUT_OF_ORDER_SEQUENCE_NUMBER"));
  CHECK_THAT(reports.back().error, Catch::Contains("fatal producer error") && Catch::Contains("restart Tor"));
  CHECK(d.counts().at(topic).failed == 51);
}

TEST_CASE("tombstones, empty values, key-less messages, explicit partitions and timestamps arrive as sent") {
  mock_cluster mc(1);
  const auto topic = unique_topic("shapes");
  mc.create_topic(topic, 3, 1);
  dispatcher d(mock_config(mc));
  const auto stamp = std::chrono::system_clock::time_point(std::chrono::milliseconds(1577836800123));  // 2020-01-01

  tor::message tombstone{topic, "gone", std::nullopt, {{"id", "1"}}, 2, stamp};
  tor::message empty{topic, "empty", std::string(), {}, 2, stamp};
  tor::message keyless{topic, "", std::string("v"), {{"id", "3"}, {"id", "3b"}}, 2, stamp};
  d.send(std::move(tombstone), 1);
  d.send(std::move(empty), 2);
  d.send(std::move(keyless), 3);
  REQUIRE(d.flush(10s));
  std::vector<delivery> reports;
  d.poll(reports, 0ms);
  require_all_acknowledged(reports, 3);

  const auto records = read_topic(mc.bootstraps(), topic, 3, 3);
  REQUIRE(records.size() == 3);
  for (const auto& r : records) {
    CHECK(r.partition == 2);
    CHECK(r.timestamp_ms == 1577836800123);
  }
  CHECK(records[0].key == "gone");
  CHECK_FALSE(records[0].value.has_value());
  REQUIRE(records[1].value.has_value());
  CHECK(records[1].value->empty());
  CHECK(records[1].headers.empty());
  CHECK_FALSE(records[2].has_key);
  CHECK(records[2].headers == std::vector<tor::header>{{"id", "3"}, {"id", "3b"}});
}

TEST_CASE("the mock-cluster dispatcher keeps the dispatcher laws") {
  mock_cluster mc(3);
  const auto topic = unique_topic("laws");
  mc.create_topic(topic, 4);
  dispatcher d(mock_config(mc));
  tor::laws::check_dispatcher_laws(d, topic, 4);
}
