// compose: filters, producers and enrichers in order, table_filter, and the
// outbox mapper as one stage.
#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

#include <tor/mappers/compose.hpp>
#include <tor/mappers/outbox.hpp>
#include <tor/testing/memory_source.hpp>

#include "unit/support/compose_tests.hpp"

using namespace tor;
using namespace tor::test::compose_rows;

TEST_CASE("stages run in order: filters gate, producers append, enrichers adjust", "[compose]") {
  int seen_by_enricher = 0;
  auto m = compose(table_filter({"app\\.(orders|customers)"}), op_filter{true, true, false}, table_topic{},
                   static_headers{{{"source", "db1"}}},
                   enrich_fn{[&](message& msg, const row_change&, const transaction_info&) {
                     ++seen_by_enricher;
                     msg.key += "!";
                   }});
  static_assert(tor::mapper<decltype(m)>);
  std::vector<message> out;
  m.map(row("orders"), {}, out);
  m.map(row("payments"), {}, out);                 // filtered by table
  m.map(row("customers", row_op::erase), {}, out);  // filtered by op
  m.map(row("customers"), {}, out);
  REQUIRE(out.size() == 2);
  CHECK(out[0].topic == "orders");
  CHECK(out[0].key == "7!");
  CHECK(*out[0].find_header("source") == "db1");
  CHECK(out[1].topic == "customers");
  CHECK(seen_by_enricher == 2);
}

TEST_CASE("a table_filter matches whole names, and its copies match alike after it is gone", "[compose]") {
  std::optional<table_filter> original(std::in_place, std::vector<std::string>{"app\\.ord.*", "app\\.customers"});
  const table_filter copy = *original;
  original.reset();
  CHECK(copy.accept(row("orders"), {}));
  CHECK(copy.accept(row("customers"), {}));
  CHECK_FALSE(copy.accept(row("customers_archive"), {}));  // the whole name must match
  CHECK_FALSE(copy.accept(row("payments"), {}));
  CHECK_THROWS_AS(table_filter({"app\\.(orders"}), std::regex_error);  // a bad pattern is refused when built
}

TEST_CASE("a table_filter answers each table by its name, however many tables interleave", "[compose]") {
  // Past the number of answers a filter keeps (64), three times over, so
  // answers are kept, dropped and found again; rows of one table share its
  // table_info, as a source's do.
  const table_filter f({"app\\.t1[0-9]*"});
  std::vector<row_change> rows;
  for (int i = 0; i < 150; ++i) rows.push_back(row("t" + std::to_string(i)));
  std::size_t kept = 0;
  for (int round = 0; round < 3; ++round)
    for (const auto& r : rows) {
      const bool want = r.table->table.rfind("t1", 0) == 0;
      CHECK(f.accept(r, {}) == want);
      kept += want;
    }
  CHECK(kept == 3 * (1 + 10 + 50));  // t1, t10..t19, t100..t149
  // Another table_info of the same name, and a row without one ("?").
  CHECK(f.accept(row("t1"), {}));
  CHECK_FALSE(f.accept(row("t2"), {}));
  row_change unknown = row("t1");
  unknown.table = nullptr;
  CHECK_FALSE(f.accept(unknown, {}));
  // A copy answers alike, with its own answers.
  const table_filter copy = f;
  for (const auto& r : rows) CHECK(copy.accept(r, {}) == f.accept(r, {}));
}

TEST_CASE("enrichers only see the messages of the current row", "[compose]") {
  auto m = compose(table_topic{}, enrich_fn{[](message& msg, const row_change&, const transaction_info&) {
                     msg.headers.push_back({"n", "1"});
                   }});
  std::vector<message> out;
  m.map(row("a"), {}, out);
  m.map(row("b"), {}, out);
  CHECK(out[0].headers.size() == 1);
  CHECK(out[1].headers.size() == 1);
}

TEST_CASE("the outbox mapper composes with a filter and an enricher", "[compose]") {
  outbox_config c;
  c.tables = {"app.outbox"};
  c.id_column.clear();
  c.type_column.clear();
  auto m = compose(filter_fn{[](const row_change& r, const transaction_info&) { return r.row_index == 0; }},
                   outbox_mapper{c}, static_headers{{{"env", "test"}}});
  row_change r;
  r.table = testing::make_table("app", "outbox", {"aggregatetype", "aggregateid", "payload"});
  r.after.values = {std::string("Order"), std::string("k"), std::string("p")};
  std::vector<message> out;
  m.map(r, {}, out);
  r.row_index = 1;
  m.map(r, {}, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].topic == "outbox.event.Order");
  CHECK(*out[0].find_header("env") == "test");
  CHECK(m.stage<1>().config().tables.size() == 1);
}
