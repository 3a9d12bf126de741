// Hot standby in the core: the lease keeper (renewing, noticing a lost lease,
// shutting the publish gate before the lease can expire) and the router's
// gate (nothing handed to the dispatcher once it is shut). Against the
// in-memory lease; the Redis lease keeps the same laws in
// tests/integration/redis/redis_lease_test.cpp.
#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

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

constexpr const char* dump_ended =
    "the binlog dump ended: A slave with the same server_uuid/server_id as this slave has connected to the master";

// A source over a memory_binlog whose stream ends with an error once
// `broken()` holds, as MariaDB ends a binlog dump when another replica
// connects with the same server id. Checked before and after each read, so
// a break during a wait surfaces before the router looks at anything else.
// `on_event`, when set, runs on the router thread when a read yields an event.
class breaking_source {
 public:
  breaking_source(const memory_binlog& log, std::function<bool()> broken, std::function<void()> on_event = {})
      : inner_(log), broken_(std::move(broken)), on_event_(std::move(on_event)) {}
  void open(const std::optional<checkpoint>& from) { inner_.open(from); }
  [[nodiscard]] const std::optional<checkpoint>& opened_at() const noexcept { return inner_.opened_at(); }
  std::optional<change_event> next(std::chrono::milliseconds wait) {
    check();
    auto ev = inner_.next(wait);
    check();
    if (ev && on_event_) on_event_();
    return ev;
  }

 private:
  void check() const {
    if (broken_()) throw error(error_kind::source, dump_ended);
  }
  memory_source inner_;
  std::function<bool()> broken_;
  std::function<void()> on_event_;
};

constexpr const char* producer_failed = "the producer failed: Local: Fatal error";

// A dispatcher whose delivery reports fail once `broken()` holds (checked
// before and after each poll, as breaking_source does).
class breaking_dispatcher {
 public:
  breaking_dispatcher(memory_dispatcher& inner, std::function<bool()> broken)
      : inner_(inner), broken_(std::move(broken)) {}
  void send(message&& m, std::uint64_t token) { inner_.send(std::move(m), token); }
  std::size_t poll(std::vector<delivery>& out, std::chrono::milliseconds wait) {
    check();
    const auto n = inner_.poll(out, wait);
    check();
    return n;
  }
  bool flush(std::chrono::milliseconds deadline) { return inner_.flush(deadline); }

 private:
  void check() const {
    if (broken_()) throw error(error_kind::dispatch, producer_failed);
  }
  memory_dispatcher& inner_;
  std::function<bool()> broken_;
};

// How run() ended: the error's kind and a copy of its text (a copied
// tor::error would share its text with the thrower's, which ThreadSanitizer
// cannot follow), or the text "returned" when run() returned.
struct ending {
  error_kind kind{};
  std::string text;
};

// Runs `r` on `thread` until `stopper` (or the thread's own stop) asks it to stop.
template <class Router>
std::future<ending> run_router(Router& r, std::jthread& thread, std::stop_source stopper = {}) {
  auto done = std::make_shared<std::promise<ending>>();
  auto f = done->get_future();
  thread = std::jthread([&r, done, stopper](std::stop_token st) mutable {
    std::stop_callback link(st, [&stopper] { stopper.request_stop(); });
    try {
      r.run(stopper.get_token());
      done->set_value({error_kind{}, "returned"});
    } catch (const error& e) {
      done->set_value({e.kind(), std::string(e.what())});
    }
  });
  return f;
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

TEST_CASE("an error that ends the run after the lease gate shut is reported as fenced, and nothing is saved after",
          "[lease][router]") {
  // Whatever ends the run of an active whose lease ran out is what the
  // instance that took over causes: the router reports the takeover, so the
  // instance drops back to standby instead of failing.
  memory_binlog log;
  const auto first = log.append({test::outbox_row("e1", "Order", "k", "p")});
  publish_gate gate;
  gate.open_until(steady::now() + 1h);
  const auto lease_lost = [&gate] { return !gate.open(); };
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  auto o = test::fast_options();
  o.gate = &gate;

  SECTION("the source: the new active opened the binlog with the same replica server id") {
    breaking_source src(log, lease_lost);
    memory_dispatcher disp;
    router r(src, disp, store, mapper, o);
    std::jthread t;
    auto ended = run_router(r, t);
    REQUIRE(eventually([&] { return disp.acknowledged() == 1; }));
    REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(first); }));
    const auto saves_before = store.history().size();
    gate.shut();
    log.append({test::outbox_row("e2", "Order", "k", "p")});
    REQUIRE(ended.wait_for(5s) == std::future_status::ready);
    const auto [kind, text] = ended.get();
    CHECK(kind == error_kind::fenced);
    CHECK_THAT(text, Catch::Contains("no longer holds the lease") && Catch::Contains("same server_uuid/server_id"));
    CHECK(disp.sent() == 1);
    CHECK(store.history().size() == saves_before);
  }
  SECTION("the dispatcher: its delivery reports fail while reading waits for them") {
    memory_source src(log);
    memory_dispatcher::options held;
    held.auto_acknowledge = false;
    memory_dispatcher inner(held);
    breaking_dispatcher disp(inner, lease_lost);
    o.max_in_flight_messages = 1;  // e1 unacknowledged: the router waits on the dispatcher
    router r(src, disp, store, mapper, o);
    std::jthread t;
    auto ended = run_router(r, t);
    REQUIRE(eventually([&] { return inner.sent() == 1; }));
    const auto saves_before = store.history().size();  // where the source opened, saved before reading
    gate.shut();
    REQUIRE(ended.wait_for(5s) == std::future_status::ready);
    const auto [kind, text] = ended.get();
    CHECK(kind == error_kind::fenced);
    CHECK_THAT(text, Catch::Contains("no longer holds the lease") && Catch::Contains(producer_failed));
    CHECK(inner.sent() == 1);
    CHECK(store.history().size() == saves_before);
  }
  SECTION("the state store: unreachable while the lease runs out, as in a Redis outage") {
    memory_source src(log);
    memory_dispatcher disp;
    // The keeper cannot renew through the outage: the gate's time runs out.
    gate.open_until(steady::now() + 50ms);
    store.fail_next_loads(1'000'000, error_kind::transient);
    router r(src, disp, store, mapper, o);
    std::jthread t;
    auto ended = run_router(r, t);
    // Retried while the lease holds (a transient failure never reads as "no
    // checkpoint"); once it ran out, retrying would only delay the standby.
    REQUIRE(ended.wait_for(5s) == std::future_status::ready);
    const auto [kind, text] = ended.get();
    CHECK(kind == error_kind::fenced);
    CHECK_THAT(text, Catch::Contains("no longer holds the lease") && Catch::Contains("injected failure loading"));
    CHECK(disp.sent() == 0);
    CHECK(store.history().empty());
  }
  SECTION("exactly once: the source fails with a transaction open, which is aborted, not committed") {
    breaking_source src(log, lease_lost);
    memory_transaction_board board;
    memory_dispatcher::options txo;
    txo.transactions = board;
    txo.transactional_id = "tor:test";
    memory_dispatcher disp(txo);
    o.checkpoint_interval = 1h;  // only the first checkpoint is committed: e1 waits in an open transaction
    router r(src, disp, store, mapper, o);
    std::jthread t;
    auto ended = run_router(r, t);
    REQUIRE(eventually([&] { return disp.acknowledged() == 1; }));  // written, not yet committed
    REQUIRE(board.commits("tor:test") == 1);
    gate.shut();
    REQUIRE(ended.wait_for(5s) == std::future_status::ready);
    const auto [kind, text] = ended.get();
    CHECK(kind == error_kind::fenced);
    CHECK_THAT(text, Catch::Contains("no longer holds the lease") && Catch::Contains("same server_uuid/server_id"));
    CHECK(board.commits("tor:test") == 1);
    CHECK(disp.delivered_all("events").empty());
    CHECK(disp.aborted_messages() == 1);
  }
}

