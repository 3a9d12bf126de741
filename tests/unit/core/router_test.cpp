#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <map>
#include <random>
#include <set>

#include "unit/fixtures.hpp"
#include "unit/heap_usage.hpp"

using namespace tor;
using namespace tor::testing;
using namespace std::chrono_literals;
using tor::test::eventually;

namespace {

outbox_config simple_config() {
  outbox_config c;
  c.tables = {"app.outbox"};
  c.topic_template = "events";
  return c;
}

// Runs the router on a thread; `result` holds the error text when it failed.
template <class Router>
struct running {
  Router& r;
  std::atomic<bool> finished{false};
  std::string failure;
  error_kind kind{};
  std::jthread thread;

  explicit running(Router& router)
      : r(router), thread([this](std::stop_token st) {
          try {
            r.run(st);
          } catch (const error& e) {
            failure = e.what();
            kind = e.kind();
          }
          finished = true;
        }) {}
  void stop() {
    thread.request_stop();
    thread.join();
  }
};

// Lets held saves go on scope exit, so a failed REQUIRE does not leave a router stuck in a save.
struct releasing_saves {
  memory_state_store& store;
  ~releasing_saves() { store.release_saves(); }
};

std::set<std::string> ids_of(const std::vector<memory_dispatcher::record>& recs) {
  std::set<std::string> ids;
  for (const auto& r : recs) ids.insert(*r.msg.find_header("id"));
  return ids;
}

}  // namespace

TEST_CASE("router publishes outbox rows in order and saves the checkpoint after them", "[router]") {
  memory_binlog log;
  log.append({test::outbox_row("e1", "Order", "o-1", R"({"n":1})"), test::order_row(1)});
  log.append({test::order_row(2)});
  const auto end = log.append({test::outbox_row("e2", "Order", "o-1", R"({"n":2})")});
  memory_source src(log);
  memory_dispatcher disp;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(end); }));
  run.stop();
  REQUIRE(run.failure.empty());

  const auto got = disp.delivered("events");
  REQUIRE(got.size() == 2);
  CHECK(got[0].msg.key == "o-1");
  CHECK(got[0].msg.value == std::optional<std::string>(R"({"n":1})"));
  CHECK(*got[0].msg.find_header("id") == "e1");
  CHECK(*got[1].msg.find_header("id") == "e2");
  CHECK(*got[0].msg.find_header("tor.binlog.file") == "memory-bin.000001");
  CHECK(got[0].msg.find_header("tor.gtid") != nullptr);

  const auto s = r.stats();
  CHECK(s.transactions == 3);
  CHECK(s.rows == 4);
  CHECK(s.messages_sent == 2);
  CHECK(s.messages_acknowledged == 2);
  CHECK(s.in_flight_messages == 0);
  CHECK(s.last_saved == std::optional<checkpoint>(end));
}

