// The state store's failures: transient ones and a store that does not answer
// stall nothing; fencing stops the router.
#include <catch2/catch.hpp>

#include <atomic>

#include "unit/fixtures.hpp"
#include "unit/support/router_tests.hpp"

using namespace tor;
using namespace tor::testing;
using namespace std::chrono_literals;
using tor::test::eventually;
using tor::test::running;
using tor::test::simple_config;
using tor::test::releasing_saves;

TEST_CASE("transient state-store failures do not stop publishing; fencing does", "[router][state]") {
  memory_binlog log;
  checkpoint end;
  for (int i = 0; i < 20; ++i) end = log.append({test::outbox_row("e" + std::to_string(i), "Order", "k", "p")});
  outbox_mapper mapper(simple_config());

  SECTION("transient") {
    memory_source src(log);
    memory_dispatcher disp;
    memory_state_store store;
    store.fail_next(5, error_kind::transient);
    std::atomic<int> reported{0};
    auto opts = test::fast_options();
    opts.on_save_failed = [&](const error&) { ++reported; };
    test::compiled_router r(src, disp, store, mapper, opts);
    running run(r);
    REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(end); }));
    run.stop();
    CHECK(run.failure.empty());
    CHECK(reported == 5);
    CHECK(disp.acknowledged() == 20);
    CHECK(r.stats().save_failures == 0);  // reset by the successful save
  }
  SECTION("fenced") {
    memory_source src(log);
    memory_dispatcher disp;
    memory_state_store store;
    store.fail_next(1000, error_kind::fenced);
    test::compiled_router r(src, disp, store, mapper, test::fast_options());
    running run(r);
    REQUIRE(eventually([&] { return run.finished.load(); }));
    run.stop();
    CHECK(run.kind == error_kind::fenced);
    CHECK_THAT(run.failure, Catch::Contains("cannot save the checkpoint"));
    CHECK_FALSE(store.load().has_value());
  }
}

TEST_CASE("a state store that does not answer stalls neither reading nor publishing", "[router][state]") {
  memory_binlog log;
  const auto first = log.append({test::outbox_row("e0", "Order", "k", "p")});
  memory_source src(log);
  memory_dispatcher disp;
  memory_state_store store;
  store.save(log.beginning());  // a saved checkpoint: the router makes no first save of its own
  store.hold_saves();
  outbox_mapper mapper(simple_config());
  test::compiled_router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  releasing_saves on_exit{store};  // a failed REQUIRE must not leave the router hanging in a save
  REQUIRE(store.wait_for_held_save(20s));  // the save of `first` hangs, as against a black-holed Redis

  checkpoint end;
  for (int i = 1; i <= 500; ++i) end = log.append({test::outbox_row("e" + std::to_string(i), "Order", "k", "p")});
  REQUIRE(eventually([&] { return disp.acknowledged() == 501; }));
  CHECK(r.stats().transactions == 501);
  CHECK(store.history().size() == 1);  // only the checkpoint saved before the router ran
  CHECK(r.stats().last_saved == std::optional<checkpoint>(log.beginning()));

  store.release_saves();
  REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(end); }));
  run.stop();
  CHECK(run.failure.empty());
  const auto saves = store.history();
  REQUIRE(saves.size() >= 2);
  CHECK(saves[1] == first);
  // The checkpoints of the 500 transactions read meanwhile did not queue up: the latest replaced the others.
  CHECK(saves.size() <= 4);
}

TEST_CASE("a fenced save stops the router while it keeps publishing, and nothing is saved after it",
          "[router][state]") {
  memory_binlog log;
  log.append({test::outbox_row("e0", "Order", "k", "p")});
  memory_source src(log);
  memory_dispatcher disp;
  memory_state_store store;
  store.save(log.beginning());
  store.hold_saves();
  store.fail_next(1, error_kind::fenced);
  outbox_mapper mapper(simple_config());
  test::compiled_router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  releasing_saves on_exit{store};
  REQUIRE(store.wait_for_held_save(20s));
  for (int i = 1; i <= 50; ++i) log.append({test::outbox_row("e" + std::to_string(i), "Order", "k", "p")});
  REQUIRE(eventually([&] { return disp.acknowledged() == 51; }));
  CHECK_FALSE(run.finished.load());
  store.release_saves();  // the held save is refused as fenced
  REQUIRE(eventually([&] { return run.finished.load(); }));
  run.stop();
  CHECK(run.kind == error_kind::fenced);
  CHECK_THAT(run.failure, Catch::Contains("cannot save the checkpoint"));
  CHECK(store.history().size() == 1);
  CHECK(store.attempts() == 2);  // the setup's save and the refused one: no retry, no final save
}
