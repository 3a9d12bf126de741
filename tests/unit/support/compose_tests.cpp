#include "unit/support/compose_tests.hpp"

#include <utility>

#include <tor/testing/memory_source.hpp>

namespace tor::test::compose_rows {

void table_topic::map(const row_change& r, const transaction_info&, std::vector<message>& out) const {
  message m;
  m.topic = r.table->table;
  m.key = to_text(r.image().values.at(0));
  m.value.emplace("v");  // not `= "v"`: GCC 12 warns falsely on string::assign here (-Wrestrict, PR 105329)
  out.push_back(std::move(m));
}

row_change row(const std::string& table, row_op op) {
  row_change r;
  r.op = op;
  r.table = testing::make_table("app", table, {"id"});
  r.after.values = {std::int64_t{7}};
  r.before.values = {std::int64_t{7}};
  return r;
}

}  // namespace tor::test::compose_rows
