// The router over tor::kafka::dispatcher in exactly-once mode against the
// real broker of scripts/servers.sh, through crashes, checked by a
// read-committed consumer.
#include "support.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <thread>

#include <tor/mappers/outbox.hpp>
#include <tor/testing.hpp>
#include <tor/tor.hpp>

#include "unit/support/router.hpp"

using namespace tor::kafka::test;
using tor::checkpoint;
using tor::delivery;
using tor::kafka::config;
using tor::kafka::dispatcher;

TEST_CASE("exactly once through the router and the real broker: crashes repeat nothing a read-committed consumer "
          "sees, and the mirror agrees after a clean stop",
          "[kafka][exactly-once][router]") {
  using namespace tor;
  const auto topic = unique_topic("eo-router");
  create_topic(topic, 3);
  const auto id = unique_topic("eo-id");
  testing::memory_binlog log;
  std::vector<std::string> ids;
  for (int i = 0; i < 120; ++i) {
    std::vector<testing::scripted_row> rows;
    for (int j = 0; j <= i % 3; ++j) {
      ids.push_back("e" + std::to_string(i) + "-" + std::to_string(j));
      rows.push_back({testing::make_table("app", "outbox", {"id", "aggregatetype", "aggregateid", "type", "payload"}),
                      row_op::insert,
                      {},
                      {ids.back(), std::string("T"), "k" + std::to_string(i % 5), std::string("t"),
                       std::to_string(ids.size())}});
    }
    log.append(rows);
  }
  outbox_config oc;
  oc.tables = {"app.outbox"};
  oc.topic_template = topic;
  outbox_mapper mapper(oc);
  testing::memory_state_store mirror;
  router_options ro;
  ro.checkpoint_interval = 20ms;
  ro.idle_wait = 10ms;
  ro.max_transaction_messages = 25;

  const auto run = [&](std::uint64_t crash_after, const std::function<bool(router_stats)>& done) {
    testing::memory_source::options so;
    so.fail_after_events = crash_after;
    testing::memory_source src(log, so);
    tor::kafka::dispatcher d(eo_config(id, "tor.checkpoints"));
    // tor::router, instantiated once in router_kafka.cpp.
    tor::test::compiled_router<testing::memory_source, tor::kafka::dispatcher, testing::memory_state_store,
                               outbox_mapper>
        r(src, d, mirror, mapper, ro);
    std::string failure;
    std::atomic<bool> finished{false};
    {
      std::jthread t([&](std::stop_token st) {
        try {
          r.run(st);
        } catch (const std::exception& e) {
          failure = e.what();
        }
        finished = true;
      });
      const auto deadline = std::chrono::steady_clock::now() + 60s;
      while (!finished && !done(r.stats()) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    }
    return failure;
  };
  for (const std::uint64_t crash : {77u, 301u, 150u}) {
    INFO("crash after " << crash << " events");
    CHECK_THAT(run(crash, [](const router_stats&) { return false; }), Catch::Contains("injected failure"));
  }
  const auto end = log.end().first;
  CHECK(run(0, [&](const router_stats& s) { return s.last_saved == std::optional<checkpoint>(end); }).empty());

  const auto seen = read_committed(topic, 3);
  std::map<std::string, int> counts;
  std::map<std::string, std::vector<int>> per_key;
  for (const auto& r : seen) {
    ++counts[*r.find_header("id")];
    per_key[r.key].push_back(std::stoi(*r.value));
  }
  CHECK(counts.size() == ids.size());
  for (const auto& [event, n] : counts) {
    INFO(event);
    CHECK(n == 1);
  }
  for (const auto& [key, order] : per_key) CHECK(std::is_sorted(order.begin(), order.end()));
  INFO("the checkpoint in Kafka and the mirror agree");
  tor::kafka::dispatcher reader(eo_config(id, "tor.checkpoints"));
  const auto in_kafka = reader.committed_checkpoint();
  CHECK(in_kafka == std::optional<checkpoint>(end));
  CHECK(mirror.load() == in_kafka);
}
