// Hot standby in the core: the router's publish gate. Nothing is handed to
// the dispatcher once it is shut or its time ran out, and a router whose gate
// is shut does not even load the checkpoint.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <utility>

#include "unit/fixtures.hpp"
#include "unit/support/lease_tests.hpp"
#include "unit/support/router_tests.hpp"

using namespace tor;
using namespace tor::testing;
using namespace std::chrono_literals;
using tor::test::eventually;
using tor::test::simple_config;
using steady = std::chrono::steady_clock;

TEST_CASE("the router hands nothing to the dispatcher once the lease gate shuts, and stops as fenced",
          "[lease][router]") {
  memory_binlog log;
  const auto first = log.append({test::outbox_row("e1", "Order", "k", "p")});
  memory_source src(log);
  memory_dispatcher disp;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  publish_gate gate;
  gate.open_until(steady::now() + 1h);
  auto o = test::fast_options();
  o.gate = &gate;
  test::compiled_router r(src, disp, store, mapper, o);
  // The kind and a copy of the text: a copied tor::error would share its
  // text with the thrower's (libstdc++), which ThreadSanitizer cannot follow.
  std::promise<std::pair<error_kind, std::string>> failed;
  std::jthread t([&](std::stop_token st) {
    try {
      r.run(st);
      failed.set_value({error_kind::state, "the router returned without an error"});
    } catch (const error& e) {
      failed.set_value({e.kind(), std::string(e.what())});
    }
  });
  REQUIRE(eventually([&] { return disp.acknowledged() == 1; }));
  REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(first); }));
  const auto saves_before = store.history().size();
  gate.shut();
  log.append({test::outbox_row("e2", "Order", "k", "p")});
  auto f = failed.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  const auto [kind, text] = f.get();
  CHECK(kind == error_kind::fenced);
  CHECK_THAT(text, Catch::Contains("no longer holds the lease"));
  CHECK(disp.sent() == 1);
  CHECK(store.history().size() == saves_before);  // no final save: another instance may own the checkpoint now
}

TEST_CASE("a paused active whose gate ran out publishes nothing when it wakes, though nobody shut the gate",
          "[lease][router]") {
  // The keeper's thread cannot run while the process is paused; the gate's
  // time runs out anyway, and the router compares the clock before sending.
  memory_binlog log;
  log.append({test::outbox_row("e1", "Order", "k", "p")});
  memory_source src(log);
  memory_dispatcher disp;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  publish_gate gate;
  gate.open_until(steady::now() + 1h);
  auto o = test::fast_options();
  o.gate = &gate;
  test::compiled_router r(src, disp, store, mapper, o);
  std::atomic<bool> done{false};
  error_kind kind{};
  std::jthread t([&](std::stop_token st) {
    try {
      r.run(st);
    } catch (const error& e) {
      kind = e.kind();
    }
    done = true;
  });
  REQUIRE(eventually([&] { return disp.acknowledged() == 1; }));
  const auto expiry = steady::now() + 30ms;
  gate.open_until(expiry);  // the last renewal: nothing extends it
  REQUIRE(eventually([&] { return steady::now() > expiry; }));
  for (int i = 2; i <= 20; ++i) log.append({test::outbox_row("e" + std::to_string(i), "Order", "k", "p")});
  REQUIRE(eventually([&] { return done.load(); }, 5s));
  CHECK(kind == error_kind::fenced);
  CHECK(disp.sent() == 1);
}

TEST_CASE("a router whose lease gate is shut before it starts does not load, and so does not claim, the checkpoint",
          "[lease][router]") {
  // A store that fences by an owner epoch claims the checkpoint when it
  // first loads: a stale instance that loaded would fence the new active.
  test::counting_store store;
  memory_binlog log;
  log.append({test::outbox_row("e1", "Order", "k", "p")});
  memory_source src(log);
  memory_dispatcher disp;
  outbox_mapper mapper(simple_config());
  publish_gate gate;  // never opened: the lease ran out before the router started
  auto o = test::fast_options();
  o.gate = &gate;
  test::compiled_router r(src, disp, store, mapper, o);
  try {
    r.run();
    FAIL("run() returned");
  } catch (const error& e) {
    CHECK(e.kind() == error_kind::fenced);
    CHECK_THAT(e.what(), Catch::Contains("no longer holds the lease") && Catch::Contains("not starting"));
  }
  CHECK(store.loads == 0);
  CHECK(disp.sent() == 0);
}
