// The router's checkpoint never passes a message that was not acknowledged,
// whatever the order of acknowledgements and failures.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "unit/fixtures.hpp"
#include "unit/support/router_tests.hpp"

using namespace tor;
using namespace tor::testing;
using namespace std::chrono_literals;
using tor::test::eventually;
using tor::test::running;
using tor::test::simple_config;
using tor::test::ids_of;

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
    test::compiled_router r(src, disp, store, mapper, opts);
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
