#include "unit/support/outbox_tests.hpp"

#include <utility>

#include <tor/mappers/re2_patterns.hpp>
#include <tor/testing/memory_source.hpp>

namespace tor::test::outbox_rows {

const std::shared_ptr<const table_info> table = testing::make_table(
    "app", "outbox", {"id", "aggregatetype", "aggregateid", "type", "payload", "tenant", "part", "created_at"});

row_change insert(std::vector<value> values, row_op op) {
  row_change r;
  r.op = op;
  r.table = table;
  r.position = {"mysql-bin.000007", 4242};
  r.row_index = 3;
  if (op == row_op::erase) {
    r.before.values = std::move(values);
  } else {
    r.after.values = std::move(values);
    if (op == row_op::update) r.before = r.after;
  }
  return r;
}

std::vector<value> outbox_values(value key, value payload) {
  return {std::string("0b6f1a3e-1111-2222-3333-444455556666"), std::string("Order"), std::move(key),
          std::string("OrderCreated"), std::move(payload), std::string("acme"), std::int64_t{2},
          timestamp_value{1700000000, 250000}};
}

transaction_info tx() {
  return {"0-1-99", {"mysql-bin.000007", 4000}, clock::time_point(std::chrono::seconds(1600000000))};
}

outbox_config base() {
  outbox_config c;
  c.tables = {"app.outbox"};
  c.patterns = re2_patterns();
  return c;
}

std::vector<message> run(outbox_mapper& m, const row_change& r) {
  std::vector<message> out;
  m.map(r, tx(), out);
  return out;
}

}  // namespace tor::test::outbox_rows
