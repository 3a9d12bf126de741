// tor::kafka::dispatcher against librdkafka's in-process mock cluster: a
// message the broker refuses for good (a per-request permanent error), under
// each poison-message policy. A poison message's dead-letter copy holding
// back later reports, and messages the producer refuses at send, are in
// mock_refused_test.cpp.
#include "support.hpp"

#include <algorithm>
#include <map>

using namespace tor::kafka::test;
using tor::delivery;
using tor::kafka::config;
using tor::kafka::dispatcher;
using tor::kafka::poison_policy;

namespace {

/// Three messages to partition 0, each in its own produce request; the
/// second one's request fails with `err`. Returns the reports by token.
struct poison_run {
  std::map<std::uint64_t, delivery> reports;
  std::map<std::string, tor::kafka::topic_counts> counts;
  std::vector<std::string> log;
};

poison_run run_with_refused_second(mock_cluster& mc, const std::string& topic, config c, rd_kafka_resp_err_t err) {
  poison_run run;
  c.log = [&](tor::kafka::log_level level, std::string_view facility, std::string_view text) {
    if (level <= tor::kafka::log_level::warning) run.log.push_back(std::string(facility) + ": " + std::string(text));
  };
  dispatcher d(std::move(c));
  std::vector<delivery> reports;
  for (std::uint64_t i = 0; i < 3; ++i) {
    if (i == 1) rd_kafka_mock_push_request_errors(mc.get(), produce_api, 1, err);
    auto m = make_message(topic, "order-17", i);
    m.partition = 0;
    d.send(std::move(m), i + 1);
    REQUIRE(d.flush(20s));
    d.poll(reports, 0ms);
  }
  for (auto& r : reports) REQUIRE(run.reports.emplace(r.token, r).second);
  run.counts = d.counts();
  return run;
}

}  // namespace

TEST_CASE("a message the broker refuses for good follows the poison-message policy") {
  mock_cluster mc(1);
  const auto topic = unique_topic("poison");
  const auto dlq = unique_topic("poison-dlq");
  mc.create_topic(topic, 2, 1);
  mc.create_topic(dlq, 1, 1);
  auto c = mock_config(mc);

  SECTION("stop (the default): the failure names topic, key and binlog position; later acks do not skip it") {
    const auto run = run_with_refused_second(mc, topic, c, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    REQUIRE(run.reports.size() == 3);
    CHECK(run.reports.at(1).ok());
    const auto& failed = run.reports.at(2).error;
    INFO(failed);
    CHECK_THAT(failed, Catch::Contains("topic '" + topic + "' partition 0") && Catch::Contains("key 'order-17'") &&
                           Catch::Contains("binlog mysql-bin.000007:1001/0") && Catch::Contains("MSG_SIZE_TOO_LARGE") &&
                           Catch::Contains("max.message.bytes"));
    // Message 3 did reach the broker, but acknowledging it would let the
    // checkpoint pass message 2.
    CHECK_FALSE(run.reports.at(3).ok());
    CHECK_THAT(run.reports.at(3).error, Catch::Contains("earlier message"));
    CHECK(run.counts.at(topic) == tor::kafka::topic_counts{3, 1, 2, 0, 0});
    const auto records = read_topic(mc.bootstraps(), topic, 2, 2);
    REQUIRE(records.size() == 2);
    CHECK(sequence_of(*records[0].value) == 0);
    CHECK(sequence_of(*records[1].value) == 2);
  }

  SECTION("skip: reported delivered, logged and counted; later messages flow") {
    c.on_poison = poison_policy::skip;
    const auto run = run_with_refused_second(mc, topic, c, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    REQUIRE(run.reports.size() == 3);
    for (auto& [token, r] : run.reports) CHECK(r.ok());
    CHECK(run.counts.at(topic) == tor::kafka::topic_counts{3, 2, 0, 1, 0});
    REQUIRE(std::count_if(run.log.begin(), run.log.end(), [](auto& l) { return l.find("skipped") != l.npos; }) == 1);
    CHECK_THAT(run.log.back(), Catch::Contains("key 'order-17'") && Catch::Contains("mysql-bin.000007:1001/0"));
    const auto records = read_topic(mc.bootstraps(), topic, 2, 2);
    REQUIRE(records.size() == 2);
  }

  SECTION("dead letter: the copy lands in the dead-letter topic with the error, then the original is reported") {
    c.on_poison = poison_policy::dead_letter;
    c.dead_letter_topic = dlq;
    const auto run = run_with_refused_second(mc, topic, c, RD_KAFKA_RESP_ERR_INVALID_RECORD);
    REQUIRE(run.reports.size() == 3);
    for (auto& [token, r] : run.reports) CHECK(r.ok());
    CHECK(run.counts.at(topic) == tor::kafka::topic_counts{3, 2, 0, 0, 1});
    CHECK(run.counts.at(dlq) == tor::kafka::topic_counts{1, 1, 0, 0, 0});
    const auto dead = read_topic(mc.bootstraps(), dlq, 1, 1);
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].key == "order-17");
    CHECK(sequence_of(*dead[0].value) == 1);
    REQUIRE(dead[0].find_header("tor.binlog.pos"));
    CHECK(*dead[0].find_header("tor.binlog.pos") == "1001/0");
    REQUIRE(dead[0].find_header("tor.dlq.topic"));
    CHECK(*dead[0].find_header("tor.dlq.topic") == topic);
    CHECK(*dead[0].find_header("tor.dlq.partition") == "0");
    CHECK_THAT(*dead[0].find_header("tor.dlq.error"), Catch::Contains("INVALID_RECORD"));
  }

  SECTION("dead letter that cannot be written: the original fails and stops") {
    c.on_poison = poison_policy::dead_letter;
    c.dead_letter_topic = dlq;
    dispatcher d(c);
    std::vector<delivery> reports;
    auto m0 = make_message(topic, "k", 0);
    m0.partition = 0;
    d.send(std::move(m0), 1);
    REQUIRE(d.flush(20s));
    rd_kafka_mock_push_request_errors(mc.get(), produce_api, 2, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,
                                      RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
    auto m1 = make_message(topic, "k", 1);
    m1.partition = 0;
    d.send(std::move(m1), 2);
    REQUIRE(d.flush(20s));
    d.poll(reports, 0ms);
    REQUIRE(reports.size() == 2);
    CHECK(reports[0].ok());
    CHECK(reports[1].token == 2);
    CHECK_THAT(reports[1].error, Catch::Contains("could not write it to dead-letter topic '" + dlq + "'") &&
                                     Catch::Contains("TOPIC_AUTHORIZATION_FAILED") &&
                                     Catch::Contains("MSG_SIZE_TOO_LARGE"));
    CHECK(d.counts().at(topic).failed == 1);
  }

  SECTION("failures that are not the message's fault stop whatever the policy") {
    c.on_poison = poison_policy::skip;
    const auto run = run_with_refused_second(mc, topic, c, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
    REQUIRE(run.reports.size() == 3);
    CHECK(run.reports.at(1).ok());
    CHECK_THAT(run.reports.at(2).error,
               Catch::Contains("TOPIC_AUTHORIZATION_FAILED") && Catch::Contains("grant the producer's principal WRITE"));
    CHECK_FALSE(run.reports.at(3).ok());
    CHECK(run.counts.at(topic).skipped == 0);
  }
}
