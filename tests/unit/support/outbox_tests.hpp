// What the outbox mapper's tests share (tests/unit/mappers/outbox_*_test.cpp),
// compiled once in outbox_tests.cpp.
#pragma once

#include <memory>
#include <vector>

#include <tor/mappers/outbox.hpp>

namespace tor::test::outbox_rows {

/// app.outbox with Debezium's columns and tenant, part, created_at.
extern const std::shared_ptr<const table_info> table;

/// A row of `table` at mysql-bin.000007:4242, row 3: its after image (its
/// before image for a delete; both for an update) holds `values`.
row_change insert(std::vector<value> values, row_op op = row_op::insert);

/// Values for every column of `table`.
std::vector<value> outbox_values(value key = std::string("order-1"), value payload = std::string(R"({"a":1})"));

/// The transaction the rows are mapped in.
transaction_info tx();

/// Maps table app.outbox, with RE2 patterns.
outbox_config base();

/// The messages `m` makes of `r`.
std::vector<message> run(outbox_mapper& m, const row_change& r);

}  // namespace tor::test::outbox_rows
