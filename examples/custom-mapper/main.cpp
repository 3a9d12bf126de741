// Runs the custom mapper through a router with the in-memory doubles and
// prints what it published.
#include <cstdio>
#include <thread>

#include <tor/testing.hpp>

#include "table_envelope_mapper.hpp"

int main() {
  using namespace tor::testing;
  memory_binlog log;
  const auto orders = make_table("shop", "orders", {"id", "status", "total"});
  const auto audit = make_table("shop", "audit", {"id", "line"});
  log.append({{orders, tor::row_op::insert, {}, {std::int64_t{1}, std::string("new"), tor::decimal_value{"9.90"}}},
              {audit, tor::row_op::insert, {}, {std::int64_t{1}, std::string("ignored")}}});
  const auto end = log.append(
      {{orders, tor::row_op::update, {std::int64_t{1}, std::string("new"), tor::decimal_value{"9.90"}},
        {std::int64_t{1}, std::string("paid"), tor::decimal_value{"9.90"}}}});

  memory_source source(log);
  memory_dispatcher dispatcher;
  memory_state_store store;
  auto mapper = example::make_shop_mapper();
  tor::router router(source, dispatcher, store, mapper);
  std::jthread worker([&](std::stop_token st) { router.run(st); });
  while (store.load() != std::optional<tor::checkpoint>(end)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  worker.request_stop();
  worker.join();

  for (const auto& rec : dispatcher.delivered("cdc.orders"))
    std::printf("%s key=%s %s\n", rec.msg.topic.c_str(), rec.msg.key.c_str(), rec.msg.value->c_str());
  return dispatcher.delivered("cdc.orders").size() == 2 ? 0 : 1;
}
