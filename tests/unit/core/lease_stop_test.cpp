// Hot standby in the core: a stop that comes after the lease gate shut
// neither commits (exactly once) nor saves (at least once).
#include <catch2/catch.hpp>

#include <atomic>
#include <stop_token>
#include <thread>

#include "unit/fixtures.hpp"
#include "unit/support/lease_tests.hpp"
#include "unit/support/router_tests.hpp"

using namespace tor;
using namespace tor::testing;
using namespace std::chrono_literals;
using tor::test::eventually;
using tor::test::simple_config;
using tor::test::breaking_source;
using tor::test::run_router;
using steady = std::chrono::steady_clock;

TEST_CASE("a stop that comes after the lease gate shut neither commits nor saves", "[lease][router]") {
  // The stop is noticed before the gate is looked at again: the final commit
  // (exactly once) or save (at least once) is where the gate must hold.
  memory_binlog log;
  const auto first = log.append({test::outbox_row("e1", "Order", "k", "p")});
  publish_gate gate;
  gate.open_until(steady::now() + 1h);
  std::stop_source stopper;
  std::atomic<bool> lose{false};
  // Once armed, as the next event is read: the lease runs out and a stop is
  // requested, so the router goes on to its graceful stop with the gate shut.
  const auto on_event = [&] {
    if (!lose.exchange(false)) return;
    gate.shut();
    stopper.request_stop();
  };
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  auto o = test::fast_options();
  o.gate = &gate;
  o.checkpoint_interval = 1h;  // nothing but the first checkpoint is committed or saved while running
  breaking_source src(log, [] { return false; }, on_event);

  SECTION("exactly once") {
    memory_transaction_board board;
    memory_dispatcher::options txo;
    txo.transactions = board;
    txo.transactional_id = "tor:test";
    memory_dispatcher disp(txo);
    test::compiled_router r(src, disp, store, mapper, o);
    std::jthread t;
    auto ended = run_router(r, t, stopper);
    REQUIRE(eventually([&] { return disp.acknowledged() == 1; }));
    REQUIRE(board.commits("tor:test") == 1);
    lose = true;
    log.append({test::outbox_row("e2", "Order", "k", "p")});
    REQUIRE(ended.wait_for(5s) == std::future_status::ready);
    const auto [kind, text] = ended.get();
    CHECK(kind == error_kind::fenced);
    CHECK_THAT(text, Catch::Contains("no longer holds the lease") && Catch::Contains("is not committed"));
    CHECK(board.commits("tor:test") == 1);
    CHECK(disp.delivered_all("events").empty());
  }
  SECTION("at least once") {
    memory_dispatcher disp;
    test::compiled_router r(src, disp, store, mapper, o);
    std::jthread t;
    auto ended = run_router(r, t, stopper);
    REQUIRE(eventually([&] { return disp.acknowledged() == 1; }));
    const auto saved = store.history();
    REQUIRE(saved.size() == 1);  // where the source opened, before e1
    lose = true;
    log.append({test::outbox_row("e2", "Order", "k", "p")});
    REQUIRE(ended.wait_for(5s) == std::future_status::ready);
    const auto [kind, text] = ended.get();
    CHECK(kind == error_kind::fenced);
    CHECK_THAT(text, Catch::Contains("no longer holds the lease") && Catch::Contains("is not saved"));
    CHECK(store.history() == saved);
    CHECK(store.load() != std::optional<checkpoint>(first));
  }
}