TEST_CASE("the checkpoint never passes an unacknowledged message, under random ack orders and failures",
          "[router][checkpoint]") {
  for (std::uint64_t seed = 1; seed <= 150; ++seed) {
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    memory_binlog log;
    struct txn {
      checkpoint end;
      std::vector<std::string> ids;
    };
    std::vector<txn> txns;
    int next_id = 0;
    const int count = 10 + static_cast<int>(rng() % 30);
    for (int t = 0; t < count; ++t) {
      std::vector<scripted_row> rows;
      std::vector<std::string> ids;
      const int n = static_cast<int>(rng() % 5);
      for (int i = 0; i < n; ++i) {
        if (rng() % 4 == 0) {
          rows.push_back(test::order_row(next_id));
        } else {
          ids.push_back("e" + std::to_string(next_id));
          rows.push_back(test::outbox_row(ids.back(), "Order", "k" + std::to_string(rng() % 7), "p"));
        }
        ++next_id;
      }
      if (t % 9 == 4) log.rotate();
      txns.push_back({log.append(rows), ids});
    }
    std::vector<std::string> all_ids;
    for (const auto& t : txns) all_ids.insert(all_ids.end(), t.ids.begin(), t.ids.end());
    if (all_ids.empty()) continue;

    const bool inject = seed % 3 == 0;
    const std::string poison = all_ids[rng() % all_ids.size()];
    memory_dispatcher::options dopt;
    dopt.default_partitions = 1 + static_cast<int>(seed % 4);
    dopt.shuffle_seed = seed;
    if (inject)
      dopt.fail = [poison](const message& m) -> std::optional<std::string> {
        if (*m.find_header("id") == poison) return "injected failure";
        return std::nullopt;
      };
    memory_dispatcher disp(dopt);
    memory_state_store store;
    if (seed % 4 == 0) store.fail_next(3, error_kind::transient);
    memory_source src(log);
    outbox_mapper mapper(simple_config());

    std::atomic<int> violations{0};
    auto opts = test::fast_options();
    opts.checkpoint_interval = std::chrono::milliseconds(rng() % 3);
    opts.max_in_flight_messages = 1 + rng() % 20;
    opts.on_saved = [&](const checkpoint& c) {
      const auto acked = ids_of(disp.delivered_all("events"));
      for (const auto& t : txns) {
        if (!(t.end.position <= c.position)) break;
        for (const auto& id : t.ids)
          if (!acked.count(id)) ++violations;
      }
    };
    router r(src, disp, store, mapper, opts);
    running run(r);
    if (inject) {
      REQUIRE(eventually([&] { return run.finished.load(); }));
    } else {
      REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(txns.back().end); }));
    }
    run.stop();
    CHECK(violations == 0);
    if (inject) {
      CHECK(run.kind == error_kind::dispatch);
      CHECK_THAT(run.failure, Catch::Contains("table app.outbox") && Catch::Contains("binlog memory-bin.") &&
                                  Catch::Contains("injected failure"));
      const auto saved = store.load();
      for (const auto& t : txns)
        if (std::find(t.ids.begin(), t.ids.end(), poison) != t.ids.end())
          CHECK((!saved || saved->position < t.end.position));
    } else {
      CHECK(run.failure.empty());
      CHECK(ids_of(disp.delivered_all("events")).size() == all_ids.size());
    }
  }
}

TEST_CASE("a crash and a restart from the saved checkpoint lose nothing and replay only what was not saved",
          "[router][restart]") {
  memory_binlog log;
  std::vector<std::pair<checkpoint, std::string>> txns;
  for (int i = 0; i < 200; ++i) {
    const auto id = "e" + std::to_string(i);
    txns.emplace_back(log.append({test::outbox_row(id, "Order", "k" + std::to_string(i % 5), std::to_string(i))}), id);
  }
  memory_state_store store;
  outbox_mapper mapper(simple_config());

  memory_source::options crash;
  crash.fail_after_events = 301;  // mid-transaction
  memory_source src1(log, crash);
  memory_dispatcher::options slow;
  slow.default_partitions = 3;
  slow.shuffle_seed = 7;
  memory_dispatcher d1(slow);
  router r1(src1, d1, store, mapper, test::fast_options());
  running run1(r1);
  REQUIRE(eventually([&] { return run1.finished.load(); }));
  run1.stop();
  REQUIRE_THAT(run1.failure, Catch::Contains("injected failure"));
  const auto saved = store.load();

  memory_source src2(log);
  memory_dispatcher d2(slow);
  router r2(src2, d2, store, mapper, test::fast_options());
  running run2(r2);
  REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(txns.back().first); }));
  run2.stop();

  auto first = ids_of(d1.delivered_all("events"));
  const auto second = ids_of(d2.delivered_all("events"));
  std::set<std::string> expected_second;
  for (const auto& [end, id] : txns)
    if (!saved || saved->position < end.position) expected_second.insert(id);
  CHECK(second == expected_second);  // replays exactly what the checkpoint did not cover
  first.insert(second.begin(), second.end());
  CHECK(first.size() == txns.size());  // nothing lost
}

TEST_CASE("messages with the same key keep commit order in their partition", "[router][order]") {
  memory_binlog log;
  for (int i = 0; i < 500; ++i)
    log.append({test::outbox_row(std::string("e").append(std::to_string(i)), "Order", std::string("k").append(std::to_string(i % 13)), std::to_string(i))});
  memory_dispatcher::options o;
  o.default_partitions = 5;
  o.shuffle_seed = 99;
  memory_dispatcher disp(o);
  memory_state_store store;
  memory_source src(log);
  outbox_mapper mapper(simple_config());
  router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  REQUIRE(eventually([&] { return disp.acknowledged() == 500; }));
  run.stop();
  std::map<std::string, int> last;
  std::map<std::string, int> partition_of;
  for (int p = 0; p < 5; ++p) {
    for (const auto& rec : disp.delivered("events", p)) {
      const int n = std::stoi(*rec.msg.value);
      auto [it, fresh] = partition_of.emplace(rec.msg.key, p);
      CHECK(it->second == p);  // same key, same partition
      if (!fresh || last.count(rec.msg.key)) CHECK(n > last[rec.msg.key]);
      last[rec.msg.key] = n;
    }
  }
  CHECK(partition_of.size() == 13);
}

