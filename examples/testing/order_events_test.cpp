// How a user tests their own outbox configuration with Tor's in-memory
// doubles: script the transactions the service writes, run the router, and
// assert on what would reach Kafka and on the saved checkpoint.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <thread>

#include <tor/testing.hpp>
#include <tor/tor.hpp>

namespace {

// The configuration under test: the service's outbox, routed by aggregate type.
tor::outbox_config order_service_outbox() {
  auto c = tor::outbox_config::original_tor("shop.outbox");
  c.routes = {{"order", "orders"}, {"customer", "customers"}};
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