TEST_CASE("the same error while the lease is held is reported as that error, after saving what was acknowledged",
          "[lease][router]") {
  memory_binlog log;
  const auto first = log.append({test::outbox_row("e1", "Order", "k", "p")});
  publish_gate gate;
  gate.open_until(steady::now() + 1h);
  std::atomic<bool> broken{false};
  const auto fails = [&broken] { return broken.load(); };
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  auto o = test::fast_options();
  o.gate = &gate;
  o.checkpoint_interval = 1h;  // e1's checkpoint is saved only by the salvage after the failure

  SECTION("the source") {
    breaking_source src(log, fails);
    memory_dispatcher disp;
    router r(src, disp, store, mapper, o);
    std::jthread t;
    auto ended = run_router(r, t);
    REQUIRE(eventually([&] { return disp.acknowledged() == 1; }));
    broken = true;
    REQUIRE(ended.wait_for(5s) == std::future_status::ready);
    const auto [kind, text] = ended.get();
    CHECK(kind == error_kind::source);
    CHECK(text == dump_ended);
    CHECK(store.load() == std::optional<checkpoint>(first));
  }
  SECTION("the dispatcher") {
    memory_source src(log);
    memory_dispatcher inner;
    breaking_dispatcher disp(inner, fails);
    router r(src, disp, store, mapper, o);
    std::jthread t;
    auto ended = run_router(r, t);
    REQUIRE(eventually([&] { return inner.acknowledged() == 1; }));
    broken = true;
    REQUIRE(ended.wait_for(5s) == std::future_status::ready);
    const auto [kind, text] = ended.get();
    CHECK(kind == error_kind::dispatch);
    CHECK(text == producer_failed);
  }
  SECTION("the state store") {
    memory_source src(log);
    memory_dispatcher disp;
    store.fail_next_loads(1, error_kind::state);
    router r(src, disp, store, mapper, o);
    try {
      r.run();
      FAIL("run() returned");
    } catch (const error& e) {
      CHECK(e.kind() == error_kind::state);
      CHECK_THAT(e.what(), !Catch::Contains("lease"));
    }
  }
}

TEST_CASE("a router whose lease gate is shut before it starts does not load, and so does not claim, the checkpoint",
          "[lease][router]") {
  // A store that fences by an owner epoch claims the checkpoint when it
  // first loads: a stale instance that loaded would fence the new active.
  struct counting_store {
    memory_state_store inner;
    int loads = 0;
    std::optional<checkpoint> load() {
      ++loads;
      return inner.load();
    }
    void save(const checkpoint& c) { inner.save(c); }
  } store;
  memory_binlog log;
  log.append({test::outbox_row("e1", "Order", "k", "p")});
  memory_source src(log);
  memory_dispatcher disp;
  outbox_mapper mapper(simple_config());
  publish_gate gate;  // never opened: the lease ran out before the router started
  auto o = test::fast_options();
  o.gate = &gate;
  router r(src, disp, store, mapper, o);
  try {
    r.run();
    FAIL("run() returned");
  } catch (const error& e) {
    CHECK(e.kind() == error_kind::fenced);
    CHECK_THAT(e.what(), Catch::Contains("no longer holds the lease") && Catch::Contains("not starting"));
  }
  CHECK(store.loads == 0);
  CHECK(disp.sent() == 0);
}

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
    router r(src, disp, store, mapper, o);
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
    router r(src, disp, store, mapper, o);
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
