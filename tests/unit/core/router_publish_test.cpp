// The router over the in-memory doubles: what it publishes, in what order,
// and how a mapper failure stops it.
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <string>

#include "unit/fixtures.hpp"
#include "unit/support/router_tests.hpp"

using namespace tor;
using namespace tor::testing;
using namespace std::chrono_literals;
using tor::test::eventually;
using tor::test::running;
using tor::test::simple_config;

TEST_CASE("router publishes outbox rows in order and saves the checkpoint after them", "[router]") {
  memory_binlog log;
  log.append({test::outbox_row("e1", "Order", "o-1", R"({"n":1})"), test::order_row(1)});
  log.append({test::order_row(2)});
  const auto end = log.append({test::outbox_row("e2", "Order", "o-1", R"({"n":2})")});
  memory_source src(log);
  memory_dispatcher disp;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  test::compiled_router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(end); }));
  run.stop();
  REQUIRE(run.failure.empty());

  const auto got = disp.delivered("events");
  REQUIRE(got.size() == 2);
  CHECK(got[0].msg.key == "o-1");
  CHECK(got[0].msg.value == std::optional<std::string>(R"({"n":1})"));
  CHECK(*got[0].msg.find_header("id") == "e1");
  CHECK(*got[1].msg.find_header("id") == "e2");
  CHECK(*got[0].msg.find_header("tor.binlog.file") == "memory-bin.000001");
  CHECK(got[0].msg.find_header("tor.gtid") != nullptr);

  const auto s = r.stats();
  CHECK(s.transactions == 3);
  CHECK(s.rows == 4);
  CHECK(s.messages_sent == 2);
  CHECK(s.messages_acknowledged == 2);
  CHECK(s.in_flight_messages == 0);
  CHECK(s.last_saved == std::optional<checkpoint>(end));
}

TEST_CASE("messages with the same key keep commit order in their partition", "[router][order]") {
  memory_binlog log;
  for (int i = 0; i < 500; ++i)
    log.append({test::outbox_row(std::string("e").append(std::to_string(i)), "Order", std::string("k").append(std::to_string(i % 13)), std::to_string(i))});
  memory_dispatcher::options o;
  o.default_partitions = 5;
  o.shuffle_seed = 99;
  memory_dispatcher disp(o);
  memory_state_store store;
  memory_source src(log);
  outbox_mapper mapper(simple_config());
  test::compiled_router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  REQUIRE(eventually([&] { return disp.acknowledged() == 500; }));
  run.stop();
  std::map<std::string, int> last;
  std::map<std::string, int> partition_of;
  for (int p = 0; p < 5; ++p) {
    for (const auto& rec : disp.delivered("events", p)) {
      const int n = std::stoi(*rec.msg.value);
      auto [it, fresh] = partition_of.emplace(rec.msg.key, p);
      CHECK(it->second == p);  // same key, same partition
      if (!fresh || last.count(rec.msg.key)) CHECK(n > last[rec.msg.key]);
      last[rec.msg.key] = n;
    }
  }
  CHECK(partition_of.size() == 13);
}

TEST_CASE("a mapper failure stops the router naming the table, column and position", "[router][failure]") {
  memory_binlog log;
  const auto good = log.append({test::outbox_row("e1", "Order", "k", "p")});
  log.append({{test::outbox_table, row_op::insert, {}, {std::string("e2"), std::string("Order"), null_value{},
                                                         std::string("t"), std::string("p")}}});
  log.append({test::outbox_row("e3", "Order", "k", "p")});
  memory_source src(log);
  memory_dispatcher disp;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  test::compiled_router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  REQUIRE(eventually([&] { return run.finished.load(); }));
  run.stop();
  CHECK(run.kind == error_kind::mapping);
  CHECK_THAT(run.failure, Catch::Contains("app.outbox") && Catch::Contains("memory-bin.000001:") &&
                              Catch::Contains("aggregateid") && Catch::Contains("NULL"));
  CHECK(store.load() == std::optional<checkpoint>(good));  // saved up to the failing row, not past it
  CHECK(disp.delivered("events").size() == 1);
}
