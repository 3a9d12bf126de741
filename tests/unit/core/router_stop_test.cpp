// Stopping: promptly when idle, and gracefully: flush, then save what was
// delivered, even after a save that hung.
#include <catch2/catch.hpp>

#include <future>
#include <thread>
#include <vector>

#include "unit/fixtures.hpp"
#include "unit/support/router_tests.hpp"

using namespace tor;
using namespace tor::testing;
using namespace std::chrono_literals;
using tor::test::eventually;
using tor::test::running;
using tor::test::simple_config;
using tor::test::releasing_saves;

TEST_CASE("the router stops promptly when the source is idle", "[router][stop]") {
  memory_binlog log;
  memory_source src(log);
  memory_dispatcher disp;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  auto opts = test::fast_options();
  opts.idle_wait = 100ms;
  test::compiled_router r(src, disp, store, mapper, opts);
  std::stop_source stop;
  auto done = std::async(std::launch::async, [&] { r.run(stop.get_token()); });
  // Running, with nothing to read: it saved where the source opened and waits for events.
  REQUIRE(eventually([&] { return !store.history().empty(); }));
  stop.request_stop();
  CHECK(done.wait_for(5s) == std::future_status::ready);
  done.get();
  // Nothing read: only where the source opened was saved (the beginning of the log).
  CHECK(store.history() == std::vector<checkpoint>{log.beginning()});
}

TEST_CASE("a graceful stop flushes, then saves the checkpoint of what was delivered", "[router][stop]") {
  memory_binlog log;
  checkpoint end;
  for (int i = 0; i < 50; ++i) end = log.append({test::outbox_row("e" + std::to_string(i), "Order", "k", "p")});
  memory_dispatcher::options o;
  o.auto_acknowledge = false;
  memory_dispatcher disp(o);
  memory_state_store store;
  memory_source src(log);
  outbox_mapper mapper(simple_config());
  test::compiled_router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  REQUIRE(eventually([&] { return disp.sent() == 50; }));
  CHECK(store.load() == std::optional<checkpoint>(log.beginning()));  // nothing acknowledged yet
  // Acknowledged only once the stop is under way: the stop must wait for them in its flush.
  std::jthread releaser([&] {
    if (eventually([&] { return disp.flush_calls() > 0; })) disp.release_all();
  });
  run.stop();
  CHECK(run.failure.empty());
  CHECK(store.load() == std::optional<checkpoint>(end));
}

TEST_CASE("a graceful stop saves the last checkpoint after a hanging save lets go", "[router][state][stop]") {
  memory_binlog log;
  log.append({test::outbox_row("e0", "Order", "k", "p")});
  memory_source src(log);
  memory_dispatcher disp;
  memory_state_store store;
  store.save(log.beginning());  // a saved checkpoint: the router makes no first save of its own
  store.hold_saves();
  outbox_mapper mapper(simple_config());
  test::compiled_router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  releasing_saves on_exit{store};  // a failed REQUIRE must not leave the router hanging in a save
  REQUIRE(store.wait_for_held_save(20s));
  checkpoint end;
  for (int i = 1; i <= 50; ++i) end = log.append({test::outbox_row("e" + std::to_string(i), "Order", "k", "p")});
  REQUIRE(eventually([&] { return disp.acknowledged() == 51; }));
  run.thread.request_stop();  // the stop waits for the save in flight (a real store's timeout bounds it)
  store.release_saves();
  run.stop();
  CHECK(run.failure.empty());
  CHECK(store.load() == std::optional<checkpoint>(end));
}
