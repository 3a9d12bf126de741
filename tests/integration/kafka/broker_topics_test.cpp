// tor::kafka::dispatcher's start-up topic check against the real Apache Kafka
// broker started by scripts/servers.sh (TOR_KAFKA_BROKERS): missing topics
// listed or created, a topic too small for the producer's batches, an
// unreachable broker.
#include "support.hpp"

#include <map>
#include <set>

using namespace tor::kafka::test;
using tor::delivery;
using tor::kafka::config;
using tor::kafka::dispatcher;
using tor::kafka::poison_policy;

TEST_CASE("the start-up topic check lists missing topics when creation is off") {
  const auto present = unique_topic("present");
  const auto missing_a = unique_topic("missing-a");
  const auto missing_b = unique_topic("missing-b");
  create_topics({present}, 2);
  dispatcher d(broker_config());
  try {
    d.check_topics({present, missing_a, missing_b});
    FAIL("check_topics accepted missing topics");
  } catch (const tor::error& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(e.kind() == tor::error_kind::dispatch);
    CHECK_THAT(what, Catch::Contains(missing_a + ", " + missing_b) && Catch::Contains("create_missing") &&
                         Catch::Contains(d.settings().brokers));
    CHECK_THAT(what, !Catch::Contains(present));
  }
  CHECK(cluster_topics(d.settings().brokers).count(missing_a) == 0);  // the check created nothing
  CHECK(d.check_topics({present}) == std::map<std::string, int>{{present, 2}});
}

TEST_CASE("the start-up topic check creates missing topics when asked to") {
  const auto a = unique_topic("created-a");
  const auto b = unique_topic("created-b");
  const auto dlq = unique_topic("created-dlq");
  auto c = broker_config();
  c.topics.create_missing = true;
  c.topics.partitions = 5;
  c.topics.replication_factor = 1;
  c.on_poison = poison_policy::dead_letter;
  c.dead_letter_topic = dlq;
  dispatcher d(c);
  const auto partitions = d.check_topics({a, b});
  CHECK(partitions == std::map<std::string, int>{{a, 5}, {b, 5}, {dlq, 5}});
  const auto seen = cluster_topics(c.brokers);
  CHECK(seen.at(a) == 5);
  CHECK(seen.at(b) == 5);
  CHECK(seen.at(dlq) == 5);
  CHECK(d.check_topics({a, b}) == partitions);  // a second check finds them and creates nothing

  // Per-topic options through the second overload; exactly the given topics.
  const auto wide = unique_topic("created-wide");
  auto wide_options = c.topics;
  wide_options.partitions = 8;
  CHECK(d.check_topics({wide}, wide_options) == std::map<std::string, int>{{wide, 8}});
  const auto listed = d.list_topics(10s);
  CHECK(listed.at(wide) == 8);
  CHECK(listed.at(a) == 5);

  // Messages flow to a created topic at once.
  d.send(make_message(a, "k", 0), 1);
  REQUIRE(d.flush(20s));
  std::vector<delivery> reports;
  d.poll(reports, 0ms);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].ok());
}

TEST_CASE("the start-up topic check refuses a topic that cannot take the producer's largest batch") {
  const auto small = unique_topic("small-batches");
  create_topics({small}, 1, {{"max.message.bytes", "100000"}});
  auto c = broker_config();
  {
    dispatcher d(c);  // librdkafka's default batch.size: 1,000,000 bytes
    try {
      d.check_topics({small});
      FAIL("check_topics accepted a topic smaller than a batch");
    } catch (const tor::error& e) {
      INFO(e.what());
      CHECK(e.kind() == tor::error_kind::invalid_argument);
      CHECK_THAT(e.what(), Catch::Contains(small + " (100000)") && Catch::Contains("batch.size to at most 100000"));
    }
  }
  c.properties["batch.size"] = "100000";
  dispatcher d(c);
  CHECK(d.check_topics({small}) == std::map<std::string, int>{{small, 1}});
}

TEST_CASE("an unreachable broker makes the topic check fail as transient") {
  config c;
  c.brokers = "127.0.0.1:9";  // discard port: nothing listens there
  c.topics.timeout = 1500ms;
  dispatcher d(c);
  try {
    d.check_topics({"anything"});
    FAIL("check_topics succeeded without a broker");
  } catch (const tor::error& e) {
    CHECK(e.transient());
    CHECK_THAT(e.what(), Catch::Contains("127.0.0.1:9") && Catch::Contains("reachable"));
  }
}
