// tor::redis::lease against a real redis-server (scripts/servers.sh): the
// lease laws shared with the in-memory double, the keys it leaves for an
// operator to read, a key of the wrong type, and a lease keeper over it.
//
// Environment (from `scripts/servers.sh env`): TOR_REDIS_PORT.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <string>

#include <unistd.h>

#include <future>

#include <tor/core/lease_keeper.hpp>
#include <tor/core/router.hpp>
#include <tor/mappers/outbox.hpp>
#include <tor/redis/lease.hpp>
#include <tor/redis/state_store.hpp>
#include <tor/testing.hpp>

#include "laws/lease_laws.hpp"

using namespace std::chrono_literals;
using tor::error;
using tor::error_kind;

namespace {

int redis_port() {
  const char* v = std::getenv("TOR_REDIS_PORT");
  if (!v || !*v)
    FAIL("TOR_REDIS_PORT is not set: run the Redis tests through scripts/test.sh, or eval \"$(scripts/servers.sh "
         "env)\" after scripts/servers.sh start redis");
  return std::stoi(v);
}

std::string unique(const std::string& name) { return "tor:test:" + name + ":" + std::to_string(::getpid()); }

tor::redis::lease_config config_for(const std::string& key, const std::string& holder,
                                    std::chrono::milliseconds ttl) {
  tor::redis::lease_config c;
  c.server.port = redis_port();
  c.server.key = key;
  c.server.holder = holder;
  c.ttl = ttl;
  return c;
}

struct admin {
  tor::redis::detail::connection conn{"127.0.0.1", redis_port(), "", 2s, 5s};
  std::string get(const std::string& k) {
    auto r = conn.command({"GET", k});
    return r->type == REDIS_REPLY_STRING ? std::string(tor::redis::detail::text_of(*r)) : std::string();
  }
  std::string hget(const std::string& k, const std::string& f) {
    auto r = conn.command({"HGET", k, f});
    return r->type == REDIS_REPLY_STRING ? std::string(tor::redis::detail::text_of(*r)) : std::string();
  }
  long long pttl(const std::string& k) { return conn.command({"PTTL", k})->integer; }
  void del(const std::string& k) { (void)conn.command({"DEL", k, k + ":lease", k + ":lease:term"}); }
};

}  // namespace

TEST_CASE("Redis lease keeps the lease laws", "[redis][lease][laws]") {
  const auto key = unique("lease-laws");
  admin a;
  a.del(key);
  tor::laws::check_lease_laws([&](const std::string& name) {
    return std::make_unique<tor::redis::lease>(config_for(key, name, 300ms));
  });
  a.del(key);
}

TEST_CASE("Redis lease: the lease key names its holder and expires, the term record stays", "[redis][lease]") {
  const auto key = unique("lease-keys");
  admin a;
  a.del(key);
  tor::redis::lease l(config_for(key, "host-1:42", 5s));
  auto g = l.acquire();
  REQUIRE(g.has_value());
  CHECK(g->term == 1);
  CHECK(a.get(key + ":lease") == l.token());
  CHECK(l.token().rfind("host-1:42#", 0) == 0);
  CHECK(a.pttl(key + ":lease") > 4000);
  CHECK(a.pttl(key + ":lease:term") == -1);  // no TTL: terms only grow
  CHECK(a.hget(key + ":lease:term", "term") == "1");
  CHECK(a.hget(key + ":lease:term", "holder") == l.token());
  tor::redis::lease other(config_for(key, "host-2:42", 5s));
  CHECK_FALSE(other.acquire().has_value());
  CHECK(other.current_holder() == l.token());
  l.release();
  CHECK(a.get(key + ":lease").empty());
  a.del(key);
}

TEST_CASE("Redis lease refuses a key holding something else, naming it", "[redis][lease]") {
  const auto key = unique("lease-wrongtype");
  admin a;
  a.del(key);
  (void)a.conn.command({"RPUSH", key + ":lease", "x"});
  tor::redis::lease l(config_for(key, "h", 1s));
  try {
    (void)l.acquire();
    FAIL("acquire() accepted a list as the lease");
  } catch (const error& e) {
    CHECK(e.kind() == error_kind::state);
    CHECK_THAT(e.what(), Catch::Contains("holds a list") && Catch::Contains(key + ":lease") &&
                             Catch::Contains("delete"));
  }
  a.del(key);
}

TEST_CASE("Redis lease: an unreachable server is a transient error naming it", "[redis][lease]") {
  auto c = config_for(unique("lease-down"), "h", 1s);
  c.server.port = 1;  // nothing listens there
  tor::redis::lease l(c);
  try {
    (void)l.acquire();
    FAIL("acquire() succeeded against a closed port");
  } catch (const error& e) {
    CHECK(e.kind() == error_kind::transient);
    CHECK_THAT(e.what(), Catch::Contains("127.0.0.1:1"));
  }
}

TEST_CASE("a lease keeper over Redis keeps the lease, and a standby takes it over after a crash",
          "[redis][lease][keeper]") {
  const auto key = unique("lease-keeper");
  admin a;
  a.del(key);
  // A TTL a loaded 2-core machine can renew within (renewals every TTL/3).
  constexpr auto ttl = 1500ms;
  tor::redis::lease first(config_for(key, "first", ttl)), second(config_for(key, "second", ttl));
  std::optional<tor::taken_lease> took;
  std::chrono::steady_clock::time_point crashed;
  {
    auto t = tor::wait_for_lease(first, std::stop_token{});
    REQUIRE(t.has_value());
    tor::lease_keeper keeper(first, *t);
    const auto until = std::chrono::steady_clock::now() + 2 * ttl;
    while (std::chrono::steady_clock::now() < until) {
      REQUIRE(keeper.active());
      REQUIRE_FALSE(second.acquire().has_value());
      std::this_thread::sleep_for(50ms);
    }
    crashed = std::chrono::steady_clock::now();
  }
  took = tor::wait_for_lease(second, std::stop_token{});
  REQUIRE(took.has_value());
  CHECK(took->grant.term == 2);
  CHECK(took->grant.previous_holder == first.token());
  CHECK(std::chrono::steady_clock::now() - crashed < ttl + ttl / 3 + 200ms);
  CHECK_FALSE(first.renew());
  a.del(key);
}

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

  auto wiring = [&] {
    tor::redis::lease_config lease_config;
    lease_config.server = store_config;                  // the checkpoint's Redis and key
    lease_config.ttl = std::chrono::seconds(10);
    tor::redis::lease lease{lease_config};
    auto taken = tor::wait_for_lease(lease, stop);      // a standby until here
    tor::lease_keeper keeper{lease, *taken};             // active
    tor::router_options o;
    o.gate = &keeper.gate();
    tor::redis::state_store store{store_config};         // claims the checkpoint key when it loads
    tor::router r{source, dispatcher, store, mapper, o};
    r.run(stop);                                         // throws error_kind::fenced if the lease is lost
    keeper.release();                                    // after a clean stop: a standby takes over at once
  };

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
