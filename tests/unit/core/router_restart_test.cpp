// Restarts: from the saved checkpoint, nothing lost, nothing skipped, only
// what was not saved replayed.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "unit/fixtures.hpp"
#include "unit/support/router_tests.hpp"

using namespace tor;
using namespace tor::testing;
using namespace std::chrono_literals;
using tor::test::eventually;
using tor::test::running;
using tor::test::simple_config;
using tor::test::ids_of;
using tor::test::releasing_saves;

TEST_CASE("a crash and a restart from the saved checkpoint lose nothing and replay only what was not saved",
          "[router][restart]") {
  memory_binlog log;
  std::vector<std::pair<checkpoint, std::string>> txns;
  for (int i = 0; i < 200; ++i) {
    const auto id = "e" + std::to_string(i);
    txns.emplace_back(log.append({test::outbox_row(id, "Order", "k" + std::to_string(i % 5), std::to_string(i))}), id);
  }
  memory_state_store store;
  outbox_mapper mapper(simple_config());

  memory_source::options crash;
  crash.fail_after_events = 301;  // mid-transaction
  memory_source src1(log, crash);
  memory_dispatcher::options slow;
  slow.default_partitions = 3;
  slow.shuffle_seed = 7;
  memory_dispatcher d1(slow);
  test::compiled_router r1(src1, d1, store, mapper, test::fast_options());
  running run1(r1);
  REQUIRE(eventually([&] { return run1.finished.load(); }));
  run1.stop();
  REQUIRE_THAT(run1.failure, Catch::Contains("injected failure"));
  const auto saved = store.load();

  memory_source src2(log);
  memory_dispatcher d2(slow);
  test::compiled_router r2(src2, d2, store, mapper, test::fast_options());
  running run2(r2);
  REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(txns.back().first); }));
  run2.stop();

  auto first = ids_of(d1.delivered_all("events"));
  const auto second = ids_of(d2.delivered_all("events"));
  std::set<std::string> expected_second;
  for (const auto& [end, id] : txns)
    if (!saved || saved->position < end.position) expected_second.insert(id);
  CHECK(second == expected_second);  // replays exactly what the checkpoint did not cover
  first.insert(second.begin(), second.end());
  CHECK(first.size() == txns.size());  // nothing lost
}

TEST_CASE("a first run saves where the source opened before reading, so a restart skips nothing",
          "[router][restart]") {
  memory_binlog log;
  log.append({test::outbox_row("old1", "Order", "k", "p")});
  const auto at_start = log.append({test::outbox_row("old2", "Order", "k", "p")});
  memory_source::options so;
  so.start_at_end = true;
  memory_source src(log, so);
  memory_dispatcher disp;
  memory_state_store store;
  store.hold_saves();
  outbox_mapper mapper(simple_config());
  {
    test::compiled_router r(src, disp, store, mapper, test::fast_options());
    running run(r);
    releasing_saves on_exit{store};
    REQUIRE(store.wait_for_held_save(20s));  // the first save, held: nothing may be read before it
    log.append({test::outbox_row("e1", "Order", "k", "p")});
    CHECK(disp.sent() == 0);
    CHECK(r.stats().events_read == 0);
    // The router is stopped here, before it read anything (a crash would do the same).
    run.thread.request_stop();
    store.release_saves();
    run.stop();
    CHECK(run.failure.empty());
  }
  REQUIRE(store.history().size() >= 1);
  CHECK(store.history().front() == at_start);

  // The restart resumes where the first run opened: e1, committed meanwhile, is published.
  memory_source src2(log, so);
  test::compiled_router r2(src2, disp, store, mapper, test::fast_options());
  running run2(r2);
  REQUIRE(eventually([&] { return disp.acknowledged() == 1; }));
  run2.stop();
  CHECK(ids_of(disp.delivered("events")) == std::set<std::string>{"e1"});
}

TEST_CASE("the router resumes after the saved checkpoint and skips nothing", "[router][restart]") {
  memory_binlog log;
  const auto first = log.append({test::outbox_row("e1", "Order", "k", "p")});
  const auto second = log.append({test::outbox_row("e2", "Order", "k", "p")});
  memory_state_store store;
  store.save(first);
  memory_source src(log);
  memory_dispatcher disp;
  outbox_mapper mapper(simple_config());
  test::compiled_router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(second); }));
  run.stop();
  const auto got = disp.delivered("events");
  REQUIRE(got.size() == 1);
  CHECK(*got[0].msg.find_header("id") == "e2");
}

TEST_CASE("a transient failure to load the checkpoint is retried, never read as no checkpoint", "[router][state]") {
  memory_binlog log;
  const auto first = log.append({test::outbox_row("e1", "Order", "k", "p")});
  const auto second = log.append({test::outbox_row("e2", "Order", "k", "p")});
  memory_state_store store;
  store.save(first);
  store.fail_next_loads(3, error_kind::transient);
  memory_source src(log);
  memory_dispatcher disp;
  outbox_mapper mapper(simple_config());
  test::compiled_router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  // history(), not load(): the test must not consume the injected load failures itself.
  REQUIRE(eventually([&] { return store.history().back() == second; }));
  run.stop();
  CHECK(r.stats().messages_sent == 1);
  REQUIRE(disp.delivered("events").size() == 1);  // resumed after `first`, not from the start
  CHECK(*disp.delivered("events")[0].msg.find_header("id") == "e2");

  memory_state_store broken;
  broken.fail_next_loads(1, error_kind::state);
  memory_source src2(log);
  test::compiled_router r2(src2, disp, broken, mapper, test::fast_options());
  CHECK_THROWS_WITH(r2.run(), Catch::Contains("injected failure loading"));
}
