// Hot standby in the core: an error that ends the run of an instance whose
// lease ran out is the takeover's doing, and is reported as fenced; the same
// error while the lease is held is reported as itself.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "unit/fixtures.hpp"
#include "unit/support/lease_tests.hpp"
#include "unit/support/router_tests.hpp"

using namespace tor;
using namespace tor::testing;
using namespace std::chrono_literals;
using tor::test::eventually;
using tor::test::simple_config;
using tor::test::breaking_dispatcher;
using tor::test::breaking_source;
using tor::test::dump_ended;
using tor::test::producer_failed;
using tor::test::run_router;
using steady = std::chrono::steady_clock;

TEST_CASE("an error that ends the run after the lease gate shut is reported as fenced, and nothing is saved after",
          "[lease][router]") {
  // Whatever ends the run of an active whose lease ran out is what the
  // instance that took over causes: the router reports the takeover, so the
  // instance drops back to standby instead of failing.
  memory_binlog log;
  const auto first = log.append({test::outbox_row("e1", "Order", "k", "p")});
  publish_gate gate;
  gate.open_until(steady::now() + 1h);
  const auto lease_lost = [&gate] { return !gate.open(); };
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  auto o = test::fast_options();
  o.gate = &gate;

  SECTION("the source: the new active opened the binlog with the same replica server id") {
    breaking_source src(log, lease_lost);
    memory_dispatcher disp;
    test::compiled_router r(src, disp, store, mapper, o);
    std::jthread t;
    auto ended = run_router(r, t);
    REQUIRE(eventually([&] { return disp.acknowledged() == 1; }));
    REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(first); }));
    const auto saves_before = store.history().size();
    gate.shut();
    log.append({test::outbox_row("e2", "Order", "k", "p")});
    REQUIRE(ended.wait_for(5s) == std::future_status::ready);
    const auto [kind, text] = ended.get();
    CHECK(kind == error_kind::fenced);
    CHECK_THAT(text, Catch::Contains("no longer holds the lease") && Catch::Contains("same server_uuid/server_id"));
    CHECK(disp.sent() == 1);
    CHECK(store.history().size() == saves_before);
  }
  SECTION("the dispatcher: its delivery reports fail while reading waits for them") {
    memory_source src(log);
    memory_dispatcher::options held;
    held.auto_acknowledge = false;
    memory_dispatcher inner(held);
    breaking_dispatcher disp(inner, lease_lost);
    o.max_in_flight_messages = 1;  // e1 unacknowledged: the router waits on the dispatcher
    test::compiled_router r(src, disp, store, mapper, o);
    std::jthread t;
    auto ended = run_router(r, t);
    REQUIRE(eventually([&] { return inner.sent() == 1; }));
    const auto saves_before = store.history().size();  // where the source opened, saved before reading
    gate.shut();
    REQUIRE(ended.wait_for(5s) == std::future_status::ready);
    const auto [kind, text] = ended.get();
    CHECK(kind == error_kind::fenced);
    CHECK_THAT(text, Catch::Contains("no longer holds the lease") && Catch::Contains(producer_failed));
    CHECK(inner.sent() == 1);
    CHECK(store.history().size() == saves_before);
  }
  SECTION("the state store: unreachable while the lease runs out, as in a Redis outage") {
    memory_source src(log);
    memory_dispatcher disp;
    // The keeper cannot renew through the outage: the gate's time runs out.
    gate.open_until(steady::now() + 50ms);
    store.fail_next_loads(1'000'000, error_kind::transient);
    test::compiled_router r(src, disp, store, mapper, o);
    std::jthread t;
    auto ended = run_router(r, t);
    // Retried while the lease holds (a transient failure never reads as "no
    // checkpoint"); once it ran out, retrying would only delay the standby.
    REQUIRE(ended.wait_for(5s) == std::future_status::ready);
    const auto [kind, text] = ended.get();
    CHECK(kind == error_kind::fenced);
    CHECK_THAT(text, Catch::Contains("no longer holds the lease") && Catch::Contains("injected failure loading"));
    CHECK(disp.sent() == 0);
    CHECK(store.history().empty());
  }
  SECTION("exactly once: the source fails with a transaction open, which is aborted, not committed") {
    breaking_source src(log, lease_lost);
    memory_transaction_board board;
    memory_dispatcher::options txo;
    txo.transactions = board;
    txo.transactional_id = "tor:test";
    memory_dispatcher disp(txo);
    o.checkpoint_interval = 1h;  // only the first checkpoint is committed: e1 waits in an open transaction
    test::compiled_router r(src, disp, store, mapper, o);
    std::jthread t;
    auto ended = run_router(r, t);
    REQUIRE(eventually([&] { return disp.acknowledged() == 1; }));  // written, not yet committed
    REQUIRE(board.commits("tor:test") == 1);
    gate.shut();
    REQUIRE(ended.wait_for(5s) == std::future_status::ready);
    const auto [kind, text] = ended.get();
    CHECK(kind == error_kind::fenced);
    CHECK_THAT(text, Catch::Contains("no longer holds the lease") && Catch::Contains("same server_uuid/server_id"));
    CHECK(board.commits("tor:test") == 1);
    CHECK(disp.delivered_all("events").empty());
    CHECK(disp.aborted_messages() == 1);
    CHECK(r.stats().commits == 1);
    CHECK(r.stats().aborts == 1);  // the open transaction, given up
  }
}

TEST_CASE("the same error while the lease is held is reported as that error, after saving what was acknowledged",
          "[lease][router]") {
  memory_binlog log;
  const auto first = log.append({test::outbox_row("e1", "Order", "k", "p")});
  publish_gate gate;
  gate.open_until(steady::now() + 1h);
  std::atomic<bool> broken{false};
  const auto fails = [&broken] { return broken.load(); };
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  auto o = test::fast_options();
  o.gate = &gate;
  o.checkpoint_interval = 1h;  // e1's checkpoint is saved only by the salvage after the failure

  SECTION("the source") {
    breaking_source src(log, fails);
    memory_dispatcher disp;
    test::compiled_router r(src, disp, store, mapper, o);
    std::jthread t;
    auto ended = run_router(r, t);
    REQUIRE(eventually([&] { return disp.acknowledged() == 1; }));
    broken = true;
    REQUIRE(ended.wait_for(5s) == std::future_status::ready);
    const auto [kind, text] = ended.get();
    CHECK(kind == error_kind::source);
    CHECK(text == dump_ended);
    CHECK(store.load() == std::optional<checkpoint>(first));
  }
  SECTION("the dispatcher") {
    memory_source src(log);
    memory_dispatcher inner;
    breaking_dispatcher disp(inner, fails);
    test::compiled_router r(src, disp, store, mapper, o);
    std::jthread t;
    auto ended = run_router(r, t);
    REQUIRE(eventually([&] { return inner.acknowledged() == 1; }));
    broken = true;
    REQUIRE(ended.wait_for(5s) == std::future_status::ready);
    const auto [kind, text] = ended.get();
    CHECK(kind == error_kind::dispatch);
    CHECK(text == producer_failed);
  }
  SECTION("the state store") {
    memory_source src(log);
    memory_dispatcher disp;
    store.fail_next_loads(1, error_kind::state);
    test::compiled_router r(src, disp, store, mapper, o);
    try {
      r.run();
      FAIL("run() returned");
    } catch (const error& e) {
      CHECK(e.kind() == error_kind::state);
      CHECK_THAT(e.what(), !Catch::Contains("lease"));
    }
  }
}