TEST_CASE("backpressure bounds in-flight messages and bytes through a huge transaction", "[router][backpressure]") {
  memory_binlog log;
  std::vector<scripted_row> rows;
  for (int i = 0; i < 100'000; ++i)
    rows.push_back(test::outbox_row(std::string("e").append(std::to_string(i)), "Order", "k", std::string(256, 'x')));
  const auto end = log.append(rows);
  rows.clear();

  for (const bool by_bytes : {false, true}) {
    INFO((by_bytes ? "byte bound" : "message bound"));
    memory_dispatcher::options o;
    o.auto_acknowledge = false;
    o.record = false;
    memory_dispatcher disp(o);
    memory_state_store store;
    memory_source src(log);
    outbox_mapper mapper(simple_config());
    auto opts = test::fast_options();
    if (by_bytes) {
      opts.max_in_flight_bytes = 64 * 1024;
    } else {
      opts.max_in_flight_messages = 1000;
    }
    router r(src, disp, store, mapper, opts);
    running run(r);
    std::jthread releaser([&](std::stop_token st) {
      while (!st.stop_requested()) {
        disp.release(500);
        std::this_thread::sleep_for(100us);
      }
    });
    REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(end); }, 60s));
    releaser.request_stop();
    run.stop();
    if (by_bytes) {
      // ~330 bytes a message: the bound admits at most 64 KiB plus the one message that crossed it.
      CHECK(disp.high_water() <= 64 * 1024 / 300 + 1);
    } else {
      CHECK(disp.high_water() <= 1000);
    }
    CHECK(disp.acknowledged() == 100'000);
  }
}

TEST_CASE("the router stops promptly when the source is idle", "[router][stop]") {
  memory_binlog log;
  memory_source src(log);
  memory_dispatcher disp;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  auto opts = test::fast_options();
  opts.idle_wait = 100ms;
  router r(src, disp, store, mapper, opts);
  std::stop_source stop;
  auto done = std::async(std::launch::async, [&] { r.run(stop.get_token()); });
  // Running, with nothing to read: it saved where the source opened and waits for events.
  REQUIRE(eventually([&] { return !store.history().empty(); }));
  stop.request_stop();
  CHECK(done.wait_for(5s) == std::future_status::ready);
  done.get();
  // Nothing read: only where the source opened was saved (the beginning of the log).
  CHECK(store.history() == std::vector<checkpoint>{log.beginning()});
}

TEST_CASE("a graceful stop flushes, then saves the checkpoint of what was delivered", "[router][stop]") {
  memory_binlog log;
  checkpoint end;
  for (int i = 0; i < 50; ++i) end = log.append({test::outbox_row("e" + std::to_string(i), "Order", "k", "p")});
  memory_dispatcher::options o;
  o.auto_acknowledge = false;
  memory_dispatcher disp(o);
  memory_state_store store;
  memory_source src(log);
  outbox_mapper mapper(simple_config());
  router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  REQUIRE(eventually([&] { return disp.sent() == 50; }));
  CHECK(store.load() == std::optional<checkpoint>(log.beginning()));  // nothing acknowledged yet
  // Acknowledged only once the stop is under way: the stop must wait for them in its flush.
  std::jthread releaser([&] {
    if (eventually([&] { return disp.flush_calls() > 0; })) disp.release_all();
  });
  run.stop();
  CHECK(run.failure.empty());
  CHECK(store.load() == std::optional<checkpoint>(end));
}

TEST_CASE("a mapper failure stops the router naming the table, column and position", "[router][failure]") {
  memory_binlog log;
  const auto good = log.append({test::outbox_row("e1", "Order", "k", "p")});
  log.append({{test::outbox_table, row_op::insert, {}, {std::string("e2"), std::string("Order"), null_value{},
                                                         std::string("t"), std::string("p")}}});
  log.append({test::outbox_row("e3", "Order", "k", "p")});
  memory_source src(log);
  memory_dispatcher disp;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  REQUIRE(eventually([&] { return run.finished.load(); }));
  run.stop();
  CHECK(run.kind == error_kind::mapping);
  CHECK_THAT(run.failure, Catch::Contains("app.outbox") && Catch::Contains("memory-bin.000001:") &&
                              Catch::Contains("aggregateid") && Catch::Contains("NULL"));
  CHECK(store.load() == std::optional<checkpoint>(good));  // saved up to the failing row, not past it
  CHECK(disp.delivered("events").size() == 1);
}

