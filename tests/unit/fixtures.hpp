// Shared helpers for the core unit tests: an outbox table, rows for it, and
// a way to run a router on a thread until a condition holds.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include <tor/core/router.hpp>
#include <tor/testing.hpp>

namespace tor::test {

inline const auto outbox_table =
    testing::make_table("app", "outbox", {"id", "aggregatetype", "aggregateid", "type", "payload"});
inline const auto orders_table = testing::make_table("app", "orders", {"id", "status"});

inline testing::scripted_row outbox_row(const std::string& id, const std::string& type, const std::string& key,
                                        const std::string& payload) {
  return {outbox_table, row_op::insert, {}, {id, type, key, std::string("created"), payload}};
}
inline testing::scripted_row order_row(std::int64_t id) {
  return {orders_table, row_op::insert, {}, {id, std::string("new")}};
}

/// Polls `done` until it holds or `budget` passes; true when it held.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds budget = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

inline router_options fast_options() {
  router_options o;
  o.checkpoint_interval = std::chrono::milliseconds(5);
  o.idle_wait = std::chrono::milliseconds(5);
  o.flush_timeout = std::chrono::milliseconds(2000);
  o.final_save_timeout = std::chrono::milliseconds(2000);
  return o;
}

}  // namespace tor::test
