#include <catch2/catch.hpp>

#include <tor/mappers/outbox.hpp>
#include <tor/mappers/re2_patterns.hpp>
#include <tor/testing/memory_source.hpp>

using namespace tor;

namespace {

const auto table = testing::make_table(
    "app", "outbox", {"id", "aggregatetype", "aggregateid", "type", "payload", "tenant", "part", "created_at"});

row_change insert(std::vector<value> values, row_op op = row_op::insert) {
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

std::vector<value> outbox_values(value key = std::string("order-1"), value payload = std::string(R"({"a":1})")) {
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

}  // namespace

TEST_CASE("outbox rows become messages with Debezium's defaults", "[outbox]") {
  outbox_mapper m(base());
  const auto out = run(m, insert(outbox_values()));
  REQUIRE(out.size() == 1);
  const auto& msg = out[0];
  CHECK(msg.topic == "outbox.event.Order");
  CHECK(msg.key == "order-1");
  CHECK(msg.value == std::optional<std::string>(R"({"a":1})"));
  CHECK(*msg.find_header("id") == "0b6f1a3e-1111-2222-3333-444455556666");
  CHECK(*msg.find_header("eventType") == "OrderCreated");
  CHECK(*msg.find_header("tor.binlog.file") == "mysql-bin.000007");
  CHECK(*msg.find_header("tor.binlog.pos") == "4242/3");
  CHECK(*msg.find_header("tor.gtid") == "0-1-99");
  CHECK_FALSE(msg.partition.has_value());
  CHECK(msg.timestamp == tx().timestamp);  // no timestamp column: the transaction's time
}

TEST_CASE("messages of one route share their topic name", "[outbox]") {
  auto cfg = base();
  cfg.routes = {{"Order", "orders-with-a-long-topic-name"}, {"Customer", "customers"}};
  outbox_mapper m(cfg);
  const auto a = run(m, insert(outbox_values()));
  const auto b = run(m, insert(outbox_values()));
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  CHECK(a[0].topic == "orders-with-a-long-topic-name");
  CHECK(a[0].topic.shares_with(b[0].topic));  // no copy of the name per message
}

TEST_CASE("the id and binlog-coordinate headers can be left out, down to no headers at all", "[outbox]") {
  auto c = base();
  c.coordinate_headers = false;
  {
    outbox_mapper m(c);
    const auto out = run(m, insert(outbox_values()));
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].headers.size() == 2);
    CHECK(*out[0].find_header("id") == "0b6f1a3e-1111-2222-3333-444455556666");
    CHECK(*out[0].find_header("eventType") == "OrderCreated");
  }
  c.id_header = false;
  c.type_column.clear();
  outbox_mapper m(c);
  auto row = insert(outbox_values());
  std::vector<message> out;
  m.map(std::move(row), tx(), out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].headers.empty());
  CHECK(out[0].key == "order-1");
  CHECK(out[0].value == std::optional<std::string>(R"({"a":1})"));
  CHECK(out[0].topic == "outbox.event.Order");
}

TEST_CASE("only the configured outbox tables are mapped", "[outbox]") {
  outbox_mapper m(base());
  auto r = insert(outbox_values());
  r.table = testing::make_table("app", "other", table->columns);
  CHECK(run(m, r).empty());
  r.table = testing::make_table("other", "outbox", table->columns);
  CHECK(run(m, r).empty());
  outbox_config bare;
  bare.tables = {"outbox"};
  CHECK_THROWS_WITH(outbox_mapper(bare), Catch::Contains("schema.table"));
}

TEST_CASE("routes are tried in order; the first match wins", "[outbox]") {
  auto c = base();
  c.routes = {{"Ord.*", "orders"}, {"Order", "never"}, {".*", "fallback"}};
  outbox_mapper m(c);
  CHECK(run(m, insert(outbox_values()))[0].topic == "orders");
  auto v = outbox_values();
  v[1] = std::string("Customer");
  CHECK(run(m, insert(v))[0].topic == "fallback");
  CHECK(m.static_topics() == std::vector<std::string>{"orders", "never", "fallback"});
}