TEST_CASE("transient state-store failures do not stop publishing; fencing does", "[router][state]") {
  memory_binlog log;
  checkpoint end;
  for (int i = 0; i < 20; ++i) end = log.append({test::outbox_row("e" + std::to_string(i), "Order", "k", "p")});
  outbox_mapper mapper(simple_config());

  SECTION("transient") {
    memory_source src(log);
    memory_dispatcher disp;
    memory_state_store store;
    store.fail_next(5, error_kind::transient);
    std::atomic<int> reported{0};
    auto opts = test::fast_options();
    opts.on_save_failed = [&](const error&) { ++reported; };
    router r(src, disp, store, mapper, opts);
    running run(r);
    REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(end); }));
    run.stop();
    CHECK(run.failure.empty());
    CHECK(reported == 5);
    CHECK(disp.acknowledged() == 20);
    CHECK(r.stats().save_failures == 0);  // reset by the successful save
  }
  SECTION("fenced") {
    memory_source src(log);
    memory_dispatcher disp;
    memory_state_store store;
    store.fail_next(1000, error_kind::fenced);
    router r(src, disp, store, mapper, test::fast_options());
    running run(r);
    REQUIRE(eventually([&] { return run.finished.load(); }));
    run.stop();
    CHECK(run.kind == error_kind::fenced);
    CHECK_THAT(run.failure, Catch::Contains("cannot save the checkpoint"));
    CHECK_FALSE(store.load().has_value());
  }
}

TEST_CASE("a state store that does not answer stalls neither reading nor publishing", "[router][state]") {
  memory_binlog log;
  const auto first = log.append({test::outbox_row("e0", "Order", "k", "p")});
  memory_source src(log);
  memory_dispatcher disp;
  memory_state_store store;
  store.save(log.beginning());  // a saved checkpoint: the router makes no first save of its own
  store.hold_saves();
  outbox_mapper mapper(simple_config());
  router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  releasing_saves on_exit{store};  // a failed REQUIRE must not leave the router hanging in a save
  REQUIRE(store.wait_for_held_save(20s));  // the save of `first` hangs, as against a black-holed Redis

  checkpoint end;
  for (int i = 1; i <= 500; ++i) end = log.append({test::outbox_row("e" + std::to_string(i), "Order", "k", "p")});
  REQUIRE(eventually([&] { return disp.acknowledged() == 501; }));
  CHECK(r.stats().transactions == 501);
  CHECK(store.history().size() == 1);  // only the checkpoint saved before the router ran
  CHECK(r.stats().last_saved == std::optional<checkpoint>(log.beginning()));

  store.release_saves();
  REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(end); }));
  run.stop();
  CHECK(run.failure.empty());
  const auto saves = store.history();
  REQUIRE(saves.size() >= 2);
  CHECK(saves[1] == first);
  // The checkpoints of the 500 transactions read meanwhile did not queue up: the latest replaced the others.
  CHECK(saves.size() <= 4);
}

TEST_CASE("a fenced save stops the router while it keeps publishing, and nothing is saved after it",
          "[router][state]") {
  memory_binlog log;
  log.append({test::outbox_row("e0", "Order", "k", "p")});
  memory_source src(log);
  memory_dispatcher disp;
  memory_state_store store;
  store.save(log.beginning());
  store.hold_saves();
  store.fail_next(1, error_kind::fenced);
  outbox_mapper mapper(simple_config());
  router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  releasing_saves on_exit{store};
  REQUIRE(store.wait_for_held_save(20s));
  for (int i = 1; i <= 50; ++i) log.append({test::outbox_row("e" + std::to_string(i), "Order", "k", "p")});
  REQUIRE(eventually([&] { return disp.acknowledged() == 51; }));
  CHECK_FALSE(run.finished.load());
  store.release_saves();  // the held save is refused as fenced
  REQUIRE(eventually([&] { return run.finished.load(); }));
  run.stop();
  CHECK(run.kind == error_kind::fenced);
  CHECK_THAT(run.failure, Catch::Contains("cannot save the checkpoint"));
  CHECK(store.history().size() == 1);
  CHECK(store.attempts() == 2);  // the setup's save and the refused one: no retry, no final save
}

