// The documented wiring of a router behind a tor::redis::lease, against a
// real redis-server (scripts/servers.sh): it publishes, stops as fenced when
// the lease is lost, and gives the lease up after a clean stop. The lease
// itself: redis_lease_test.cpp; the wiring, quoted in docs/state-stores.md:
// redis_router.cpp.
//
// Environment (from `scripts/servers.sh env`): TOR_REDIS_PORT.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <stop_token>
#include <string>

#include <tor/mappers/outbox.hpp>
#include <tor/redis/lease.hpp>
#include <tor/testing/memory_dispatcher.hpp>
#include <tor/testing/memory_source.hpp>

#include "laws/lease_laws.hpp"
#include "redis_router.hpp"
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
  tor::testing::memory_binlog log;
  tor::testing::memory_source source(log);
  tor::testing::memory_dispatcher dispatcher;
  tor::outbox_config oc;
  oc.tables = {"app.outbox"};
  oc.topic_template = "events";
  tor::outbox_mapper mapper(oc);
  const auto table = tor::testing::make_table("app", "outbox", {"id", "aggregatetype", "aggregateid", "type", "payload"});
  const auto row = [&](const std::string& id) {
    return tor::testing::scripted_row{table, tor::row_op::insert, {}, {id, std::string("T"), std::string("k"),
                                                                       std::string("created"), std::string("p")}};
  };
  log.append({row("e1")});
  tor::redis::state_store_config store_config;
  store_config.port = redis_port();
  store_config.key = key;
  std::stop_source stopper;
  const auto stop = stopper.get_token();

  // The documented wiring (docs/state-stores.md), in redis_router.cpp.
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
    log.append({row("e2")});
    CHECK(dispatcher.sent() == 1);
    CHECK(adm.get(key + ":lease") == other.token());  // the stale instance did not touch its successor's lease
  }
  adm.del(key);
  (void)adm.conn.command({"DEL", key + ":owner"});
}