TEST_CASE("with fan-out every matching route gets the message, in route order", "[outbox]") {
  auto c = base();
  c.routes = {{"Ord.*", "orders"}, {"Customer", "customers"}, {".*", "audit"}, {"Order", "orders"}};
  c.fan_out = true;
  outbox_mapper m(c);
  const auto out = run(m, insert(outbox_values()));
  REQUIRE(out.size() == 2);  // a topic matched twice is sent once
  CHECK(out[0].topic == "orders");
  CHECK(out[1].topic == "audit");
  CHECK(out[0].key == out[1].key);
  CHECK(out[0].headers == out[1].headers);
  CHECK(out[0].value == out[1].value);
}

TEST_CASE("an unrouted value fails or is skipped, by configuration", "[outbox]") {
  auto c = base();
  c.routes = {{"Order", "orders"}};
  auto v = outbox_values();
  v[1] = std::string("Invoice");
  outbox_mapper failing(c);
  CHECK_THROWS_WITH(run(failing, insert(v)), Catch::Contains("no route matches aggregatetype \"Invoice\"") &&
                                                 Catch::Contains("app.outbox") &&
                                                 Catch::Contains("mysql-bin.000007:4242"));
  c.unrouted = on_invalid::skip;
  std::vector<std::string> warnings;
  c.warn = [&](const std::string& w) { warnings.push_back(w); };
  outbox_mapper skipping(c);
  CHECK(run(skipping, insert(v)).empty());
  CHECK(warnings.size() == 1);
}

TEST_CASE("a bad route pattern is refused up front", "[outbox]") {
  auto c = base();
  c.routes = {{"(unclosed", "t"}};
  CHECK_THROWS_WITH(outbox_mapper(c), Catch::Contains("bad route pattern \"(unclosed\" for topic t: missing ): "
                                                      "(unclosed (RE2 syntax, as Go's regexp)"));
}

TEST_CASE("routes without a pattern engine are refused, naming the one to use", "[outbox]") {
  auto c = base();
  c.patterns = nullptr;
  CHECK_NOTHROW(outbox_mapper(c));  // no routes: the topic template needs no engine
  c.routes = {{"Order", "orders"}};
  CHECK_THROWS_WITH(outbox_mapper(c), Catch::Contains("outbox routes need a pattern engine") &&
                                          Catch::Contains("tor::re2_patterns()"));
}

TEST_CASE("patterns are RE2 (Go's syntax): whole-value match, or a search like Go's MatchString", "[outbox]") {
  const auto topic_of = [](outbox_route route, const std::string& by) {
    auto c = base();
    c.routes = {std::move(route)};
    c.unrouted = on_invalid::skip;
    outbox_mapper m(c);
    auto values = outbox_values();
    values[1] = by;
    const auto out = run(m, insert(values));
    return out.empty() ? std::string("(skipped)") : out.front().topic;
  };
  // The original Tor's example pattern: (?i) is Go/RE2 syntax that ECMAScript refused.
  const outbox_route original{"(?i)^order$", "outbox_topic", true};
  CHECK(topic_of(original, "order") == "outbox_topic");
  CHECK(topic_of(original, "ORDER") == "outbox_topic");
  CHECK(topic_of(original, "orders") == "(skipped)");
  CHECK(topic_of(original, "an order") == "(skipped)");
  // Search: anywhere in the value; whole: the entire value.
  CHECK(topic_of({"ord", "t", true}, "border") == "t");
  CHECK(topic_of({"ord", "t"}, "border") == "(skipped)");
  CHECK(topic_of({"b?order", "t"}, "border") == "t");
  // A search reaches past a newline, as Go's did (`.` does not match one).
  CHECK(topic_of({"der$", "t", true}, "or\nder") == "t");
  CHECK(topic_of({"or.der", "t", true}, "or\nder") == "(skipped)");
  // Go's syntax for Unicode classes and non-greedy repeats.
  CHECK(topic_of({"\\p{Lu}\\w+?", "t"}, "Ärger") == "t");
}

TEST_CASE("the topic template takes the route-by value", "[outbox]") {
  auto c = base();
  c.topic_template = "${routedByValue}.events.${routedByValue}";
  outbox_mapper m(c);
  CHECK(run(m, insert(outbox_values()))[0].topic == "Order.events.Order");
}