TEST_CASE("a graceful stop saves the last checkpoint after a hanging save lets go", "[router][state][stop]") {
  memory_binlog log;
  log.append({test::outbox_row("e0", "Order", "k", "p")});
  memory_source src(log);
  memory_dispatcher disp;
  memory_state_store store;
  store.save(log.beginning());  // a saved checkpoint: the router makes no first save of its own
  store.hold_saves();
  outbox_mapper mapper(simple_config());
  router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  releasing_saves on_exit{store};  // a failed REQUIRE must not leave the router hanging in a save
  REQUIRE(store.wait_for_held_save(20s));
  checkpoint end;
  for (int i = 1; i <= 50; ++i) end = log.append({test::outbox_row("e" + std::to_string(i), "Order", "k", "p")});
  REQUIRE(eventually([&] { return disp.acknowledged() == 51; }));
  run.thread.request_stop();  // the stop waits for the save in flight (a real store's timeout bounds it)
  store.release_saves();
  run.stop();
  CHECK(run.failure.empty());
  CHECK(store.load() == std::optional<checkpoint>(end));
}

TEST_CASE("a first run saves where the source opened before reading, so a restart skips nothing",
          "[router][restart]") {
  memory_binlog log;
  log.append({test::outbox_row("old1", "Order", "k", "p")});
  const auto at_start = log.append({test::outbox_row("old2", "Order", "k", "p")});
  memory_source::options so;
  so.start_at_end = true;
  memory_source src(log, so);
  memory_dispatcher disp;
  memory_state_store store;
  store.hold_saves();
  outbox_mapper mapper(simple_config());
  {
    router r(src, disp, store, mapper, test::fast_options());
    running run(r);
    releasing_saves on_exit{store};
    REQUIRE(store.wait_for_held_save(20s));  // the first save, held: nothing may be read before it
    log.append({test::outbox_row("e1", "Order", "k", "p")});
    CHECK(disp.sent() == 0);
    CHECK(r.stats().events_read == 0);
    // The router is stopped here, before it read anything (a crash would do the same).
    run.thread.request_stop();
    store.release_saves();
    run.stop();
    CHECK(run.failure.empty());
  }
  REQUIRE(store.history().size() >= 1);
  CHECK(store.history().front() == at_start);

  // The restart resumes where the first run opened: e1, committed meanwhile, is published.
  memory_source src2(log, so);
  router r2(src2, disp, store, mapper, test::fast_options());
  running run2(r2);
  REQUIRE(eventually([&] { return disp.acknowledged() == 1; }));
  run2.stop();
  CHECK(ids_of(disp.delivered("events")) == std::set<std::string>{"e1"});
}

TEST_CASE("the router resumes after the saved checkpoint and skips nothing", "[router][restart]") {
  memory_binlog log;
  const auto first = log.append({test::outbox_row("e1", "Order", "k", "p")});
  const auto second = log.append({test::outbox_row("e2", "Order", "k", "p")});
  memory_state_store store;
  store.save(first);
  memory_source src(log);
  memory_dispatcher disp;
  outbox_mapper mapper(simple_config());
  router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(second); }));
  run.stop();
  const auto got = disp.delivered("events");
  REQUIRE(got.size() == 1);
  CHECK(*got[0].msg.find_header("id") == "e2");
}

TEST_CASE("a transient failure to load the checkpoint is retried, never read as no checkpoint", "[router][state]") {
  memory_binlog log;
  const auto first = log.append({test::outbox_row("e1", "Order", "k", "p")});
  const auto second = log.append({test::outbox_row("e2", "Order", "k", "p")});
  memory_state_store store;
  store.save(first);
  store.fail_next_loads(3, error_kind::transient);
  memory_source src(log);
  memory_dispatcher disp;
  outbox_mapper mapper(simple_config());
  router r(src, disp, store, mapper, test::fast_options());
  running run(r);
  // history(), not load(): the test must not consume the injected load failures itself.
  REQUIRE(eventually([&] { return store.history().back() == second; }));
  run.stop();
  CHECK(r.stats().messages_sent == 1);
  REQUIRE(disp.delivered("events").size() == 1);  // resumed after `first`, not from the start
  CHECK(*disp.delivered("events")[0].msg.find_header("id") == "e2");

  memory_state_store broken;
  broken.fail_next_loads(1, error_kind::state);
  memory_source src2(log);
  router r2(src2, disp, broken, mapper, test::fast_options());
  CHECK_THROWS_WITH(r2.run(), Catch::Contains("injected failure loading"));
}

