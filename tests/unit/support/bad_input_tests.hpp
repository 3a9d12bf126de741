// What the bad input tests share (bad_input_*_test.cpp in tests/unit/core),
// compiled once in bad_input_tests.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <tor/mappers/outbox.hpp>
#include <tor/testing.hpp>

namespace tor::test::bad_input {

extern const std::shared_ptr<const table_info> no_key_table;      // app.outbox without aggregateid
extern const std::shared_ptr<const table_info> no_payload_table;  // app.outbox without payload

struct outcome {
  std::string failure;  // empty: the router ran until stopped
  error_kind kind{};
  std::optional<checkpoint> saved;
  std::vector<testing::memory_dispatcher::record> published;
  std::vector<std::string> warnings;
};

/// Runs good row e1, then `bad` in a transaction of its own, then good row
/// e3, through a router; returns how it ended once it failed or saved the
/// checkpoint after e3 (`last`).
outcome run(const testing::scripted_row& bad, outbox_config cfg, testing::memory_dispatcher::options dopt = {},
            checkpoint* first_out = nullptr, checkpoint* last_out = nullptr);

/// Topic "events", RE2 patterns (for the tests that add routes).
outbox_config events_config();

/// The "id" headers of what was published, in order.
std::vector<std::string> ids(const outcome& o);

}  // namespace tor::test::bad_input
