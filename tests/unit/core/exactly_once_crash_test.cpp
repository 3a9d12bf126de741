// The router with a transactional dispatcher (exactly-once mode), on the
// in-memory doubles: what a read-committed reader sees is every row exactly
// once, in order, across crashes, aborted commits and fencing.
#include <catch2/catch.hpp>

#include <atomic>
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

static_assert(transactional_dispatcher<memory_dispatcher>);

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
    test::compiled_router r(src, d, store, mapper, eo_options());
    const auto out = run_until(r, [] { return false; });
    REQUIRE_THAT(out.failure, Catch::Contains("injected failure"));
  }
  memory_source src(log);
  auto& d = rd.next(11);
  test::compiled_router r(src, d, store, mapper, eo_options());
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
  test::compiled_router r1(src1, d1, store, mapper, eo_options());
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
  CHECK(r1.stats().aborts == 1);  // the commit that failed

  memory_source src2(log);
  auto& d2 = rd.next();
  test::compiled_router r2(src2, d2, store, mapper, eo_options());
  const auto out2 = run_until(r2, [&] { return rd.committed() == std::optional<checkpoint>(log.end().first); });
  REQUIRE(out2.failure.empty());
  check_exactly_once(rd, ids);
  CHECK(r2.stats().commits > 0);
  CHECK(r2.stats().aborts == 0);
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
  test::compiled_router r1(src1, d1, store, mapper, eo_options());
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
  test::compiled_router r2(src2, d2, store, mapper, eo_options());
  const auto out2 = run_until(r2, [&] { return rd.committed() == std::optional<checkpoint>(log.end().first); });
  REQUIRE(out2.failure.empty());
  check_exactly_once(rd, ids);
}