namespace {

// A source that makes `count` one-row outbox transactions as it is read,
// without storing them (a million stored transactions would dwarf what the
// test measures). Transaction `stuck` has key "stuck", the others keys from
// `keys`. Transaction n spans [4 + 300n, 4 + 300(n+1)) of one binlog file
// and has GTID 0-1-(n+1).
class generated_source {
 public:
  generated_source(std::uint64_t count, std::uint64_t stuck, std::vector<std::string> keys)
      : count_(count), stuck_(stuck), keys_(std::move(keys)) {}

  void open(const std::optional<checkpoint>& from) {
    next_ = 0;
    gtids_ = gtid_set(gtid_flavor::mariadb);
    if (from) {
      next_ = (from->position.offset - 4) / 300;
      gtids_ = from->gtids;
    }
    step_ = 0;
  }

  std::optional<change_event> next(std::chrono::milliseconds) {
    if (next_ >= count_) return std::nullopt;
    const std::uint64_t begin = 4 + next_ * 300;
    switch (step_++) {
      case 0: return change_event{begin_event{"0-1-" + std::to_string(next_ + 1), {file, begin}, clock::now()}};
      case 1: {
        row_change r;
        r.table = test::outbox_table;
        r.after.values = {std::string("e") + std::to_string(next_), std::string("Order"),
                          next_ == stuck_ ? std::string("stuck") : keys_[next_ % keys_.size()],
                          std::string("created"), std::string("{}")};
        r.position = {file, begin + 100};
        return change_event{std::move(r)};
      }
      default: {
        step_ = 0;
        ++next_;
        gtids_.add(gtid{gtid_flavor::mariadb, 0, 1, {}, next_});
        return change_event{commit_event{checkpoint{{file, 4 + next_ * 300}, gtids_, "1"}, clock::now()}};
      }
    }
  }

  /// The checkpoint after the first n transactions.
  [[nodiscard]] static checkpoint end_of(std::uint64_t n) {
    gtid_set g(gtid_flavor::mariadb);
    g.add(gtid{gtid_flavor::mariadb, 0, 1, {}, n});
    return checkpoint{{file, 4 + n * 300}, g, "1"};
  }

  static inline const std::string file = "gen-bin.000001";

 private:
  std::uint64_t count_;
  std::uint64_t stuck_;
  std::vector<std::string> keys_;
  std::uint64_t next_ = 0;
  int step_ = 0;
  gtid_set gtids_{gtid_flavor::mariadb};
};

}  // namespace

// Under the sanitizers every allocation costs tens of times more: a fifth of
// the flow still outnumbers the bound twenty times over.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::uint64_t later_transactions = 200'000;
#else
constexpr std::uint64_t later_transactions = 1'000'000;
#endif

