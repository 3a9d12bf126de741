// The outbox mapper: updates, deletes, empty payloads, bad rows and tables
// whose shape changes.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <tor/mappers/outbox.hpp>
#include <tor/mappers/re2_patterns.hpp>
#include <tor/testing/memory_source.hpp>

#include "unit/support/outbox_tests.hpp"

using namespace tor;
using namespace tor::test::outbox_rows;

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

TEST_CASE("a table whose shape changes is resolved again", "[outbox]") {
  outbox_mapper m(base());
  row_change r = insert(outbox_values());
  CHECK(run(m, r)[0].key == "order-1");
  r.table = testing::make_table("app", "outbox", {"aggregateid", "id", "aggregatetype", "type", "payload"});
  r.after.values = {std::string("k2"), std::string("i2"), std::string("Order"), std::string("T"), std::string("x")};
  CHECK(run(m, r)[0].key == "k2");
}
