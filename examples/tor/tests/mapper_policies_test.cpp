// The service's mapper: policies and warnings carried over from the settings.
#include <catch2/catch.hpp>

#include <tor/testing/memory_source.hpp>

#include "mapper.hpp"
#include "mapper_support.hpp"

using namespace tor_service;
using tor_service::test::insert;

TEST_CASE("policies and warnings are carried over from the settings") {
  config::outbox_settings s;
  s.tables = {"app.outbox"};
  s.routes = {{"order", "orders"}};
  s.unrouted = tor::on_invalid::skip;
  std::vector<std::string> warnings;
  service_mapper m(s, [&](const std::string& w) { warnings.push_back(w); });
  auto t = tor::testing::make_table("app", "outbox", {"id", "aggregatetype", "aggregateid", "type", "payload"});
  std::vector<tor::message> out;
  m.map(insert(t, {std::string("1"), std::string("invoice"), std::string("k"), std::string("x"), std::string("{}")}),
        {}, out);
  CHECK(out.empty());
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("no route matches") != std::string::npos);

  config::outbox_settings bad = s;
  bad.routes = {{"(", "t"}};
  CHECK_THROWS_AS(service_mapper(bad, nullptr), tor::error);
}
