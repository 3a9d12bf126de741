// A lease keeper over tor::redis::lease against a real redis-server
// (scripts/servers.sh): it keeps the lease, and a standby takes it over
// after a crash. The lease itself: redis_lease_test.cpp.
//
// Environment (from `scripts/servers.sh env`): TOR_REDIS_PORT.
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <stop_token>
#include <thread>

#include <tor/core/lease_keeper.hpp>
#include <tor/redis/lease.hpp>

#include "redis_support.hpp"

using namespace std::chrono_literals;
using namespace tor::redis_test;

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
