// Bad outbox rows through the whole router with the doubles, where a policy
// says they pass: skipped with a warning, or published as documented; the
// checkpoint moves on past them.
// docs/guarantees.md ("Bad input") lists these cases and where each is tested.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "unit/fixtures.hpp"
#include "unit/support/bad_input_tests.hpp"

using namespace tor;
using namespace tor::testing;
using namespace tor::test::bad_input;

TEST_CASE("with the skip policies a bad row is logged and passed over, and the checkpoint moves on",
          "[router][bad-input]") {
  SECTION("invalid rows (outbox.on_invalid: skip)") {
    auto cfg = events_config();
    cfg.invalid = on_invalid::skip;
    checkpoint last;
    const auto o = run({test::outbox_table, row_op::insert, {},
                        {std::string("e2"), std::string("Order"), null_value{}, std::string("t"), std::string("p")}},
                       cfg, {}, nullptr, &last);
    CHECK(o.failure.empty());
    CHECK(o.saved == std::optional<checkpoint>(last));
    CHECK(ids(o) == std::vector<std::string>{"e1", "e3"});
    REQUIRE(o.warnings.size() == 1);
    CHECK_THAT(o.warnings[0], Catch::Contains("skipping row") && Catch::Contains("app.outbox") &&
                                  Catch::Contains("\"aggregateid\" is NULL"));
  }
  SECTION("unrouted rows (outbox.unrouted: skip)") {
    auto cfg = events_config();
    cfg.routes = {{"Order", "events"}};
    cfg.unrouted = on_invalid::skip;
    checkpoint last;
    const auto o = run(test::outbox_row("e2", "Invoice", "k2", "p2"), cfg, {}, nullptr, &last);
    CHECK(o.failure.empty());
    CHECK(o.saved == std::optional<checkpoint>(last));
    CHECK(ids(o) == std::vector<std::string>{"e1", "e3"});
    REQUIRE(o.warnings.size() == 1);
    CHECK_THAT(o.warnings[0], Catch::Contains("no route matches aggregatetype \"Invoice\""));
  }
}

TEST_CASE("a NULL payload is published as an empty value, or as a tombstone when configured", "[router][bad-input]") {
  const scripted_row null_payload{test::outbox_table, row_op::insert, {},
                                  {std::string("e2"), std::string("Order"), std::string("k2"), std::string("t"), null_value{}}};
  auto cfg = events_config();
  checkpoint last;
  auto o = run(null_payload, cfg, {}, nullptr, &last);
  CHECK(o.failure.empty());
  CHECK(o.saved == std::optional<checkpoint>(last));
  REQUIRE(ids(o) == std::vector<std::string>{"e1", "e2", "e3"});
  CHECK(o.published[1].msg.value == std::optional<std::string>(""));
  cfg.tombstone_on_empty_payload = true;
  o = run(null_payload, cfg);
  REQUIRE(o.published.size() == 3);
  CHECK(o.published[1].msg.tombstone());
}

TEST_CASE("a key that is not valid UTF-8 is published byte for byte, and quoted safely in errors",
          "[router][bad-input]") {
  const std::string bytes("k\xff\xfe\x80\x00z", 6);
  checkpoint last;
  const auto o = run({test::outbox_table, row_op::insert, {},
                      {std::string("e2"), std::string("Order"), bytes_value{bytes}, std::string("t"), std::string("p")}},
                     events_config(), {}, nullptr, &last);
  CHECK(o.failure.empty());
  CHECK(o.saved == std::optional<checkpoint>(last));
  REQUIRE(o.published.size() == 3);
  CHECK(o.published[1].msg.key == std::optional<std::string>(bytes));

  // The same bytes as a route-by value no route matches: the error shows
  // them as hex, so a log line stays valid text (and JSON).
  auto cfg = events_config();
  cfg.routes = {{"Order", "events"}};
  const auto bad = run({test::outbox_table, row_op::insert, {},
                        {std::string("e2"), bytes_value{bytes}, std::string("k"), std::string("t"), std::string("p")}},
                       cfg);
  CHECK_THAT(bad.failure, Catch::Contains("no route matches aggregatetype 0x6bfffe80007a"));
}
