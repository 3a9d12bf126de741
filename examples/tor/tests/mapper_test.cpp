// The service's mapper: rows taken by rvalue, headers turned off. Tables by
// name and pattern, policies and warnings are in mapper_tables_test.cpp.
#include <catch2/catch.hpp>

#include <tor/testing/memory_source.hpp>

#include "mapper.hpp"
#include "mapper_support.hpp"

using namespace tor_service;
using tor_service::test::insert;

TEST_CASE("a row given by rvalue gives the same messages, its payload moved rather than copied") {
  config::outbox_settings s;
  s.tables = {"app.outbox"};
  s.routes = {{"order", "orders"}};
  service_mapper m(s, {});
  auto t = tor::testing::make_table("app", "outbox", {"id", "aggregatetype", "aggregateid", "type", "payload"});
  const std::string payload(300, 'p');  // longer than any inline string buffer
  const auto row = insert(t, {std::string("e-1"), std::string("order"), std::string("k1"), std::string("created"),
                              payload});
  const tor::transaction_info tx;
  std::vector<tor::message> copied, moved;
  m.map(row, tx, copied);
  auto given = row;
  const char* const bytes = std::get<std::string>(given.after.values[4]).data();
  m.map(std::move(given), tx, moved);
  REQUIRE(moved.size() == 1);
  CHECK(moved == copied);
  // The message holds the row's own buffer: nothing was allocated or copied for it.
  CHECK(moved[0].value->data() == bytes);
  CHECK(given.table == t);  // what the router reads afterwards is left alone
  CHECK(given.position == row.position);
}

TEST_CASE("headers can be turned off: id, binlog coordinates and event type") {
  config::outbox_settings s;
  s.tables = {"app.outbox"};
  s.routes = {{"order", "orders"}};
  s.id_header = false;
  s.coordinate_headers = false;
  s.type_column.clear();
  service_mapper m(s, {});
  auto t = tor::testing::make_table("app", "outbox", {"id", "aggregatetype", "aggregateid", "type", "payload"});
  std::vector<tor::message> out;
  m.map(insert(t, {std::string("e-1"), std::string("order"), std::string("k1"), std::string("created"),
                   std::string("{}")}),
        tor::transaction_info{"0-1-5", {}, {}}, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].headers.empty());
  CHECK(out[0].key == "k1");
}
