// What a test file pays for a router over policies tor::compiled does not
// carry: the same as tests/package/consumer/main.cpp, but the mapper is the
// test's own (a lambda through tor::map_fn), so this file instantiates the
// router's code itself. Compiled, not run, by run.sh consumer.
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
  tor::map_fn mapper{[](const tor::row_change& row, const tor::transaction_info&) {
    tor::message m;
    m.topic = tor::shared_string("orders");
    m.key = tor::to_text(row.after.values.at(0));
    return std::optional<tor::message>(std::move(m));
  }};
  tor::router router(source, dispatcher, store, mapper);
  std::jthread worker([&](std::stop_token st) { router.run(st); });
  for (int i = 0; i < 500 && store.load() != std::optional<tor::checkpoint>(end); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  worker.request_stop();
  worker.join();
  const bool ok = dispatcher.delivered("orders").size() == 1;
  std::puts(ok ? "own mapper: ok" : "own mapper: FAILED");
  return ok ? 0 : 1;
}
