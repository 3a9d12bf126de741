#include <catch2/catch.hpp>

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <tor/mappers/compose.hpp>
#include <tor/mappers/outbox.hpp>
#include <tor/testing/memory_source.hpp>

using namespace tor;

namespace {
// A user's own producer: one message per row, topic = table name.
struct table_topic {
  void map(const row_change& r, const transaction_info&, std::vector<message>& out) const {
    message m;
    m.topic = r.table->table;
    m.key = to_text(r.image().values.at(0));
    m.value.emplace("v");  // not `= "v"`: GCC 12 warns falsely on string::assign here (-Wrestrict, PR 105329)
    out.push_back(std::move(m));
  }
};
row_change row(const std::string& table, row_op op = row_op::insert) {
  row_change r;
  r.op = op;
  r.table = testing::make_table("app", table, {"id"});
  r.after.values = {std::int64_t{7}};
  r.before.values = {std::int64_t{7}};
  return r;
}
}  // namespace

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
