// The router with the Redis state store behind a proxy that black-holes
// traffic: it keeps connections open but stops forwarding, as a network
// partition does (no refused connection, no reset). Publishing must go on
// while saves hang or time out, and the checkpoint must catch up once the
// partition heals.
//
// Environment (from `scripts/servers.sh env`): TOR_REDIS_PORT.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include <unistd.h>

#include <tor/redis/state_store.hpp>

#include "black_hole_proxy.hpp"
#include "redis_router.hpp"
#include "router_parts.hpp"
#include "redis_support.hpp"
#include "unit/fixtures.hpp"

using namespace std::chrono_literals;
using namespace tor;
using namespace tor::testing;
using tor::test::eventually;
using tor::redis_test::black_hole_proxy;
using tor::redis_test::config_for;
using tor::redis_test::direct_reader;
using tor::redis_test::redis_port;
using tor::redis_test::running_router;


TEST_CASE("a black-holed Redis stalls no publishing, and the checkpoint catches up when it answers again",
          "[redis][router]") {
  // The command timeout is longer than this test's waits: a save that held
  // up the router would hold it up for the whole partition.
  for (const auto timeout : {std::chrono::milliseconds(60'000), std::chrono::milliseconds(300)}) {
    DYNAMIC_SECTION("command timeout " << timeout.count() << " ms") {
      const auto key = "tor:test:blackhole:" + std::to_string(timeout.count()) + ":" + std::to_string(::getpid());
      black_hole_proxy proxy(redis_port());
      redis::state_store store(config_for(key, proxy.port(), timeout));
      tor::redis_test::router_parts parts;  // the binlog, source, dispatcher and mapper for app.outbox -> "events"
      const auto first = parts.append_outbox_row("e0", "Order", "k", "p");
      auto& src = parts.source;
      auto& disp = parts.dispatcher;
      auto& mapper = parts.mapper;
      std::atomic<int> failed_saves{0};
      auto opts = test::fast_options();
      opts.checkpoint_interval = 20ms;
      opts.on_save_failed = [&](const error&) { ++failed_saves; };
      direct_reader stored(key);
      running_router run(src, disp, store, mapper, opts);
      REQUIRE(eventually([&] { return stored() == std::optional<checkpoint>(first); }));

      proxy.black_hole();
      parts.append_outbox_row("e1", "Order", "k", "p");
      REQUIRE(eventually([&] { return proxy.held_from_clients() > 0; }));  // a save is stuck in the hole
      checkpoint end;
      for (int i = 2; i <= 2000; ++i) end = parts.append_outbox_row("e" + std::to_string(i), "Order", "k", "p");
      REQUIRE(eventually([&] { return disp.acknowledged() == 2001; }, 15s));
      if (timeout < 1s) CHECK(eventually([&] { return failed_saves.load() > 0; }));
      CHECK(stored() == std::optional<checkpoint>(first));  // nothing got through meanwhile

      proxy.heal();
      REQUIRE(eventually([&] { return stored() == std::optional<checkpoint>(end); }));
      run.stop();
      CHECK(run.failure().empty());
      CHECK(run.stats().messages_acknowledged == 2001);
    }
  }
}
