// The router with a transactional dispatcher (exactly-once mode), on the
// in-memory doubles: what a read-committed reader sees is every row exactly
// once, in order, across crashes, aborted commits, fencing and binlog
// transactions larger than a Kafka transaction; the state store mirrors the
// committed checkpoint.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "unit/fixtures.hpp"

using namespace tor;
using namespace tor::testing;
using namespace std::chrono_literals;
using tor::test::eventually;

static_assert(transactional_dispatcher<memory_dispatcher>);

namespace {

outbox_config simple_config() {
  outbox_config c;
  c.tables = {"app.outbox"};
  c.topic_template = "events";
  return c;
}

struct outcome {
  std::string failure;
  std::optional<error_kind> kind;
};

// Runs a router until `done` holds (then stops it cleanly) or it fails.
template <class Router>
outcome run_until(Router& r, const std::function<bool()>& done) {
  outcome out;
  std::atomic<bool> finished{false};
  std::jthread t([&](std::stop_token st) {
    try {
      r.run(st);
    } catch (const error& e) {
      out.failure = e.what();
      out.kind = e.kind();
    }
    finished = true;
  });
  REQUIRE(eventually([&] { return finished.load() || done(); }, 30s));
  t.request_stop();
  t.join();
  return out;
}

// What a read-committed consumer sees: the committed messages of every
// instance, in the order the instances ran.
struct reader {
  std::vector<std::shared_ptr<memory_dispatcher>> runs;
  memory_transaction_board board;

  memory_dispatcher& next(std::uint64_t shuffle_seed = 0) {
    memory_dispatcher::options o;
    o.default_partitions = 3;
    o.shuffle_seed = shuffle_seed;
    o.transactions = board;
    o.transactional_id = "tor:test";
    runs.push_back(std::make_shared<memory_dispatcher>(o));
    return *runs.back();
  }
  [[nodiscard]] std::map<std::string, int> id_counts() const {
    std::map<std::string, int> n;
    for (const auto& d : runs)
      for (const auto& r : d->delivered_all("events")) ++n[*r.msg.find_header("id")];
    return n;
  }
  // Per key, the payloads (the row number) in the order a consumer of each partition sees them.
  [[nodiscard]] std::map<std::string, std::vector<int>> by_key() const {
    std::map<std::string, std::vector<int>> k;
    for (int p = 0; p < 3; ++p)
      for (const auto& d : runs)
        for (const auto& r : d->delivered("events", p)) k[r.msg.key].push_back(std::stoi(*r.msg.value));
    return k;
  }
  [[nodiscard]] std::optional<checkpoint> committed() const { return board.committed("tor:test"); }
};

// A log of `n` transactions of one to three outbox rows (and a row of
// another table in every fourth); returns the ids in order.
std::vector<std::string> fill(memory_binlog& log, int n, int first = 0) {
  std::vector<std::string> ids;
  for (int i = first; i < first + n; ++i) {
    std::vector<scripted_row> rows;
    for (int j = 0; j <= i % 3; ++j) {
      const int row = i * 3 + j;
      ids.push_back("e" + std::to_string(row));
      rows.push_back(test::outbox_row(ids.back(), "Order", "k" + std::to_string(row % 7), std::to_string(row)));
    }
    if (i % 4 == 0) rows.push_back(test::order_row(i));
    log.append(rows);
  }
  return ids;
}

void check_exactly_once(const reader& rd, const std::vector<std::string>& ids) {
  const auto counts = rd.id_counts();
  CHECK(counts.size() == ids.size());  // nothing lost
  for (const auto& id : ids) {
    INFO("event " << id);
    auto it = counts.find(id);
    REQUIRE(it != counts.end());
    CHECK(it->second == 1);  // nothing repeated
  }
  for (const auto& [key, rows] : rd.by_key()) {
    INFO("key " << key);
    CHECK(std::is_sorted(rows.begin(), rows.end()));  // commit order per key
  }
}

router_options eo_options(std::size_t max_messages = 7) {
  auto o = test::fast_options();
  o.max_transaction_messages = max_messages;
  return o;
}

}  // namespace

