// Backpressure: in-flight messages and bytes stay within their bounds
// through a huge transaction.
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "unit/fixtures.hpp"
#include "unit/support/router_tests.hpp"

using namespace tor;
using namespace tor::testing;
using namespace std::chrono_literals;
using tor::test::eventually;
using tor::test::running;
using tor::test::simple_config;

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
    test::compiled_router r(src, disp, store, mapper, opts);
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
