// How a user tests their own outbox configuration with Tor's in-memory
// doubles: script the transactions the service writes, run the router, and
// assert on what would reach Kafka and on the saved checkpoint.
#include <catch2/catch.hpp>

#include <thread>

#include <tor/mappers/re2_patterns.hpp>
#include <tor/testing.hpp>
#include <tor/tor.hpp>

namespace {

// The configuration under test: the service's outbox, routed by aggregate type.
tor::outbox_config order_service_outbox() {
  auto c = tor::outbox_config::original_tor("shop.outbox");
  c.routes = {{"order", "orders"}, {"customer", "customers"}};
  c.patterns = tor::re2_patterns();  // route patterns in RE2 syntax (CMake target tor::re2)
  c.tombstone_on_empty_payload = true;
  return c;
}

const auto outbox = tor::testing::make_table("shop", "outbox", {"aggregate_id", "aggregate_type", "payload"});

tor::testing::scripted_row event(std::string id, std::string type, tor::value payload) {
  return {outbox, tor::row_op::insert, {}, {std::move(id), std::move(type), std::move(payload)}};
}

}  // namespace

TEST_CASE("order events reach the orders topic in commit order, deletions as tombstones") {
  tor::testing::memory_binlog log;
  log.append({event("o-1", "order", std::string(R"({"status":"created"})"))});
  log.append({event("c-9", "customer", std::string(R"({"name":"Ada"})"))});
  const auto end = log.append({event("o-1", "order", tor::null_value{})});

  tor::testing::memory_source source(log);
  tor::testing::memory_dispatcher dispatcher;
  tor::testing::memory_state_store store;
  tor::outbox_mapper mapper(order_service_outbox());
  tor::router router(source, dispatcher, store, mapper);
  {
    std::jthread worker([&](std::stop_token st) { router.run(st); });
    for (int i = 0; i < 1000 && store.load() != std::optional<tor::checkpoint>(end); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }  // stops, flushes and saves

  const auto orders = dispatcher.delivered("orders");
  REQUIRE(orders.size() == 2);
  CHECK(orders[0].msg.key == "o-1");
  CHECK(*orders[0].msg.value == R"({"status":"created"})");
  CHECK(orders[1].msg.tombstone());
  CHECK(dispatcher.delivered("customers").size() == 1);
  CHECK(store.load() == std::optional<tor::checkpoint>(end));
}

TEST_CASE("an unknown aggregate type stops the router before the checkpoint passes it") {
  tor::testing::memory_binlog log;
  const auto good = log.append({event("o-1", "order", std::string("{}"))});
  log.append({event("i-1", "invoice", std::string("{}"))});

  tor::testing::memory_source source(log);
  tor::testing::memory_dispatcher dispatcher;
  tor::testing::memory_state_store store;
  tor::outbox_mapper mapper(order_service_outbox());
  tor::router router(source, dispatcher, store, mapper);
  CHECK_THROWS_WITH(router.run(), Catch::Contains("no route matches aggregate_type \"invoice\""));
  CHECK(store.load() == std::optional<tor::checkpoint>(good));
}

TEST_CASE("with acknowledgements held, a short flush_timeout bounds the stop and nothing unacknowledged is saved") {
  tor::testing::memory_binlog log;
  const auto first = log.append({event("o-1", "order", std::string("{}"))});
  log.append({event("o-2", "order", std::string("{}"))});

  tor::testing::memory_source source(log);
  tor::testing::memory_dispatcher::options held;
  held.auto_acknowledge = false;  // Kafka has not acknowledged anything yet
  tor::testing::memory_dispatcher dispatcher(held);
  tor::testing::memory_state_store store;
  tor::outbox_mapper mapper(order_service_outbox());
  tor::router_options fast;                                  // test settings:
  fast.checkpoint_interval = std::chrono::milliseconds(10);  // save soon after an acknowledgement
  fast.flush_timeout = std::chrono::milliseconds(200);       // give up on held messages at stop (default 30 s)
  fast.idle_wait = std::chrono::milliseconds(10);
  tor::router router(source, dispatcher, store, mapper, fast);

  std::jthread worker([&](std::stop_token st) { router.run(st); });
  for (int i = 0; i < 1000 && dispatcher.sent() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(dispatcher.sent() == 2);
  dispatcher.release(1);  // only the first is acknowledged
  for (int i = 0; i < 1000 && store.load() != std::optional<tor::checkpoint>(first); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto stop_began = std::chrono::steady_clock::now();
  worker.request_stop();
  worker.join();
  // The stop waited for the held message only as long as flush_timeout (with
  // the default it would be 30 s); the checkpoint stays before it.
  CHECK(std::chrono::steady_clock::now() - stop_began < std::chrono::seconds(10));
  CHECK(store.load() == std::optional<tor::checkpoint>(first));
}
