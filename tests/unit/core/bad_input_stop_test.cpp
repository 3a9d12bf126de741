// Bad outbox rows and refused messages, through the whole router with the
// doubles: each stops with an error naming what and where, and the saved
// checkpoint never passes a row that was not published.
// docs/guarantees.md ("Bad input") lists these cases and where each is tested.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "unit/fixtures.hpp"
#include "unit/support/bad_input_tests.hpp"

using namespace tor;
using namespace tor::testing;
using namespace tor::test::bad_input;

TEST_CASE("a bad outbox row stops the router naming table, position and column; the checkpoint stays before it",
          "[router][bad-input]") {
  struct bad_case {
    const char* name;
    scripted_row row;
    outbox_config cfg;
    std::vector<std::string> says;
  };
  auto routed = events_config();
  routed.routes = {{"Order", "events"}};
  const std::vector<bad_case> cases = {
      {"key column missing from the table",
       {no_key_table, row_op::insert, {}, {std::string("e2"), std::string("Order"), std::string("t"), std::string("p")}},
       events_config(),
       {"column \"aggregateid\" is missing"}},
      {"payload column missing from the table",
       {no_payload_table, row_op::insert, {}, {std::string("e2"), std::string("Order"), std::string("k"), std::string("t")}},
       events_config(),
       {"column \"payload\" is missing"}},
      {"NULL key",
       {test::outbox_table, row_op::insert, {}, {std::string("e2"), std::string("Order"), null_value{}, std::string("t"), std::string("p")}},
       events_config(),
       {"key column \"aggregateid\" is NULL"}},
      {"route-by value no route matches",
       test::outbox_row("e2", "Invoice", "k2", "p2"),
       routed,
       {"no route matches aggregatetype \"Invoice\"", "add a route"}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    checkpoint first;
    const auto o = run(c.row, c.cfg, {}, &first);
    CHECK(o.kind == error_kind::mapping);
    CHECK_THAT(o.failure, Catch::Contains("outbox table app.outbox at binlog memory-bin.000001:") &&
                              Catch::Contains(" row 0"));
    for (const auto& s : c.says) CHECK_THAT(o.failure, Catch::Contains(s));
    CHECK(o.saved == std::optional<checkpoint>(first));  // before the bad row, never past it
    CHECK(ids(o) == std::vector<std::string>{"e1"});
  }
}

TEST_CASE("a message the broker refuses stops the router; the checkpoint stays before it", "[router][bad-input]") {
  memory_dispatcher::options dopt;
  dopt.fail = [](const message& m) -> std::optional<std::string> {
    if (*m.find_header("id") == "e2")
      return std::string("kafka: message to topic 'events' (key 'k2') failed: Broker: Message size too large");
    return std::nullopt;
  };
  checkpoint first;
  const auto o = run(test::outbox_row("e2", "Order", "k2", "p2"), events_config(), dopt, &first);
  CHECK(o.kind == error_kind::dispatch);
  CHECK_THAT(o.failure, Catch::Contains("Message size too large") && Catch::Contains("k2"));
  CHECK(o.saved == std::optional<checkpoint>(first));
}