TEST_CASE("columns go to headers or to the partition", "[outbox]") {
  auto c = base();
  c.fields = {{"tenant", "x-tenant"},
              {"type", ""},
              {"part", "", true}};
  outbox_mapper m(c);
  const auto msg = run(m, insert(outbox_values()))[0];
  CHECK(*msg.find_header("x-tenant") == "acme");
  CHECK(*msg.find_header("type") == "OrderCreated");
  CHECK(msg.partition == std::optional<std::int32_t>(2));

  auto v = outbox_values();
  v[6] = std::string("two");
  CHECK_THROWS_WITH(run(m, insert(v)), Catch::Contains("partition column \"part\" holds \"two\""));
}

TEST_CASE("the timestamp column sets the record timestamp", "[outbox]") {
  auto c = base();
  c.timestamp_column = "created_at";
  outbox_mapper m(c);
  const auto msg = run(m, insert(outbox_values()))[0];
  CHECK(msg.timestamp.time_since_epoch() == std::chrono::microseconds(1700000000250000));
  auto v = outbox_values();
  v[7] = datetime_value{{2024, 1, 2}, 3, 4, 5, 0};
  CHECK(run(m, insert(v))[0].timestamp.time_since_epoch() == std::chrono::seconds(1704164645));
  v[7] = std::string("yesterday");
  CHECK_THROWS_WITH(run(m, insert(v)), Catch::Contains("timestamp column \"created_at\" holds \"yesterday\""));
}

TEST_CASE("updates of outbox rows warn by default, or skip, or fail", "[outbox]") {
  auto c = base();
  std::vector<std::string> warnings;
  c.warn = [&](const std::string& w) { warnings.push_back(w); };
  {
    outbox_mapper m(c);
    CHECK(run(m, insert(outbox_values(), row_op::update)).empty());
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("UPDATE") && Catch::Contains("mysql-bin.000007:4242"));
  }
  c.updates = on_update::skip;
  {
    outbox_mapper m(c);
    CHECK(run(m, insert(outbox_values(), row_op::update)).empty());
    CHECK(warnings.size() == 1);
  }
  c.updates = on_update::fail;
  {
    outbox_mapper m(c);
    CHECK_THROWS_WITH(run(m, insert(outbox_values(), row_op::update)), Catch::Contains("UPDATE of outbox table"));
  }
}

TEST_CASE("deletes of outbox rows are ignored", "[outbox]") {
  outbox_mapper m(base());
  CHECK(run(m, insert(outbox_values(), row_op::erase)).empty());
}

TEST_CASE("an empty or NULL payload is a tombstone when enabled", "[outbox]") {
  auto c = base();
  {
    outbox_mapper m(c);
    const auto msg = run(m, insert(outbox_values(std::string("k"), null_value{})))[0];
    CHECK(msg.value == std::optional<std::string>(""));  // disabled: an empty value, not a tombstone
  }
  c.tombstone_on_empty_payload = true;
  outbox_mapper m(c);
  CHECK(run(m, insert(outbox_values(std::string("k"), null_value{})))[0].tombstone());
  CHECK(run(m, insert(outbox_values(std::string("k"), std::string())))[0].tombstone());
  CHECK_FALSE(run(m, insert(outbox_values()))[0].tombstone());
}

TEST_CASE("a NULL key or a missing column fails naming table and column, or skips", "[outbox]") {
  auto c = base();
  outbox_mapper m(c);
  CHECK_THROWS_WITH(run(m, insert(outbox_values(null_value{}))),
                    Catch::Contains("app.outbox") && Catch::Contains("\"aggregateid\" is NULL"));
  auto missing = base();
  missing.payload_column = "body";
  outbox_mapper m2(missing);
  CHECK_THROWS_WITH(run(m2, insert(outbox_values())),
                    Catch::Contains("column \"body\" is missing") && Catch::Contains("mysql-bin.000007:4242 row 3"));

  auto partial = insert(outbox_values());
  partial.after.present = {true, true, false, true, true, true, true, true};  // key left out of the image
  CHECK_THROWS_WITH(run(m, partial), Catch::Contains("\"aggregateid\" is not in the row image"));

  c.invalid = on_invalid::skip;
  std::vector<std::string> warnings;
  c.warn = [&](const std::string& w) { warnings.push_back(w); };
  outbox_mapper skipping(c);
  CHECK(run(skipping, insert(outbox_values(null_value{}))).empty());
  CHECK(run(skipping, partial).empty());
  CHECK(warnings.size() == 2);
}

