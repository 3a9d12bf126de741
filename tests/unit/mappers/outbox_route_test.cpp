// The outbox mapper: which tables it maps, and how routes pick topics
// (RE2 patterns, in order, fan-out, unrouted values).
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <tor/mappers/outbox.hpp>
#include <tor/mappers/re2_patterns.hpp>
#include <tor/testing/memory_source.hpp>

#include "unit/support/outbox_tests.hpp"

using namespace tor;
using namespace tor::test::outbox_rows;

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

TEST_CASE("a copy of a mapper routes on its own after the mapper it was copied from is gone", "[outbox]") {
  // The mapper remembers the last table's columns and the last route-by
  // value's topics as pointers into its own caches; a copy (a vector of
  // mappers growing, say) must not keep pointing into the original's.
  auto c = base();
  c.routes = {{"Order", "orders"}};
  std::vector<outbox_mapper> mappers;
  mappers.emplace_back(c);
  REQUIRE(run(mappers[0], insert(outbox_values())).size() == 1);  // both caches hold Order's entries
  std::optional<outbox_mapper> copy(std::in_place, mappers[0]);
  outbox_mapper assigned(base());
  assigned = mappers[0];
  mappers.clear();
  for (auto* m : {&*copy, &assigned}) {
    const auto out = run(*m, insert(outbox_values()));
    REQUIRE(out.size() == 1);
    CHECK(out[0].topic == "orders");
    CHECK(out[0].key == "order-1");
  }
  // A moved-to mapper keeps working after the moved-from one is gone.
  outbox_mapper moved(std::move(*copy));
  copy.reset();
  CHECK(run(moved, insert(outbox_values())).at(0).topic == "orders");
}
