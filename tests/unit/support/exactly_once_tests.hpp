// What the exactly-once tests share (exactly_once_*_test.cpp in
// tests/unit/core), compiled once in exactly_once_tests.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <tor/core/router.hpp>
#include <tor/testing.hpp>

namespace tor::test {

struct outcome {
  std::string failure;
  std::optional<error_kind> kind;
};

/// Runs `run` on a thread until `done` holds (then stops it cleanly) or it fails.
outcome run_until_fn(const std::function<void(std::stop_token)>& run, const std::function<bool()>& done);

// Runs a router until `done` holds (then stops it cleanly) or it fails.
template <class Router>
outcome run_until(Router& r, const std::function<bool()>& done) {
  return run_until_fn([&r](std::stop_token st) { r.run(st); }, done);
}

// What a read-committed consumer sees: the committed messages of every
// instance, in the order the instances ran.
struct reader {
  std::vector<std::shared_ptr<testing::memory_dispatcher>> runs;
  testing::memory_transaction_board board;

  testing::memory_dispatcher& next(std::uint64_t shuffle_seed = 0);
  [[nodiscard]] std::map<std::string, int> id_counts() const;
  // Per key, the payloads (the row number) in the order a consumer of each partition sees them.
  [[nodiscard]] std::map<std::string, std::vector<int>> by_key() const;
  [[nodiscard]] std::optional<checkpoint> committed() const;
};

// A log of `n` transactions of one to three outbox rows (and a row of
// another table in every fourth); returns the ids in order.
std::vector<std::string> fill(testing::memory_binlog& log, int n, int first = 0);

/// Every id seen exactly once by `rd`, in commit order per key.
void check_exactly_once(const reader& rd, const std::vector<std::string>& ids);

router_options eo_options(std::size_t max_messages = 7);

}  // namespace tor::test