TEST_CASE("the original Tor preset uses aggregate_id, aggregate_type and payload", "[outbox]") {
  auto c = outbox_config::original_tor("app.outbox");
  c.routes = {{"order", "outbox_topic"}};
  c.patterns = re2_patterns();
  outbox_mapper m(c);
  row_change r;
  r.table = testing::make_table("app", "outbox", {"uuid", "aggregate_id", "aggregate_type", "payload"});
  r.after.values = {std::string("u-1"), std::string("42"), std::string("order"), std::string("{}")};
  r.position = {"binlog.000001", 900};
  const auto out = run(m, r);
  REQUIRE(out.size() == 1);
  CHECK(out[0].topic == "outbox_topic");
  CHECK(out[0].key == "42");
  CHECK(*out[0].value == "{}");
  CHECK(*out[0].find_header("id") == "binlog.000001:900/0");  // no id column: the binlog coordinates
}

TEST_CASE("a table whose shape changes is resolved again", "[outbox]") {
  outbox_mapper m(base());
  row_change r = insert(outbox_values());
  CHECK(run(m, r)[0].key == "order-1");
  r.table = testing::make_table("app", "outbox", {"aggregateid", "id", "aggregatetype", "type", "payload"});
  r.after.values = {std::string("k2"), std::string("i2"), std::string("Order"), std::string("T"), std::string("x")};
  CHECK(run(m, r)[0].key == "k2");
}

namespace {
std::vector<message> run_moved(outbox_mapper& m, row_change& r) {
  std::vector<message> out;
  m.map(std::move(r), tx(), out);
  return out;
}
}  // namespace

TEST_CASE("a row given by rvalue maps the same, its key, payload and id moved rather than copied", "[outbox]") {
  auto c = base();
  c.fields = {{"tenant", "x-tenant"},
              {"part", "", true}};
  c.routes = {{"Order", "orders"}, {"Ord.*", "all"}};
  c.fan_out = true;
  outbox_mapper m(c);
  const row_change original = insert(outbox_values());
  row_change given = original;
  const auto copied = run(m, original);
  const auto moved = run_moved(m, given);
  REQUIRE(moved.size() == 2);
  CHECK(moved == copied);
  // What the router reads after mapping is left alone; the taken values are gone.
  CHECK(given.table == original.table);
  CHECK(given.position == original.position);
  CHECK(given.row_index == original.row_index);
  CHECK(given.after.values[1] == original.after.values[1]);  // route-by: read, not taken
  CHECK(given.after.values[5] == original.after.values[5]);  // a header field: copied
  CHECK(std::get<std::string>(given.after.values[4]).empty());  // the payload moved into the message
}

TEST_CASE("a column read by two roles is copied for each, even from an rvalue row", "[outbox]") {
  auto c = base();
  c.id_column = "aggregateid";  // the key doubles as the event id
  c.fields = {{"payload", "x-body"}};
  outbox_mapper m(c);
  row_change r = insert(outbox_values());
  const auto msg = run_moved(m, r).at(0);
  CHECK(msg.key == "order-1");
  CHECK(*msg.find_header("id") == "order-1");
  CHECK(*msg.find_header("x-body") == R"({"a":1})");
  CHECK(msg.value == std::optional<std::string>(R"({"a":1})"));
}

TEST_CASE("an rvalue row that is skipped or refused keeps its values", "[outbox]") {
  auto c = base();
  c.fields = {{"part", "", true}};
  c.invalid = on_invalid::skip;
  outbox_mapper skipping(c);
  auto v = outbox_values();
  v[6] = std::string("two");  // not a partition number: found after the key and payload are read
  row_change r = insert(v);
  CHECK(run_moved(skipping, r).empty());
  CHECK(r.after.values == v);

  c.invalid = on_invalid::fail;
  outbox_mapper failing(c);
  CHECK_THROWS(run_moved(failing, r));
  CHECK(r.after.values == v);
}

TEST_CASE("an rvalue row maps like a const one for tombstones and non-text payloads", "[outbox]") {
  auto c = base();
  c.tombstone_on_empty_payload = true;
  outbox_mapper m(c);
  for (const value& payload : {value(null_value{}), value(std::string()), value(json_value{"{}"}),
                               value(bytes_value{"\x01\x02"}), value(std::int64_t{5})}) {
    const row_change original = insert(outbox_values(std::string("k"), payload));
    row_change given = original;
    CHECK(run_moved(m, given) == run(m, original));
  }
}
