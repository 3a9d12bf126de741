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
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include <unistd.h>

#include <tor/mappers/outbox.hpp>
#include <tor/redis/state_store.hpp>
#include <tor/testing/memory_dispatcher.hpp>
#include <tor/testing/memory_source.hpp>

#include "black_hole_proxy.hpp"
#include "redis_router.hpp"
#include "unit/fixtures.hpp"

using namespace std::chrono_literals;
using namespace tor;
using namespace tor::testing;
using tor::test::eventually;
using tor::redis_test::black_hole_proxy;
using tor::redis_test::running_router;

namespace {

int redis_port() {
  const char* v = std::getenv("TOR_REDIS_PORT");
  if (!v || !*v) FAIL("TOR_REDIS_PORT is not set: run through scripts/test.sh, or eval \"$(scripts/servers.sh env)\"");
  return std::stoi(v);
}

outbox_config outbox() {
  outbox_config c;
  c.tables = {"app.outbox"};
  c.topic_template = "events";
  return c;
}

redis::state_store_config config_for(const std::string& key, int port, std::chrono::milliseconds timeout) {
  redis::state_store_config c;
  c.port = port;
  c.key = key;
  c.timeout = timeout;
  c.reconnect_backoff_min = 20ms;
  c.reconnect_backoff_max = 200ms;
  return c;
}

// Reads the key straight from Redis, without claiming it: the router stays its owner.
struct direct_reader {
  redis::state_store store;
  explicit direct_reader(const std::string& key) : store(config_for(key, redis_port(), 2s)) {}
  std::optional<checkpoint> operator()() {
    auto doc = store.peek();
    if (!doc) return std::nullopt;
    return doc->state;
  }
};

}  // namespace

TEST_CASE("a black-holed Redis stalls no publishing, and the checkpoint catches up when it answers again",
          "[redis][router]") {
  // The command timeout is longer than this test's waits: a save that held
  // up the router would hold it up for the whole partition.
  for (const auto timeout : {std::chrono::milliseconds(60'000), std::chrono::milliseconds(300)}) {
    DYNAMIC_SECTION("command timeout " << timeout.count() << " ms") {
      const auto key = "tor:test:blackhole:" + std::to_string(timeout.count()) + ":" + std::to_string(::getpid());
      black_hole_proxy proxy(redis_port());
      redis::state_store store(config_for(key, proxy.port(), timeout));
      memory_binlog log;
      const auto first = log.append({test::outbox_row("e0", "Order", "k", "p")});
      memory_source src(log);
      memory_dispatcher disp;
      outbox_mapper mapper(outbox());
      std::atomic<int> failed_saves{0};
      auto opts = test::fast_options();
      opts.checkpoint_interval = 20ms;
      opts.on_save_failed = [&](const error&) { ++failed_saves; };
      direct_reader stored(key);
      running_router run(src, disp, store, mapper, opts);
      REQUIRE(eventually([&] { return stored() == std::optional<checkpoint>(first); }));

      proxy.black_hole();
      log.append({test::outbox_row("e1", "Order", "k", "p")});
      REQUIRE(eventually([&] { return proxy.held_from_clients() > 0; }));  // a save is stuck in the hole
      checkpoint end;
      for (int i = 2; i <= 2000; ++i) end = log.append({test::outbox_row("e" + std::to_string(i), "Order", "k", "p")});
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
