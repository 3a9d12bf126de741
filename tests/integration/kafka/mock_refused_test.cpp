// tor::kafka::dispatcher against librdkafka's in-process mock cluster: later
// reports waiting for a poison message's dead-letter copy, and a message
// larger than the producer accepts, refused at send, under each policy.
#include "support.hpp"

#include <algorithm>
#include <map>

using namespace tor::kafka::test;
using tor::delivery;
using tor::kafka::config;
using tor::kafka::dispatcher;
using tor::kafka::poison_policy;

TEST_CASE("while a poison message's dead-letter copy is on its way, later reports of its partition wait for it") {
  mock_cluster mc(2);
  const auto topic = unique_topic("holdback");
  const auto dlq = unique_topic("holdback-dlq");
  mc.create_topic(topic, 1, 1);
  mc.create_topic(dlq, 1, 1);
  REQUIRE(rd_kafka_mock_partition_set_leader(mc.get(), topic.c_str(), 0, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(rd_kafka_mock_partition_set_leader(mc.get(), dlq.c_str(), 0, 2) == RD_KAFKA_RESP_ERR_NO_ERROR);
  auto c = mock_config(mc);
  c.on_poison = poison_policy::dead_letter;
  c.dead_letter_topic = dlq;
  dispatcher d(c);
  std::vector<delivery> reports;
  d.send(make_message(topic, "k", 0), 1);
  REQUIRE(d.flush(10s));
  d.poll(reports, 0ms);

  rd_kafka_mock_broker_set_rtt(mc.get(), 2, 700);  // the dead-letter copy is slow to be acknowledged
  rd_kafka_mock_broker_push_request_error_rtts(mc.get(), 1, produce_api, 1, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, 0);
  d.send(make_message(topic, "k", 1), 2);
  const auto end = std::chrono::steady_clock::now() + 100ms;
  while (std::chrono::steady_clock::now() < end) d.poll(reports, 10ms);  // the poison request is answered
  for (std::uint64_t i = 2; i < 20; ++i) d.send(make_message(topic, "k", i), i + 1);
  // Messages 3..20 are acknowledged long before the copy; none may be reported before message 2.
  d.poll(reports, 300ms);
  CHECK(reports.size() == 1);
  REQUIRE(d.flush(20s));
  d.poll(reports, 0ms);
  REQUIRE(reports.size() == 20);
  for (std::uint64_t i = 0; i < 20; ++i) {
    INFO("report " << i << " token " << reports[i].token << " " << reports[i].error);
    CHECK(reports[i].ok());
    CHECK(reports[i].token == i + 1);
  }
  CHECK(d.counts().at(topic) == tor::kafka::topic_counts{20, 19, 0, 0, 1});
  const auto stored = read_topic(mc.bootstraps(), topic, 1, 19);
  CHECK(stored.size() == 19);
}

TEST_CASE("a message larger than the producer's message.max.bytes is refused at send and reported through poll") {
  mock_cluster mc(1);
  const auto topic = unique_topic("toolarge");
  const auto dlq = unique_topic("toolarge-dlq");
  mc.create_topic(topic, 1, 1);
  mc.create_topic(dlq, 1, 1);
  auto c = mock_config(mc);
  c.properties["message.max.bytes"] = "20000";
  auto big = [&](std::uint64_t n) { return make_message(topic, "big", n, 50000); };

  SECTION("stop") {
    dispatcher d(c);
    d.send(make_message(topic, "big", 0), 1);
    d.send(big(1), 2);
    d.send(make_message(topic, "big", 2), 3);
    REQUIRE(d.flush(20s));
    std::vector<delivery> reports;
    d.poll(reports, 0ms);
    REQUIRE(reports.size() == 3);
    std::map<std::uint64_t, std::string> by_token;
    for (auto& r : reports) by_token[r.token] = r.error;
    CHECK(by_token[1].empty());
    CHECK_THAT(by_token[2], Catch::Contains("MSG_SIZE_TOO_LARGE") && Catch::Contains("50000-byte value") &&
                                Catch::Contains("mysql-bin.000007:1001/0"));
    CHECK_THAT(by_token[3], Catch::Contains("earlier message"));
  }
  SECTION("skip") {
    c.on_poison = poison_policy::skip;
    dispatcher d(c);
    d.send(big(0), 1);
    d.send(make_message(topic, "big", 1), 2);
    REQUIRE(d.flush(20s));
    std::vector<delivery> reports;
    d.poll(reports, 0ms);
    REQUIRE(reports.size() == 2);
    CHECK(reports[0].ok());
    CHECK(reports[1].ok());
    CHECK(d.counts().at(topic) == tor::kafka::topic_counts{2, 1, 0, 1, 0});
  }
  SECTION("dead letter: the copy is just as large, so the original fails") {
    c.on_poison = poison_policy::dead_letter;
    c.dead_letter_topic = dlq;
    dispatcher d(c);
    d.send(big(0), 1);
    REQUIRE(d.flush(20s));
    std::vector<delivery> reports;
    d.poll(reports, 0ms);
    REQUIRE(reports.size() == 1);
    CHECK_THAT(reports[0].error, Catch::Contains("could not write it to dead-letter topic"));
  }
}
