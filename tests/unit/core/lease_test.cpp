// Hot standby in the core: the lease keeper (renewing, noticing a lost lease,
// shutting the publish gate before the lease can expire) and the router's
// gate (nothing handed to the dispatcher once it is shut). Against the
// in-memory lease; the Redis lease keeps the same laws in
// tests/integration/redis/redis_lease_test.cpp.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>

#include "unit/fixtures.hpp"

using namespace tor;
using namespace tor::testing;
using namespace std::chrono_literals;
using tor::test::eventually;
using steady = std::chrono::steady_clock;

namespace {

// Long enough that a loaded machine (or a sanitizer) does not delay a
// renewal past it; the bounds below leave a TTL of slack for scheduling.
constexpr auto ttl = 400ms;

outbox_config simple_config() {
  outbox_config c;
  c.tables = {"app.outbox"};
  c.topic_template = "events";
  return c;
}

taken_lease take(memory_lease& l) {
  const auto asked = steady::now();
  auto g = l.acquire();
  REQUIRE(g.has_value());
  return {*g, asked};
}

}  // namespace

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

TEST_CASE("the router hands nothing to the dispatcher once the lease gate shuts, and stops as fenced",
          "[lease][router]") {
  memory_binlog log;
  const auto first = log.append({test::outbox_row("e1", "Order", "k", "p")});
  memory_source src(log);
  memory_dispatcher disp;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  publish_gate gate;
  gate.open_until(steady::now() + 1h);
  auto o = test::fast_options();
  o.gate = &gate;
  router r(src, disp, store, mapper, o);
  // The kind and a copy of the text: a copied tor::error would share its
  // text with the thrower's (libstdc++), which ThreadSanitizer cannot follow.
  std::promise<std::pair<error_kind, std::string>> failed;
  std::jthread t([&](std::stop_token st) {
    try {
      r.run(st);
      failed.set_value({error_kind::state, "the router returned without an error"});
    } catch (const error& e) {
      failed.set_value({e.kind(), std::string(e.what())});
    }
  });
  REQUIRE(eventually([&] { return disp.acknowledged() == 1; }));
  REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(first); }));
  const auto saves_before = store.history().size();
  gate.shut();
  log.append({test::outbox_row("e2", "Order", "k", "p")});
  auto f = failed.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  const auto [kind, text] = f.get();
  CHECK(kind == error_kind::fenced);
  CHECK_THAT(text, Catch::Contains("no longer holds the lease"));
  CHECK(disp.sent() == 1);
  CHECK(store.history().size() == saves_before);  // no final save: another instance may own the checkpoint now
}

TEST_CASE("a paused active whose gate ran out publishes nothing when it wakes, though nobody shut the gate",
          "[lease][router]") {
  // The keeper's thread cannot run while the process is paused; the gate's
  // time runs out anyway, and the router compares the clock before sending.
  memory_binlog log;
  log.append({test::outbox_row("e1", "Order", "k", "p")});
  memory_source src(log);
  memory_dispatcher disp;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  publish_gate gate;
  gate.open_until(steady::now() + 1h);
  auto o = test::fast_options();
  o.gate = &gate;
  router r(src, disp, store, mapper, o);
  std::atomic<bool> done{false};
  error_kind kind{};
  std::jthread t([&](std::stop_token st) {
    try {
      r.run(st);
    } catch (const error& e) {
      kind = e.kind();
    }
    done = true;
  });
  REQUIRE(eventually([&] { return disp.acknowledged() == 1; }));
  const auto expiry = steady::now() + 30ms;
  gate.open_until(expiry);  // the last renewal: nothing extends it
  REQUIRE(eventually([&] { return steady::now() > expiry; }));
  for (int i = 2; i <= 20; ++i) log.append({test::outbox_row("e" + std::to_string(i), "Order", "k", "p")});
  REQUIRE(eventually([&] { return done.load(); }, 5s));
  CHECK(kind == error_kind::fenced);
  CHECK(disp.sent() == 1);
}
