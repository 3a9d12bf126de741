// Hot standby in the core: the lease keeper renews its lease, notices when
// it is lost, and shuts the publish gate before the lease can expire.
// Against the in-memory lease; the Redis lease keeps the same laws in
// tests/integration/redis/redis_lease_test.cpp.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "unit/fixtures.hpp"
#include "unit/support/lease_tests.hpp"

using namespace tor;
using namespace tor::testing;
using namespace std::chrono_literals;
using tor::test::eventually;
using tor::test::take;
using tor::test::ttl;
using steady = std::chrono::steady_clock;

TEST_CASE("a lease keeper keeps its lease past the TTL, and a standby does not get it meanwhile",
          "[lease][keeper]") {
  memory_lease_board board;
  memory_lease a(board, "a", ttl), b(board, "b", ttl);
  lease_keeper keeper(a, take(a));
  CHECK(keeper.active());
  std::stop_source standby_stop;
  auto standby = std::async(std::launch::async, [&] { return wait_for_lease(b, standby_stop.get_token()); });
  // Four TTLs: without renewals the standby would have taken it three times over.
  const auto until = steady::now() + ttl * 4;
  while (steady::now() < until) {
    REQUIRE(keeper.active());
    REQUIRE(standby.wait_for(10ms) == std::future_status::timeout);
  }
  CHECK(board.holder() == std::optional<std::string>("a"));
  CHECK(board.term() == 1);
  standby_stop.request_stop();
  REQUIRE(standby.wait_for(2s) == std::future_status::ready);
  CHECK_FALSE(standby.get().has_value());
}

TEST_CASE("a standby takes an abandoned lease within about a TTL and a poll, naming the holder before",
          "[lease][keeper]") {
  memory_lease_board board;
  memory_lease a(board, "a", ttl), b(board, "b", ttl);
  steady::time_point crashed;
  {
    lease_keeper keeper(a, take(a));
    REQUIRE(keeper.active());
    crashed = steady::now();
  }  // destroyed without release: a crash
  std::stop_source stop;
  auto took = wait_for_lease(b, stop.get_token());
  const auto waited = steady::now() - crashed;
  REQUIRE(took.has_value());
  CHECK(took->grant.previous_holder == "a");
  CHECK(took->grant.term == 2);
  CHECK(waited <= ttl + ttl / 3 + ttl);  // the TTL, a poll, and slack for scheduling
}

TEST_CASE("a lease keeper shuts the gate before the lease can expire when the store stops answering",
          "[lease][keeper]") {
  memory_lease_board board;
  memory_lease a(board, "a", ttl), b(board, "b", ttl);
  std::atomic<int> lost_calls{0}, errors{0};
  lease_keeper_options o;
  o.on_lost = [&](const std::string&) { ++lost_calls; };
  o.on_error = [&](const error&) { ++errors; };
  lease_keeper keeper(a, take(a), o);
  // Through several renewals, the gate always closes at least the safety
  // margin (a tenth of the TTL) before the store lets the lease expire.
  const auto sampled_until = steady::now() + ttl;
  while (steady::now() < sampled_until) {
    const auto gate_until = keeper.gate().until();
    const auto store_expiry = board.expires_at();  // read second: a renewal in between only moves it later
    REQUIRE(gate_until.has_value());
    REQUIRE(*gate_until + ttl / 10 <= store_expiry);
    std::this_thread::sleep_for(5ms);
  }
  board.set_unreachable(true);
  const auto cut = steady::now();
  REQUIRE(eventually([&] { return !keeper.active(); }, 2s));
  const auto shut_after = steady::now() - cut;
  // Renewed at most a third of a TTL before the cut, shut a tenth before the TTL ends
  // (plus slack for scheduling).
  CHECK(shut_after <= ttl + ttl / 4);
  REQUIRE(eventually([&] { return lost_calls.load() == 1; }, 2s));
  CHECK(errors.load() >= 1);
  CHECK_THAT(keeper.lost_reason(), Catch::Contains("could not be renewed before it expired"));
  board.set_unreachable(false);
  // The store let the lease go only after the gate was shut: b takes it now, a's gate stays shut.
  REQUIRE(eventually([&] { return b.acquire().has_value(); }, 2s));
  CHECK_FALSE(keeper.active());
}

TEST_CASE("a lease keeper whose lease was taken over shuts the gate at its next renewal", "[lease][keeper]") {
  memory_lease_board board;
  memory_lease a(board, "a", ttl), b(board, "b", ttl);
  std::promise<std::string> lost;
  lease_keeper_options o;
  o.on_lost = [&](const std::string& why) { lost.set_value(why); };
  lease_keeper keeper(a, take(a), o);
  board.expire();  // as if a had been paused for a TTL
  REQUIRE(b.acquire().has_value());
  auto why = lost.get_future();
  REQUIRE(why.wait_for(2s) == std::future_status::ready);
  CHECK_THAT(why.get(), Catch::Contains("taken over by another instance"));
  CHECK_FALSE(keeper.active());
  CHECK(board.holder() == std::optional<std::string>("b"));
}

TEST_CASE("releasing the lease at a clean stop lets a standby take over at once", "[lease][keeper]") {
  memory_lease_board board;
  memory_lease a(board, "a", 10s), b(board, "b", 10s);
  lease_keeper keeper(a, take(a));
  CHECK_FALSE(b.acquire().has_value());
  CHECK(keeper.release());
  CHECK_FALSE(keeper.active());
  auto g = b.acquire();
  REQUIRE(g.has_value());
  CHECK(g->previous_holder == "a");
}
