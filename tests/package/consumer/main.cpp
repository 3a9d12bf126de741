// Instantiates a router with the in-memory doubles from the installed headers
// and checks that one outbox row goes through.
#include <tor/testing.hpp>
#include <tor/tor.hpp>

#include <cstdio>
#include <thread>

int main() {
  tor::testing::memory_binlog log;
  const auto table = tor::testing::make_table("app", "outbox", {"aggregate_id", "aggregate_type", "payload"});
  const auto end = log.append({{table, tor::row_op::insert, {}, {std::string("1"), std::string("order"), std::string("{}")}}});
  tor::testing::memory_source source(log);
  tor::testing::memory_dispatcher dispatcher;
  tor::testing::memory_state_store store;
  tor::outbox_mapper mapper(tor::outbox_config::original_tor("app.outbox"));
  tor::router router(source, dispatcher, store, mapper);
  std::jthread worker([&](std::stop_token st) { router.run(st); });
  for (int i = 0; i < 500 && store.load() != std::optional<tor::checkpoint>(end); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  worker.request_stop();
  worker.join();
  const bool ok = dispatcher.delivered("outbox.event.order").size() == 1 && store.load() == std::optional<tor::checkpoint>(end);
  std::puts(ok ? "consumer: ok" : "consumer: FAILED");
  return ok ? 0 : 1;
}