TEST_CASE("one stuck message keeps memory bounded while a million later transactions flow",
          "[router][backpressure][memory]") {
  constexpr std::uint64_t stuck = 5;  // five transactions before it are done and saved
  constexpr std::uint64_t total = stuck + 1 + later_transactions;
  constexpr std::size_t bound = 10'000;  // max_pending_transactions and max_in_flight_messages
  const bool fail_it = GENERATE(false, true);
  INFO((fail_it ? "the stuck message fails" : "the stuck message is acknowledged"));
  memory_dispatcher::options dopt;
  dopt.default_partitions = 4;
  dopt.record = false;
  if (fail_it) dopt.fail = [](const message& m) -> std::optional<std::string> {
    if (m.key == "stuck") return std::string("leader not available");
    return std::nullopt;
  };
  memory_dispatcher disp(dopt);
  message probe;
  probe.topic = "events";
  probe.key = "stuck";
  const int stuck_partition = disp.partition_for(probe);
  std::vector<std::string> keys;
  for (int i = 0; keys.size() < 8; ++i) {
    probe.key = "k" + std::to_string(i);
    if (disp.partition_for(probe) != stuck_partition) keys.push_back(probe.key);
  }
  disp.hold_partition("events", stuck_partition);

  generated_source src(total, stuck, keys);
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  auto opts = test::fast_options();
  opts.max_in_flight_messages = bound;
  opts.max_pending_transactions = bound;
  const auto heap_before = test::heap::live();
  test::heap::reset_peak();
  router r(src, disp, store, mapper, opts);
  running run(r);

  // Reading pauses at the bound while the stuck message waits, and stays
  // paused once every other message is acknowledged and served.
  REQUIRE(eventually([&] { return r.stats().pending_transactions >= bound; }));
  REQUIRE(eventually([&] {
    const auto s = r.stats();
    return s.messages_acknowledged + 1 == s.messages_sent && disp.held() == 1;
  }));
  CHECK(r.stats().transactions <= stuck + bound);
  CHECK(r.stats().pending_transactions <= bound + 1);  // and the one being read
  // The checkpoint reaches the stuck message, and stops there.
  REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(generated_source::end_of(stuck)); }));

  disp.release_partition("events", stuck_partition);
  if (fail_it) {
    REQUIRE(eventually([&] { return run.finished.load(); }));
    run.stop();
    CHECK(run.kind == error_kind::dispatch);
    CHECK_THAT(run.failure, Catch::Contains("leader not available") &&
                                Catch::Contains(generated_source::file + ":" + std::to_string(4 + stuck * 300 + 100)));
    CHECK(store.load() == std::optional<checkpoint>(generated_source::end_of(stuck)));  // never past it
  } else {
    REQUIRE(eventually([&] { return store.load() == std::optional<checkpoint>(generated_source::end_of(total)); },
                       120s));
    run.stop();
    CHECK(run.failure.empty());
    CHECK(disp.acknowledged() == total);
  }
  // The stated bound: the tracker's record rings (slots are allocated in
  // powers of two, so up to twice the bound) and one whole checkpoint.
  const std::size_t slots = 16'384;  // the power of two at or above the bound
  const auto tracker_bound =
      slots * (checkpoint_tracker::transaction_record_bytes + checkpoint_tracker::message_record_bytes) + 4096;
  const auto heap_peak = test::heap::peak() - heap_before;
  INFO("tracker peak " << r.stats().tracker_peak_bytes << " bytes (bound " << tracker_bound << "), heap peak "
                       << heap_peak << " bytes");
  CHECK(r.stats().tracker_peak_bytes <= tracker_bound);
  CHECK(r.stats().tracker_peak_bytes > bound * checkpoint_tracker::transaction_record_bytes);
  // Everything the test process allocated meanwhile (router, tracker, the
  // dispatcher's queues, the source) stays within 2 MB of the tracker's bound
  // (4 MB in the unoptimised sanitizer build, which allocates more outside
  // the tracker: 5.65 MB peak there, every run, against 25+ MB that an
  // unbounded tracker would hold at 200,000 later transactions).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  constexpr std::size_t slack = 4u << 20;
#else
  constexpr std::size_t slack = 2u << 20;
#endif
  CHECK(heap_peak <= tracker_bound + slack);
  WARN("tracker peak " << r.stats().tracker_peak_bytes << " heap peak " << heap_peak);
}

namespace {

// A log with a large transaction in the middle: one outbox row before, then
// `rows` rows seven to a rows event, every fifth of them in another table (no
// message), then one outbox row after.
struct large_transaction_log {
  memory_binlog log;
  std::vector<std::string> ids;  // outbox event ids, in binlog order
  std::vector<int> ordinal;      // of each id: its row in the large transaction (-1: not in it)

  explicit large_transaction_log(int rows) {
    log.append({test::outbox_row("before", "Order", "k", "p")});
    ids.push_back("before");
    ordinal.push_back(-1);
    std::vector<scripted_row> big;
    for (int i = 0; i < rows; ++i) {
      if (i % 5 == 4) {
        big.push_back(test::order_row(i));
        continue;
      }
      ids.push_back("big-" + std::to_string(i));
      ordinal.push_back(i);
      big.push_back(test::outbox_row(ids.back(), "Order", "k" + std::to_string(i % 3), "p"));
    }
    log.append(big, clock::now(), 7);
    log.append({test::outbox_row("after", "Order", "k", "p")});
    ids.push_back("after");
    ordinal.push_back(-1);
  }
};

}  // namespace

