// What the router's tests share (router_*_test.cpp in tests/unit/core),
// compiled once in router_tests.cpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <tor/mappers/outbox.hpp>
#include <tor/testing.hpp>

#include "unit/support/router.hpp"

namespace tor::test {

/// The outbox mapper's configuration of the tests: table app.outbox, topic "events".
outbox_config simple_config();

/// The router over the in-memory doubles, compiled in router_doubles.cpp.
using doubles_router =
    compiled_router<testing::memory_source, testing::memory_dispatcher, testing::memory_state_store, outbox_mapper>;

// Runs a router on a thread; `failure` holds the error text when it failed.
struct running {
  std::function<void(std::stop_token)> body;
  std::atomic<bool> finished{false};
  std::string failure;
  error_kind kind{};
  std::jthread thread;

  template <class Router>
  explicit running(Router& router) : running(std::function<void(std::stop_token)>([&router](std::stop_token st) {
                                       router.run(st);
                                     })) {}
  explicit running(std::function<void(std::stop_token)> run);
  void stop();
};

// Lets held saves go on scope exit, so a failed REQUIRE does not leave a router stuck in a save.
struct releasing_saves {
  testing::memory_state_store& store;
  ~releasing_saves() { store.release_saves(); }
};

/// The "id" headers of the records.
std::set<std::string> ids_of(const std::vector<testing::memory_dispatcher::record>& recs);

// A source that makes `count` one-row outbox transactions as it is read,
// without storing them (a million stored transactions would dwarf what the
// test measures). Transaction `stuck` has key "stuck", the others keys from
// `keys`. Transaction n spans [4 + 300n, 4 + 300(n+1)) of one binlog file
// and has GTID 0-1-(n+1).
class generated_source {
 public:
  generated_source(std::uint64_t count, std::uint64_t stuck, std::vector<std::string> keys);

  void open(const std::optional<checkpoint>& from);
  std::optional<change_event> next(std::chrono::milliseconds);

  /// The checkpoint after the first n transactions.
  [[nodiscard]] static checkpoint end_of(std::uint64_t n);

  static inline const std::string file = "gen-bin.000001";

 private:
  std::uint64_t count_;
  std::uint64_t stuck_;
  std::vector<std::string> keys_;
  std::uint64_t next_ = 0;
  int step_ = 0;
  gtid_set gtids_{gtid_flavor::mariadb};
};

/// The router over generated_source, compiled in router_generated.cpp.
using generated_router =
    compiled_router<generated_source, testing::memory_dispatcher, testing::memory_state_store, outbox_mapper>;

// A log with a large transaction in the middle: one outbox row before, then
// `rows` rows seven to a rows event, every fifth of them in another table (no
// message), then one outbox row after.
struct large_transaction_log {
  testing::memory_binlog log;
  std::vector<std::string> ids;  // outbox event ids, in binlog order
  std::vector<int> ordinal;      // of each id: its row in the large transaction (-1: not in it)

  explicit large_transaction_log(int rows);
};

}  // namespace tor::test
