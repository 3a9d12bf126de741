// What the compose tests share (tests/unit/mappers/compose_*_test.cpp),
// compiled once in compose_tests.cpp.
#pragma once

#include <string>
#include <vector>

#include <tor/core/event.hpp>
#include <tor/core/message.hpp>

namespace tor::test::compose_rows {

// A user's own producer: one message per row, topic = table name.
struct table_topic {
  void map(const row_change& r, const transaction_info&, std::vector<message>& out) const;
};

/// A row of table app.`table` with one column, id = 7, in both images.
row_change row(const std::string& table, row_op op = row_op::insert);

}  // namespace tor::test::compose_rows
