// The router with a transactional dispatcher (exactly-once mode): where it
// resumes. Binlog transactions larger than a Kafka transaction are committed
// in pieces with checkpoints inside them; the committed checkpoint wins over
// the state store's, which mirrors it.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "unit/fixtures.hpp"
#include "unit/support/exactly_once_tests.hpp"
#include "unit/support/router_tests.hpp"

using namespace tor;
using namespace tor::testing;
using namespace std::chrono_literals;
using tor::test::check_exactly_once;
using tor::test::eo_options;
using tor::test::fill;
using tor::test::reader;
using tor::test::run_until;
using tor::test::simple_config;
using tor::test::eventually;

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
  test::compiled_router r1(src1, rd.next(), store, mapper, opt);
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
  test::compiled_router r2(src2, rd.next(), store, mapper, opt);
  // Stop once the last transaction's commit was read: a stop right after
  // its row (rows == 1001) commits a checkpoint inside it, which is right
  // but not the end checked below.
  const auto out2 = run_until(r2, [&] { return r2.stats().transactions == 2; });
  REQUIRE(out2.failure.empty());  // the stop commits the rest
  CHECK(r2.stats().rows == 1001);
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
  test::compiled_router r1(src1, rd.next(), store, mapper, eo_options());
  REQUIRE(run_until(r1, [&] { return rd.committed() == std::optional<checkpoint>(ends[9]); }).failure.empty());
  std::vector<std::string> expected{"e4", "e5", "e6", "e7", "e8", "e9"};
  check_exactly_once(rd, expected);

  INFO("a mirror behind what was committed: the committed checkpoint wins, and the mirror catches up");
  memory_state_store behind;
  behind.save(ends[1]);
  memory_source src2(log);
  auto& d2 = rd.next();
  test::compiled_router r2(src2, d2, behind, mapper, eo_options());
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
  test::compiled_router r(src, d, store, mapper, eo_options());
  REQUIRE(run_until(r, [&] { return rd.committed() == std::optional<checkpoint>(log.end().first); }).failure.empty());
  CHECK(d.sent() == 0);
  CHECK(store.load() == rd.committed());
}