TEST_CASE("exactly once: crashes at many points repeat nothing a read-committed reader sees, and lose nothing",
          "[router][exactly-once]") {
  memory_binlog log;
  const auto ids = fill(log, 300);
  reader rd;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  // Each run dies after a number of events, mid-transaction or not, with
  // acknowledgements in random order across partitions.
  for (const std::uint64_t crash_after : {37u, 211u, 90u, 403u, 5u, 298u}) {
    INFO("crash after " << crash_after << " events");
    memory_source::options o;
    o.fail_after_events = crash_after;
    memory_source src(log, o);
    auto& d = rd.next(crash_after);
    router r(src, d, store, mapper, eo_options());
    const auto out = run_until(r, [] { return false; });
    REQUIRE_THAT(out.failure, Catch::Contains("injected failure"));
  }
  memory_source src(log);
  auto& d = rd.next(11);
  router r(src, d, store, mapper, eo_options());
  const auto out = run_until(r, [&] { return rd.committed() == std::optional<checkpoint>(log.end().first); });
  REQUIRE(out.failure.empty());
  check_exactly_once(rd, ids);
  CHECK(r.stats().commits > 0);
  INFO("after a clean stop the mirror holds what Kafka committed");
  CHECK(store.load() == rd.committed());
}

TEST_CASE("exactly once: an aborted commit ends the run, and the next run re-sends exactly what it held",
          "[router][exactly-once]") {
  memory_binlog log;
  auto ids = fill(log, 40);
  reader rd;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  memory_source src1(log);
  auto& d1 = rd.next();
  router r1(src1, d1, store, mapper, eo_options());
  std::atomic<bool> injected{false};
  const auto out1 = run_until(r1, [&] {
    if (!injected && rd.committed() == std::optional<checkpoint>(log.end().first)) {
      d1.fail_next_commit(error(error_kind::transient, "injected abortable error"));
      injected = true;
      const auto more = fill(log, 40, 40);  // the next transaction fails to commit
      ids.insert(ids.end(), more.begin(), more.end());
    }
    return false;
  });
  REQUIRE(out1.kind == error_kind::transient);
  CHECK_THAT(out1.failure, Catch::Contains("aborted") && Catch::Contains("injected abortable error"));
  CHECK(d1.aborted_messages() > 0);

  memory_source src2(log);
  auto& d2 = rd.next();
  router r2(src2, d2, store, mapper, eo_options());
  const auto out2 = run_until(r2, [&] { return rd.committed() == std::optional<checkpoint>(log.end().first); });
  REQUIRE(out2.failure.empty());
  check_exactly_once(rd, ids);
}

TEST_CASE("exactly once: a second instance with the same transactional id fences the first, which stops",
          "[router][exactly-once][fencing]") {
  memory_binlog log;
  auto ids = fill(log, 20);
  reader rd;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  memory_source src1(log);
  auto& d1 = rd.next();
  router r1(src1, d1, store, mapper, eo_options());
  const auto first_count = ids.size();
  bool fenced_it = false;
  const auto out1 = run_until(r1, [&] {
    if (!fenced_it && rd.committed() == std::optional<checkpoint>(log.end().first)) {
      fenced_it = true;
      memory_dispatcher::options o;
      o.transactions = rd.board;
      o.transactional_id = "tor:test";
      memory_dispatcher newer(o);
      (void)newer.committed_checkpoint();  // what the new instance does at start
      const auto more = fill(log, 10, 20);
      ids.insert(ids.end(), more.begin(), more.end());
    }
    return false;
  });
  REQUIRE(out1.kind == error_kind::fenced);
  CHECK_THAT(out1.failure, Catch::Contains("newer instance"));
  const auto visible_from_first = d1.delivered_all("events").size();
  CHECK(visible_from_first == first_count);  // nothing of what it read after being fenced

  memory_source src2(log);
  auto& d2 = rd.next();
  router r2(src2, d2, store, mapper, eo_options());
  const auto out2 = run_until(r2, [&] { return rd.committed() == std::optional<checkpoint>(log.end().first); });
  REQUIRE(out2.failure.empty());
  check_exactly_once(rd, ids);
}

