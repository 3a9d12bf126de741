// compose: which producer may take an rvalue row's values, and map_fn, the
// mapper made of a lambda.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include <tor/mappers/compose.hpp>
#include <tor/mappers/outbox.hpp>
#include <tor/testing/memory_source.hpp>

#include "unit/support/compose_tests.hpp"

using namespace tor;
using namespace tor::test::compose_rows;

TEST_CASE("given an rvalue row, only a producer in last place may take its values", "[compose]") {
  outbox_config c;
  c.tables = {"app.outbox"};
  c.id_column.clear();
  c.type_column.clear();
  const auto table = testing::make_table("app", "outbox", {"aggregatetype", "aggregateid", "payload"});
  row_change r;
  r.table = table;
  r.after.values = {std::string("Order"), std::string("k"), std::string("p")};

  // An enricher after the producer still reads the row as it came.
  std::string seen;
  auto m = compose(outbox_mapper{c}, enrich_fn{[&](message&, const row_change& row, const transaction_info&) {
                     seen = to_text(row.after.values[2]);
                   }});
  row_change given = r;
  std::vector<message> out;
  m.map(std::move(given), {}, out);
  CHECK(seen == "p");
  CHECK(given.after.values == r.after.values);

  // In last place the producer may move the payload out; the messages are the same.
  auto last = compose(op_filter{}, outbox_mapper{c});
  std::vector<message> a, b;
  last.map(r, {}, a);
  given = r;
  last.map(std::move(given), {}, b);
  CHECK(a == b);
  CHECK(to_text(given.after.values[2]).empty());
  CHECK(given.table == r.table);
}

TEST_CASE("map_fn makes a mapper of a lambda returning optional, vector, or appending", "[compose]") {
  static_assert(mapper<map_fn<std::optional<message> (*)(const row_change&, const transaction_info&)>>);
  const auto one = [](const row_change& r, const transaction_info&) -> std::optional<message> {
    if (r.op != row_op::insert) return std::nullopt;
    message m;
    m.topic = r.table->table;
    return m;
  };
  std::vector<message> out;
  map_fn by_optional{one};
  by_optional.map(row("orders"), {}, out);
  by_optional.map(row("orders", row_op::erase), {}, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].topic == "orders");

  map_fn by_vector{[](const row_change& r, const transaction_info&) {
    message m;
    m.topic = r.table->table;
    return std::vector<message>(2, m);
  }};
  by_vector.map(row("a"), {}, out);
  CHECK(out.size() == 3);

  int calls = 0;
  map_fn appending{[&](const row_change&, const transaction_info&, std::vector<message>& o) {
    ++calls;
    o.emplace_back();
  }};
  // As a producer stage of compose, after a filter.
  auto m = compose(op_filter{true, false, false}, appending);
  m.map(row("x"), {}, out);
  m.map(row("x", row_op::update), {}, out);
  CHECK(out.size() == 4);
  CHECK(calls == 1);
}