TEST_CASE("a crash inside a large transaction replays only the rows not acknowledged before the last save",
          "[router][checkpoint][inside]") {
  const bool by_gtid = GENERATE(false, true);
  INFO((by_gtid ? "resume by GTID" : "resume by position"));
  large_transaction_log l(1000);
  // The first run: Kafka acknowledges the first 25 messages only ("before"
  // and 24 of the large transaction), the checkpoint is saved, and the
  // process dies: the next run starts from what the store holds then.
  memory_dispatcher::options held;
  held.auto_acknowledge = false;
  memory_dispatcher disp1(held);
  memory_source src1(l.log);
  memory_state_store store1;
  outbox_mapper mapper(simple_config());
  router r1(src1, disp1, store1, mapper, test::fast_options());
  running run1(r1);
  REQUIRE(eventually([&] { return disp1.sent() >= 100; }));
  disp1.release(25);
  // The 25th message is big-28 (rows 4, 9, ... have none): rows 0..29 are
  // published (row 29 has no message), row 30 lies mid rows event (30 = 4 * 7 + 2).
  const int published_rows = l.ordinal[25];
  REQUIRE(published_rows == 30);
  const auto inside = l.log.inside(1, static_cast<std::uint64_t>(published_rows));
  REQUIRE(eventually([&] { return store1.load() == std::optional<checkpoint>(inside); }));
  const auto crashed_at = *store1.load();
  CHECK(crashed_at.inside_transaction());
  disp1.release_all();  // (what run 1 does after the crash no longer counts)
  run1.stop();

  memory_source::options sopt;
  sopt.resume_by_gtid = by_gtid;
  memory_source src2(l.log, sopt);
  memory_dispatcher disp2;
  memory_state_store store2;
  store2.save(crashed_at);
  router r2(src2, disp2, store2, mapper, test::fast_options());
  running run2(r2);
  REQUIRE(eventually([&] { return store2.load() == std::optional<checkpoint>(l.log.end().first); }));
  run2.stop();
  REQUIRE(run2.failure.empty());

  // Exactly the rows from the first unpublished one on are published again.
  std::set<std::string> expected(l.ids.begin() + 25, l.ids.end());
  const auto again = disp2.delivered_all("events");
  CHECK(ids_of(again) == expected);
  CHECK(again.size() == expected.size());
  CHECK(r2.stats().rows_skipped == static_cast<std::uint64_t>(published_rows));
}

TEST_CASE("clean stops inside a large transaction save the rows published, and the restarts repeat none",
          "[router][checkpoint][inside]") {
  large_transaction_log l(700);
  std::multiset<std::string> published;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  // Each run reads until `in_flight` messages wait for Kafka, then is
  // stopped; Kafka acknowledges them during the stop's flush. The stops land
  // at many rows of the transaction, mid rows event too.
  int inside = 0;
  for (std::size_t run_no = 0; published.size() < l.ids.size(); ++run_no) {
    REQUIRE(run_no < 200);
    const std::size_t in_flight = 1 + (run_no * 7) % 40;
    memory_source src(l.log);
    memory_dispatcher::options held;
    held.auto_acknowledge = false;
    memory_dispatcher disp(held);
    auto opts = test::fast_options();
    opts.max_in_flight_messages = in_flight;
    router r(src, disp, store, mapper, opts);
    running run(r);
    const auto left = l.ids.size() - published.size();
    REQUIRE(eventually([&] { return disp.sent() >= std::min(in_flight, left); }));
    run.thread.request_stop();
    disp.release_all();
    run.stop();
    REQUIRE(run.failure.empty());
    for (const auto& rec : disp.delivered_all("events")) published.insert(*rec.msg.find_header("id"));
    if (store.load() && store.load()->inside_transaction()) ++inside;
  }
  CHECK(inside >= 10);
  for (const auto& id : l.ids) {
    INFO(id);
    CHECK(published.count(id) == 1);
  }
}

TEST_CASE("a checkpoint inside a transaction the source does not resume at is refused, not guessed",
          "[router][checkpoint][inside]") {
  large_transaction_log l(20);
  outbox_mapper mapper(simple_config());
  memory_dispatcher disp;
  SECTION("another transaction") {
    auto wrong = l.log.inside(1, 3);
    wrong.transaction_gtid = "0-1-99";
    memory_state_store store;
    store.save(wrong);
    memory_source src(l.log);
    router r(src, disp, store, mapper, test::fast_options());
    CHECK_THROWS_WITH(r.run(), Catch::Contains("points inside the transaction at memory-bin.000001:") &&
                                   Catch::Contains("gtid 0-1-99") && Catch::Contains("gtid 0-1-2") &&
                                   Catch::Contains("remove skip_rows"));
    CHECK(disp.sent() == 0);
    CHECK(store.load() == std::optional<checkpoint>(wrong));
  }
  SECTION("more rows than the transaction has") {
    auto over = l.log.inside(1, 21);
    memory_state_store store;
    store.save(over);
    memory_source src(l.log);
    router r(src, disp, store, mapper, test::fast_options());
    CHECK_THROWS_WITH(r.run(), Catch::Contains("says 21 rows") && Catch::Contains("after 20 rows") &&
                                   Catch::Contains("captured tables changed"));
    CHECK(disp.sent() == 0);
    CHECK(store.load() == std::optional<checkpoint>(over));
  }
}
