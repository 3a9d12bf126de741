// The outbox mapper given a row by rvalue: it moves what it takes, copies
// what two roles read, and leaves a row it skips or refuses as it was.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <tor/mappers/outbox.hpp>
#include <tor/mappers/re2_patterns.hpp>
#include <tor/testing/memory_source.hpp>

#include "unit/support/outbox_tests.hpp"

using namespace tor;
using namespace tor::test::outbox_rows;

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
