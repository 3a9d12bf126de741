// tor::kafka::dispatcher in exactly-once mode against the real broker of
// scripts/servers.sh: the transactional dispatcher laws (shared with the
// in-memory double), the checkpoint topic created compacted, and a message
// the broker refuses aborting the transaction, checked by a read-committed
// consumer. The router over it through crashes is in
// transactions_router_test.cpp.
#include "support.hpp"

#include <cstdlib>
#include <iostream>
#include <memory>

#include "laws/transactional_dispatcher_laws.hpp"

using namespace tor::kafka::test;
using tor::checkpoint;
using tor::delivery;
using tor::kafka::config;
using tor::kafka::dispatcher;

TEST_CASE("the transactional Kafka dispatcher keeps the transactional dispatcher laws against the real broker",
          "[kafka][exactly-once][laws]") {
  const auto topic = unique_topic("eo-laws");
  const auto checkpoints = unique_topic("eo-checkpoints");
  const auto id = unique_topic("eo-id");
  create_topic(topic, 1);
  tor::laws::check_transactional_dispatcher_laws(
      [&] { return std::make_unique<dispatcher>(eo_config(id, checkpoints)); },
      [&](const std::string& t) {
        std::vector<std::string> values;
        for (const auto& r : read_committed(t, 1)) values.push_back(r.value.value_or(""));
        return values;
      },
      topic, checkpoint{{"mysql-bin.000001", 100}, {}, "1"},
      checkpoint{{"mysql-bin.000001", 200}, tor::gtid_set::parse("0-1-6", tor::gtid_flavor::mariadb), "1", 3, "0-1-7"});
  INFO("the checkpoint topic was created compacted");
  CHECK(topic_config(checkpoints, "cleanup.policy") == "compact");
}

TEST_CASE("a message the broker refuses aborts the transaction: the commit fails as transient, nothing is visible",
          "[kafka][exactly-once]") {
  const auto topic = unique_topic("eo-refused");
  create_topic(topic, 1, {{"max.message.bytes", "2000"}});
  auto dc = eo_config(unique_topic("eo-id"), "tor.checkpoints");
  if (std::getenv("TOR_TEST_KAFKA_DEBUG")) {
    dc.properties["debug"] = "eos";
    dc.log = [](auto, std::string_view f, std::string_view t) { std::clog << f << ": " << t << "\n"; };
  }
  dispatcher d(dc);
  REQUIRE_FALSE(d.committed_checkpoint().has_value());
  d.begin_transaction();
  d.send(make_message(topic, "k", 1), 1);
  d.send(make_message(topic, "k", 2, 5000), 2);  // larger than the topic accepts
  REQUIRE(d.flush(60s));
  std::vector<delivery> reports;
  d.poll(reports, 0ms);
  REQUIRE(reports.size() == 2);
  std::optional<tor::error_kind> kind;
  std::string what;
  try {
    d.commit_transaction(checkpoint{{"mysql-bin.000001", 300}, {}, "1"});
  } catch (const tor::error& e) {
    kind = e.kind();
    what = e.what();
  }
  REQUIRE(kind == tor::error_kind::transient);
  CHECK_THAT(what, Catch::Contains("aborted"));
  CHECK(read_committed(topic, 1).empty());
  INFO("the run after it (the service starts a new producer after an abort) commits");
  dispatcher again(dc);
  REQUIRE_FALSE(again.committed_checkpoint().has_value());  // the aborted checkpoint is not there either
  again.begin_transaction();
  again.send(make_message(topic, "k", 3), 3);
  REQUIRE(again.flush(60s));
  reports.clear();
  again.poll(reports, 0ms);
  REQUIRE(reports.size() == 1);
  INFO(reports[0].error);
  CHECK(reports[0].ok());
  again.commit_transaction(checkpoint{{"mysql-bin.000001", 400}, {}, "1"});
  const auto seen = read_committed(topic, 1);
  REQUIRE(seen.size() == 1);
  CHECK(sequence_of(*seen[0].value) == 3);
}
