// Checkpoints inside a large transaction: a crash or a stop there replays
// only what was not published, and a checkpoint that does not fit is refused.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>

#include "unit/fixtures.hpp"
#include "unit/support/router_tests.hpp"

using namespace tor;
using namespace tor::testing;
using namespace std::chrono_literals;
using tor::test::eventually;
using tor::test::running;
using tor::test::simple_config;
using tor::test::ids_of;
using tor::test::large_transaction_log;

TEST_CASE("a crash inside a large transaction replays only the rows not acknowledged before the last save",
          "[router][checkpoint][inside]") {
  const bool by_gtid = GENERATE(false, true);
  INFO((by_gtid ? "resume by GTID" : "resume by position"));
  large_transaction_log l(1000);
  // The first run: Kafka acknowledges the first 25 messages only ("before"
  // and 24 of the large transaction), the checkpoint is saved, and the
  // process dies: the next run starts from what the store holds then.
  memory_dispatcher::options held;
  held.auto_acknowledge = false;
  memory_dispatcher disp1(held);
  memory_source src1(l.log);
  memory_state_store store1;
  outbox_mapper mapper(simple_config());
  test::compiled_router r1(src1, disp1, store1, mapper, test::fast_options());
  running run1(r1);
  REQUIRE(eventually([&] { return disp1.sent() >= 100; }));
  disp1.release(25);
  // The 25th message is big-28 (rows 4, 9, ... have none): rows 0..29 are
  // published (row 29 has no message), row 30 lies mid rows event (30 = 4 * 7 + 2).
  const int published_rows = l.ordinal[25];
  REQUIRE(published_rows == 30);
  const auto inside = l.log.inside(1, static_cast<std::uint64_t>(published_rows));
  REQUIRE(eventually([&] { return store1.load() == std::optional<checkpoint>(inside); }));
  const auto crashed_at = *store1.load();
  CHECK(crashed_at.inside_transaction());
  disp1.release_all();  // (what run 1 does after the crash no longer counts)
  run1.stop();

  memory_source::options sopt;
  sopt.resume_by_gtid = by_gtid;
  memory_source src2(l.log, sopt);
  memory_dispatcher disp2;
  memory_state_store store2;
  store2.save(crashed_at);
  test::compiled_router r2(src2, disp2, store2, mapper, test::fast_options());
  running run2(r2);
  REQUIRE(eventually([&] { return store2.load() == std::optional<checkpoint>(l.log.end().first); }));
  run2.stop();
  REQUIRE(run2.failure.empty());

  // Exactly the rows from the first unpublished one on are published again.
  std::set<std::string> expected(l.ids.begin() + 25, l.ids.end());
  const auto again = disp2.delivered_all("events");
  CHECK(ids_of(again) == expected);
  CHECK(again.size() == expected.size());
  CHECK(r2.stats().rows_skipped == static_cast<std::uint64_t>(published_rows));
}

TEST_CASE("clean stops inside a large transaction save the rows published, and the restarts repeat none",
          "[router][checkpoint][inside]") {
  large_transaction_log l(700);
  std::multiset<std::string> published;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  // Each run reads until `in_flight` messages wait for Kafka, then is
  // stopped; Kafka acknowledges them during the stop's flush. The stops land
  // at many rows of the transaction, mid rows event too.
  int inside = 0;
  for (std::size_t run_no = 0; published.size() < l.ids.size(); ++run_no) {
    REQUIRE(run_no < 200);
    const std::size_t in_flight = 1 + (run_no * 7) % 40;
    memory_source src(l.log);
    memory_dispatcher::options held;
    held.auto_acknowledge = false;
    memory_dispatcher disp(held);
    auto opts = test::fast_options();
    opts.max_in_flight_messages = in_flight;
    test::compiled_router r(src, disp, store, mapper, opts);
    running run(r);
    const auto left = l.ids.size() - published.size();
    REQUIRE(eventually([&] { return disp.sent() >= std::min(in_flight, left); }));
    run.thread.request_stop();
    disp.release_all();
    run.stop();
    REQUIRE(run.failure.empty());
    for (const auto& rec : disp.delivered_all("events")) published.insert(*rec.msg.find_header("id"));
    if (store.load() && store.load()->inside_transaction()) ++inside;
  }
  CHECK(inside >= 10);
  for (const auto& id : l.ids) {
    INFO(id);
    CHECK(published.count(id) == 1);
  }
}

TEST_CASE("a checkpoint inside a transaction the source does not resume at is refused, not guessed",
          "[router][checkpoint][inside]") {
  large_transaction_log l(20);
  outbox_mapper mapper(simple_config());
  memory_dispatcher disp;
  SECTION("another transaction") {
    auto wrong = l.log.inside(1, 3);
    wrong.transaction_gtid = "0-1-99";
    memory_state_store store;
    store.save(wrong);
    memory_source src(l.log);
    test::compiled_router r(src, disp, store, mapper, test::fast_options());
    CHECK_THROWS_WITH(r.run(), Catch::Contains("points inside the transaction at memory-bin.000001:") &&
                                   Catch::Contains("gtid 0-1-99") && Catch::Contains("gtid 0-1-2") &&
                                   Catch::Contains("remove skip_rows"));
    CHECK(disp.sent() == 0);
    CHECK(store.load() == std::optional<checkpoint>(wrong));
  }
  SECTION("more rows than the transaction has") {
    auto over = l.log.inside(1, 21);
    memory_state_store store;
    store.save(over);
    memory_source src(l.log);
    test::compiled_router r(src, disp, store, mapper, test::fast_options());
    CHECK_THROWS_WITH(r.run(), Catch::Contains("says 21 rows") && Catch::Contains("after 20 rows") &&
                                   Catch::Contains("captured tables changed"));
    CHECK(disp.sent() == 0);
    CHECK(store.load() == std::optional<checkpoint>(over));
  }
}
