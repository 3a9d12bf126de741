// tor::kafka::dispatcher against the real Apache Kafka broker started by
// scripts/servers.sh (TOR_KAFKA_BROKERS): order per key and headers at
// volume, read back by a consumer, and the dispatcher laws.
#include "support.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "laws/dispatcher_laws.hpp"

using namespace tor::kafka::test;
using tor::delivery;
using tor::kafka::config;
using tor::kafka::dispatcher;
using tor::kafka::poison_policy;

TEST_CASE("100,000 messages over many keys and partitions arrive with per-key order and headers intact") {
  const auto topic = unique_topic("volume");
  constexpr int partitions = 6;
  constexpr std::uint64_t total = 100'000;
  create_topics({topic}, partitions);

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

TEST_CASE("the Kafka dispatcher keeps the dispatcher laws against the real broker") {
  const auto topic = unique_topic("laws");
  create_topics({topic}, 4);
  dispatcher d(broker_config());
  tor::laws::check_dispatcher_laws(d, topic, 4);
}
