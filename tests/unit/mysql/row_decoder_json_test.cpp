// The row decoder: MySQL JSON and VECTOR columns, and the schema fallback
// for MINIMAL metadata.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <tor/mysql/binlog_event.hpp>
#include <tor/mysql/row_decoder.hpp>

#include "decoder_support.hpp"
#include "json_builder.hpp"

using namespace tor::mysql;
using namespace tor::mysql::testing;
using tor::value;

TEST_CASE("MySQL JSON columns decode binary JSON to text", "[mysql][decoder]") {
  namespace j = tor::mysql::testing::json;
  table_map_spec spec;
  spec.columns = {{245, {4}}, {245, {4}}};
  const auto doc = j::document(j::object({{"id", j::int16(7)}, {"tags", j::array({j::string("a"), j::boolean(true), j::null()})}}));
  writer row;
  row.u8(0b10).le(doc.size(), 4).raw(doc);
  const auto img = insert_one(spec, row.b);
  CHECK(img.values[0] == value{tor::json_value{R"({"id": 7, "tags": ["a", true, null]})"}});
  CHECK(tor::is_null(img.values[1]));
}

TEST_CASE("MySQL 9 VECTOR columns decode to a JSON array of their float32s", "[mysql][decoder]") {
  table_map_spec spec;
  spec.columns = {{242, {4}}, {242, {4}}};  // VECTOR: metadata is the length prefix's size, as for BLOBs
  const auto f32 = [](writer& w, std::uint32_t bits) { w.le(bits, 4); };
  writer row;
  row.u8(0b10).le(16, 4);
  f32(row, 0x3fc00000);  // 1.5
  f32(row, 0xc0000000);  // -2
  f32(row, 0x3dcccccd);  // 0.1f
  f32(row, 0x00000000);  // 0
  const auto img = insert_one(spec, row.b);
  CHECK(img.values[0] == value{tor::json_value{"[1.5,-2,0.1,0]"}});
  CHECK(tor::is_null(img.values[1]));

  SECTION("an empty vector") {
    writer e;
    e.u8(0b10).le(0, 4);
    CHECK(insert_one(spec, e.b).values[0] == value{tor::json_value{"[]"}});
  }
  SECTION("a length that is not whole float32s, or a NaN, is an error naming the column") {
    spec.optional = names_tlv({"embedding", "other"});
    writer odd;
    odd.u8(0b10).le(3, 4).raw("abc");
    CHECK_THROWS_WITH(insert_one(spec, odd.b),
                      Catch::Contains("VECTOR") && Catch::Contains("float32") && Catch::Contains("embedding"));
    writer nan;
    nan.u8(0b10).le(4, 4);
    f32(nan, 0x7fc00000);
    CHECK_THROWS_WITH(insert_one(spec, nan.b), Catch::Contains("not a finite number"));
  }
}

TEST_CASE("schema fallback fills what MINIMAL metadata leaves out", "[mysql][decoder]") {
  table_map_spec spec;
  spec.columns = {{3, {}, false}, {1, {}}, {254, {0xfe, 16}}, {254, {0xf7, 1}}, {254, {0xf8, 1}}, {252, {2}}};
  auto t = parse_table_map(table_map_data(spec));
  CHECK_FALSE(t.has_names);
  const std::vector<schema_column> schema = {
      {"id", "int", "int(11)", ""},
      {"flag", "tinyint", "tinyint(3) unsigned", ""},
      {"uuid", "binary", "binary(16)", ""},
      {"state", "enum", "enum('new','it''s done')", "utf8mb4"},
      {"opts", "set", "set('a','b')", "utf8mb4"},
      {"body", "text", "text", "utf8mb4"}};
  apply_schema(t, schema);
  CHECK(t.column_names() == std::vector<std::string>{"id", "flag", "uuid", "state", "opts", "body"});
  writer row;
  row.u8(0).le(1, 4).u8(200).u8(1).raw("\x01").u8(2).u8(3).le(2, 2).raw("hi");
  const auto d = decode(t, 23, rows_data(42, 6, all_columns(6), row.b));
  const auto& v = d.after.at(0).values;
  CHECK(v[1] == value{std::uint64_t{200}});
  CHECK(v[2] == value{tor::bytes_value{"\x01" + std::string(15, '\0')}});
  CHECK(v[3] == value{std::string("it's done")});
  CHECK(v[4] == value{std::string("a,b")});
  CHECK(v[5] == value{std::string("hi")});

  SECTION("a changed column count is schema drift") {
    auto t2 = parse_table_map(table_map_data(spec));
    auto shorter = schema;
    shorter.pop_back();
    CHECK_THROWS_WITH(apply_schema(t2, shorter), Catch::Contains("altered") && Catch::Contains("binlog_row_metadata=FULL"));
  }
  SECTION("a changed column type is schema drift") {
    auto t2 = parse_table_map(table_map_data(spec));
    auto changed = schema;
    changed[1] = {"flag", "varchar", "varchar(10)", "utf8mb4"};
    CHECK_THROWS_WITH(apply_schema(t2, changed), Catch::Contains("column 2") && Catch::Contains("altered"));
  }
}
