// Memory stays bounded while one message is stuck and a million later
// transactions flow (generated_source, not a stored log).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "unit/fixtures.hpp"
#include "unit/heap_usage.hpp"
#include "unit/support/router_tests.hpp"

using namespace tor;
using namespace tor::testing;
using namespace std::chrono_literals;
using tor::test::eventually;
using tor::test::running;
using tor::test::simple_config;
using tor::test::generated_source;

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
  test::compiled_router r(src, disp, store, mapper, opts);
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
