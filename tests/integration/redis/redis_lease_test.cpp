// tor::redis::lease against a real redis-server (scripts/servers.sh): the
// lease laws shared with the in-memory double, the keys it leaves for an
// operator to read, a key of the wrong type. A lease keeper over it:
// redis_lease_keeper_test.cpp; a router behind it: redis_lease_router_test.cpp.
//
// Environment (from `scripts/servers.sh env`): TOR_REDIS_PORT.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include <tor/redis/lease.hpp>

#include "laws/lease_laws.hpp"
#include "redis_support.hpp"

using namespace std::chrono_literals;
using namespace tor::redis_test;
using tor::error;
using tor::error_kind;

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
