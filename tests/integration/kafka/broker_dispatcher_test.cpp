// tor::kafka::dispatcher against the real Apache Kafka broker started by
// scripts/servers.sh (TOR_KAFKA_BROKERS): order per key at volume, headers,
// each poison-message policy with a message larger than the broker accepts,
// unknown topics, the start-up topic check and creation, and the
// dispatcher laws. What the broker stored is always read back by a consumer.
#include "support.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "laws/dispatcher_laws.hpp"
#include <tor/kafka/dispatcher.hpp>

using namespace tor::kafka::test;
using tor::delivery;
using tor::kafka::config;
using tor::kafka::dispatcher;
using tor::kafka::poison_policy;

namespace {

config broker_config() {
  config c;
  c.brokers = real_brokers();
  return c;
}

/// Creates topics through the dispatcher's own start-up check.
std::map<std::string, int> create(const std::set<std::string>& topics, int partitions,
                                  std::map<std::string, std::string> configs = {}) {
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

}  // namespace

TEST_CASE("100,000 messages over many keys and partitions arrive with per-key order and headers intact") {
  const auto topic = unique_topic("volume");
  constexpr int partitions = 6;
  constexpr std::uint64_t total = 100'000;
  create({topic}, partitions);

  dispatcher d(broker_config());
  std::map<std::string, std::uint64_t> per_key;
  std::vector<delivery> reports;
  reports.reserve(total);
  for (std::uint64_t token = 1; token <= total; ++token) {
    const auto key = "aggregate-" + std::to_string((token * 7919) % 1000);
    d.send(make_message(topic, key, per_key[key]++, 100), token);
    if (token % 64 == 0) d.poll(reports, 0ms);
  }
  REQUIRE(d.flush(60s));
  d.poll(reports, 0ms);
  REQUIRE(reports.size() == total);
  std::set<std::uint64_t> tokens;
  for (const auto& r : reports) {
    if (!r.ok()) FAIL("token " << r.token << ": " << r.error);
    tokens.insert(r.token);
  }
  REQUIRE(tokens.size() == total);
  CHECK(d.counts().at(topic) == tor::kafka::topic_counts{total, total, 0, 0, 0});

  const auto records = read_topic(d.settings().brokers, topic, partitions, total);
  REQUIRE(records.size() == total);  // nothing lost, nothing duplicated
  std::map<std::string, std::vector<const record*>> by_key;
  std::set<int> used_partitions;
  for (const auto& r : records) {
    by_key[r.key].push_back(&r);
    used_partitions.insert(r.partition);
  }
  CHECK(used_partitions.size() == partitions);
  REQUIRE(by_key.size() == per_key.size());
  for (auto& [key, recs] : by_key) {
    INFO("key " << key);
    std::sort(recs.begin(), recs.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
    REQUIRE(recs.size() == per_key[key]);
    for (std::uint64_t i = 0; i < recs.size(); ++i) {
      const auto& r = *recs[i];
      REQUIRE(r.partition == recs[0]->partition);
      REQUIRE(sequence_of(*r.value) == i);
      REQUIRE(r.headers == std::vector<tor::header>{{"id", "event-" + std::to_string(i)},
                                                    {"tor.binlog.file", "mysql-bin.000007"},
                                                    {"tor.binlog.pos", std::to_string(1000 + i) + "/0"}});
    }
  }
}

TEST_CASE("a message larger than the broker accepts follows each poison-message policy") {
  const auto topic = unique_topic("large");
  const auto dlq = unique_topic("large-dlq");
  create({topic}, 1);  // the broker's default max.message.bytes (about 1 MiB)
  create({dlq}, 1, {{"max.message.bytes", "8388608"}});

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

TEST_CASE("the start-up topic check lists missing topics when creation is off") {
  const auto present = unique_topic("present");
  const auto missing_a = unique_topic("missing-a");
  const auto missing_b = unique_topic("missing-b");
  create({present}, 2);
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
  create({small}, 1, {{"max.message.bytes", "100000"}});
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

TEST_CASE("the Kafka dispatcher keeps the dispatcher laws against the real broker") {
  const auto topic = unique_topic("laws");
  create({topic}, 4);
  dispatcher d(broker_config());
  tor::laws::check_dispatcher_laws(d, topic, 4);
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
