// Instantiates a router with the in-memory doubles from the installed headers
// and checks that one outbox row goes through. Built against an adapter's
// compiled library, it also calls one of that adapter's compiled functions.
#include <tor/testing.hpp>
#include <tor/tor.hpp>
#ifdef TOR_CONSUMER_ADAPTER_mysql
#include <tor/mysql/binlog_event.hpp>
#endif

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
  bool ok = dispatcher.delivered("outbox.event.order").size() == 1 && store.load() == std::optional<tor::checkpoint>(end);
#ifdef TOR_CONSUMER_ADAPTER_mysql
  // A rotate event's header: timestamp 1, type 4, server 7, size 19, next position 0, no flags.
  const std::uint8_t header[19] = {1, 0, 0, 0, 4, 7, 0, 0, 0, 19, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const auto h = tor::mysql::parse_event_header(header);
  ok = ok && h.type == tor::mysql::event_types::rotate && h.server_id == 7 && h.size == 19;
#endif
  std::puts(ok ? "consumer: ok" : "consumer: FAILED");
  return ok ? 0 : 1;
}