TEST_CASE("exactly once: a binlog transaction larger than a Kafka transaction is committed in pieces, "
          "with checkpoints inside it",
          "[router][exactly-once][inside]") {
  const bool by_gtid = GENERATE(false, true);
  INFO((by_gtid ? "resume by GTID" : "resume by position"));
  memory_binlog log;
  std::vector<std::string> ids{"before"};
  log.append({test::outbox_row("before", "Order", "k", "0")});
  std::vector<scripted_row> big;
  for (int i = 1; i <= 1000; ++i) {
    ids.push_back("big-" + std::to_string(i));
    big.push_back(test::outbox_row(ids.back(), "Order", "k" + std::to_string(i % 3), std::to_string(i)));
  }
  log.append(big, clock::now(), 7);
  log.append({test::outbox_row("after", "Order", "k", "1001")});
  ids.push_back("after");

  reader rd;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  auto opt = eo_options(100);
  opt.checkpoint_interval = 1h;  // only the message count makes commits
  memory_source::options crash;
  crash.fail_after_events = 650;  // inside the large transaction
  crash.resume_by_gtid = by_gtid;
  memory_source src1(log, crash);
  router r1(src1, rd.next(), store, mapper, opt);
  const auto out1 = run_until(r1, [] { return false; });
  REQUIRE_THAT(out1.failure, Catch::Contains("injected failure"));
  const auto committed = rd.committed();
  REQUIRE(committed.has_value());
  // Commits: where reading started (before anything), then every 200
  // messages (twice the count, inside a binlog transaction): "before" with
  // 199 rows of the large one, then 200 rows twice; the crash comes at row 646.
  INFO("the large transaction was committed in pieces of 200 messages, each with a checkpoint inside it");
  CHECK(committed->inside_transaction());
  CHECK(committed->skip_rows == 599);
  CHECK(rd.board.commits("tor:test") == 4);

  memory_source::options resume;
  resume.resume_by_gtid = by_gtid;
  memory_source src2(log, resume);
  router r2(src2, rd.next(), store, mapper, opt);
  const auto out2 = run_until(r2, [&] { return r2.stats().rows == 1001; });
  REQUIRE(out2.failure.empty());  // the stop commits the rest
  CHECK(r2.stats().rows_skipped == 599);
  CHECK(rd.committed() == std::optional<checkpoint>(log.end().first));
  check_exactly_once(rd, ids);
  CHECK(store.load() == rd.committed());
}

TEST_CASE("exactly once: the committed checkpoint wins over the state store's, which is used only when there "
          "is none",
          "[router][exactly-once][state]") {
  memory_binlog log;
  std::vector<checkpoint> ends;
  for (int i = 0; i < 10; ++i)
    ends.push_back(log.append({test::outbox_row("e" + std::to_string(i), "Order", "k", std::to_string(i))}));
  reader rd;
  outbox_mapper mapper(simple_config());

  INFO("switching from at least once: nothing committed yet, so the store's checkpoint is where to resume");
  memory_state_store store;
  store.save(ends[3]);
  memory_source src1(log);
  router r1(src1, rd.next(), store, mapper, eo_options());
  REQUIRE(run_until(r1, [&] { return rd.committed() == std::optional<checkpoint>(ends[9]); }).failure.empty());
  std::vector<std::string> expected{"e4", "e5", "e6", "e7", "e8", "e9"};
  check_exactly_once(rd, expected);

  INFO("a mirror behind what was committed: the committed checkpoint wins, and the mirror catches up");
  memory_state_store behind;
  behind.save(ends[1]);
  memory_source src2(log);
  auto& d2 = rd.next();
  router r2(src2, d2, behind, mapper, eo_options());
  REQUIRE(run_until(r2, [&] { return behind.load() == std::optional<checkpoint>(ends[9]); }).failure.empty());
  CHECK(d2.sent() == 0);
  CHECK(rd.committed() == std::optional<checkpoint>(ends[9]));
}

TEST_CASE("exactly once: unrelated traffic moves the committed checkpoint without messages", "[router][exactly-once]") {
  memory_binlog log;
  for (int i = 0; i < 5; ++i) log.append({test::order_row(i)});
  reader rd;
  memory_state_store store;
  outbox_mapper mapper(simple_config());
  memory_source src(log);
  auto& d = rd.next();
  router r(src, d, store, mapper, eo_options());
  REQUIRE(run_until(r, [&] { return rd.committed() == std::optional<checkpoint>(log.end().first); }).failure.empty());
  CHECK(d.sent() == 0);
  CHECK(store.load() == rd.committed());
}
