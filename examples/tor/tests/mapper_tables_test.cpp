// The service's mapper: exact and any-schema outbox tables.
#include <catch2/catch.hpp>

#include <tor/testing/memory_source.hpp>

#include "mapper.hpp"
#include "mapper_support.hpp"

using namespace tor_service;
using tor_service::test::insert;

TEST_CASE("outbox tables by exact name and by *.table in every schema") {
  config::outbox_settings s;
  s.tables = {"app.outbox", "*.events"};
  s.routes = {{"order", "orders"}, {".*", "other"}};
  s.fields = {{"tenant", "x-tenant", false}};
  std::vector<std::string> warnings;
  service_mapper m(s, [&](const std::string& w) { warnings.push_back(w); });
  CHECK(m.static_topics() == std::set<std::string>{"orders", "other"});

  const std::vector<std::string> cols = {"id", "aggregatetype", "aggregateid", "type", "payload", "tenant"};
  auto app_outbox = tor::testing::make_table("app", "outbox", cols);
  auto a_events = tor::testing::make_table("a", "events", cols);
  auto b_events = tor::testing::make_table("b", "events", cols);
  auto app_other = tor::testing::make_table("app", "other", cols);
  auto b_outbox = tor::testing::make_table("b", "outbox", cols);
  const tor::transaction_info tx;
  std::vector<tor::message> out;
  for (const auto& t : {app_outbox, a_events, b_events, app_other, b_outbox, a_events})
    m.map(insert(t, {std::string("e-" + t->qualified_name()), std::string("order"), std::string("k1"),
                     std::string("created"), std::string("{}"), std::string("t1")}),
          tx, out);
  REQUIRE(out.size() == 4);  // app.outbox, a.events, b.events, a.events again
  CHECK(*out[0].find_header("id") == "e-app.outbox");
  CHECK(*out[1].find_header("id") == "e-a.events");
  CHECK(*out[2].find_header("id") == "e-b.events");
  CHECK(*out[3].find_header("id") == "e-a.events");
  CHECK(out[0].topic == "orders");
  CHECK(out[0].key == "k1");
  CHECK(*out[0].find_header("x-tenant") == "t1");
  CHECK(*out[0].find_header("eventType") == "created");
}
