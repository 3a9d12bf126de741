// The documented wiring of a router behind a tor::redis::lease, against a
// real redis-server (scripts/servers.sh): it publishes, stops as fenced when
// the lease is lost, and gives the lease up after a clean stop. The lease
// itself: redis_lease_test.cpp; the wiring, quoted in docs/state-stores.md:
// redis_lease_wiring.cpp.
//
// Environment (from `scripts/servers.sh env`): TOR_REDIS_PORT.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <stop_token>
#include <string>

#include <tor/redis/lease.hpp>

#include "laws/lease_laws.hpp"
#include "redis_router.hpp"
#include "router_parts.hpp"
#include "redis_support.hpp"

using namespace std::chrono_literals;
using namespace tor::redis_test;
using tor::error;
using tor::error_kind;

TEST_CASE("the documented wiring: a router behind a Redis lease publishes, stops when the lease is lost, and "
          "gives the lease up after a clean stop",
          "[redis][lease][router]") {
  const auto key = unique("lease-router");
  admin adm;
  adm.del(key);
  tor::redis_test::router_parts parts;  // the binlog, source, dispatcher and mapper for app.outbox -> "events"
  auto& source = parts.source;
  auto& dispatcher = parts.dispatcher;
  auto& mapper = parts.mapper;
  parts.append_outbox_row("e1", "T", "k", "p");
  tor::redis::state_store_config store_config;
  store_config.port = redis_port();
  store_config.key = key;
  std::stop_source stopper;
  const auto stop = stopper.get_token();

  // The documented wiring (docs/state-stores.md), in redis_lease_wiring.cpp.
  auto wiring = [&] { tor::redis_test::run_behind_lease(source, dispatcher, mapper, store_config, stop); };

  SECTION("a clean stop gives the lease up") {
    auto done = std::async(std::launch::async, wiring);
    REQUIRE(tor::laws::eventually(20s, [&] { return dispatcher.acknowledged() == 1; }));
    CHECK_FALSE(adm.get(key + ":lease").empty());
    stopper.request_stop();
    REQUIRE(done.wait_for(20s) == std::future_status::ready);
    done.get();
    CHECK(adm.get(key + ":lease").empty());
  }
  SECTION("a lost lease stops the router as fenced before it publishes more") {
    auto done = std::async(std::launch::async, wiring);
    REQUIRE(tor::laws::eventually(20s, [&] { return dispatcher.acknowledged() == 1; }));
    // Another instance takes the lease (as if this one had been paused past its TTL).
    (void)adm.conn.command({"DEL", key + ":lease"});
    tor::redis::lease other(config_for(key, "other", 10s));
    REQUIRE(other.acquire().has_value());
    REQUIRE(done.wait_for(20s) == std::future_status::ready);
    try {
      done.get();
      FAIL("the router went on after its lease was taken over");
    } catch (const error& e) {
      CHECK(e.kind() == error_kind::fenced);
      CHECK_THAT(e.what(), Catch::Contains("no longer holds the lease"));
    }
    parts.append_outbox_row("e2", "T", "k", "p");
    CHECK(dispatcher.sent() == 1);
    CHECK(adm.get(key + ":lease") == other.token());  // the stale instance did not touch its successor's lease
  }
  adm.del(key);
  (void)adm.conn.command({"DEL", key + ":owner"});
}
