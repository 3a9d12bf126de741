#include "unit/support/bad_input_tests.hpp"

#include <atomic>
#include <thread>
#include <utility>

#include <catch2/catch.hpp>
#include <tor/mappers/re2_patterns.hpp>

#include "unit/fixtures.hpp"
#include "unit/support/router_tests.hpp"

namespace tor::test::bad_input {

const std::shared_ptr<const table_info> no_key_table =
    testing::make_table("app", "outbox", {"id", "aggregatetype", "type", "payload"});
const std::shared_ptr<const table_info> no_payload_table =
    testing::make_table("app", "outbox", {"id", "aggregatetype", "aggregateid", "type"});

outcome run(const testing::scripted_row& bad, outbox_config cfg, testing::memory_dispatcher::options dopt,
            checkpoint* first_out, checkpoint* last_out) {
  testing::memory_binlog log;
  const auto first = log.append({outbox_row("e1", "Order", "k1", "p1")});
  log.append({bad});
  const auto last = log.append({outbox_row("e3", "Order", "k3", "p3")});
  if (first_out) *first_out = first;
  if (last_out) *last_out = last;
  outcome out;
  cfg.tables = {"app.outbox"};
  cfg.warn = [&](const std::string& w) { out.warnings.push_back(w); };
  testing::memory_source src(log);
  testing::memory_dispatcher disp(std::move(dopt));
  testing::memory_state_store store;
  outbox_mapper mapper(cfg);
  compiled_router r(src, disp, store, mapper, fast_options());
  std::atomic<bool> finished{false};
  std::jthread worker([&](std::stop_token st) {
    try {
      r.run(st);
    } catch (const error& e) {
      out.failure = e.what();
      out.kind = e.kind();
    }
    finished = true;
  });
  REQUIRE(eventually([&] { return finished.load() || store.load() == std::optional<checkpoint>(last); }));
  worker.request_stop();
  worker.join();
  out.saved = store.load();
  for (const auto& topic : {"events", "orders"})
    for (auto& rec : disp.delivered_all(topic)) out.published.push_back(rec);
  return out;
}

outbox_config events_config() {
  outbox_config c;
  c.topic_template = "events";
  c.patterns = re2_patterns();  // for the tests that add routes
  return c;
}

std::vector<std::string> ids(const outcome& o) {
  std::vector<std::string> v;
  for (const auto& r : o.published) v.push_back(*r.msg.find_header("id"));
  return v;
}

}  // namespace tor::test::bad_input
