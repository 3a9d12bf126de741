// The laws every tor::mapper model keeps (see tor/core/concepts.hpp): the
// same row gives the same messages, whether given by const reference or by
// rvalue, and failures are tor::error naming the table and position.
#pragma once

#include <catch2/catch.hpp>

#include <utility>
#include <vector>

#include <tor/core/concepts.hpp>

namespace tor::laws {

/// `good` must map to at least one message; `bad` must be refused.
template <tor::mapper M>
void check_mapper_laws(M& m, const row_change& good, const row_change& bad, const transaction_info& tx) {
  std::vector<message> a, b;
  m.map(good, tx, a);
  m.map(good, tx, b);
  INFO("law 1: purity");
  REQUIRE_FALSE(a.empty());
  CHECK(a == b);
  INFO("law 3: a row given by rvalue maps the same, and keeps what the router reads");
  if constexpr (row_consuming_mapper<M>) {
    row_change given = good;
    std::vector<message> d;
    m.map(std::move(given), tx, d);
    CHECK(d == a);
    CHECK(given.op == good.op);
    CHECK(given.table == good.table);
    CHECK(given.position == good.position);
    CHECK(given.row_index == good.row_index);
  }
  INFO("law 2: errors name the table and the binlog position");
  std::vector<message> c;
  try {
    m.map(bad, tx, c);
    FAIL("the bad row was accepted");
  } catch (const tor::error& e) {
    CHECK_THAT(e.what(), Catch::Contains(bad.table_name()) && Catch::Contains(bad.position.to_string()));
  }
}

}  // namespace tor::laws
