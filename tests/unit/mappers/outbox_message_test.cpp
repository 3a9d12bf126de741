// The outbox mapper: what a message is made of (key, value, topic, headers,
// partition, timestamp), by default and as configured.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <tor/mappers/outbox.hpp>
#include <tor/mappers/re2_patterns.hpp>
#include <tor/testing/memory_source.hpp>

#include "unit/support/outbox_tests.hpp"

using namespace tor;
using namespace tor::test::outbox_rows;

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
