// The row decoder: integers at their extremes, YEAR's signedness, decode
// errors and the table map header. The other tests of the decoder are in
// row_decoder_*_test.cpp, by subject.
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

TEST_CASE("integers keep their width and signedness at the extremes", "[mysql][decoder]") {
  table_map_spec spec;
  spec.columns = {{1, {}}, {1, {}}, {2, {}}, {2, {}}, {9, {}}, {9, {}}, {3, {}}, {3, {}}, {8, {}}, {8, {}}};
  spec.optional = signedness_tlv({false, true, false, true, false, true, false, true, false, true});
  writer row;
  row.raw(no_nulls(10))
      .le(0x80, 1).le(0xff, 1)
      .le(0x8000, 2).le(0xffff, 2)
      .le(0x800000, 3).le(0xffffff, 3)
      .le(0x80000000, 4).le(0xffffffff, 4)
      .le(0x8000000000000000ULL, 8).le(0xffffffffffffffffULL, 8);
  const auto img = insert_one(spec, row.b);
  const std::vector<value> want = {
      std::int64_t{-128}, std::uint64_t{255}, std::int64_t{-32768}, std::uint64_t{65535},
      std::int64_t{-8388608}, std::uint64_t{16777215}, std::int64_t{std::numeric_limits<std::int32_t>::min()},
      std::uint64_t{4294967295u}, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::uint64_t>::max()};
  CHECK(img.values == want);
}

TEST_CASE("MariaDB counts YEAR among the columns that carry signedness", "[mysql][decoder]") {
  // (y YEAR, s TINYINT, u TINYINT UNSIGNED): MariaDB logs bits 1,0,1.
  table_map_spec spec;
  spec.columns = {{13, {}}, {1, {}}, {1, {}}};
  spec.optional = signedness_tlv({true, false, true});
  writer row;
  row.raw(no_nulls(3)).u8(124).u8(0xff).u8(0xff);
  const auto img = insert_one(spec, row.b);
  CHECK(img.values[0] == value{std::int64_t{2024}});
  CHECK(img.values[1] == value{std::int64_t{-1}});
  CHECK(img.values[2] == value{std::uint64_t{255}});
}

TEST_CASE("decode errors name the table, the column and the problem", "[mysql][decoder]") {
  table_map_spec spec;
  spec.columns = {{3, {}}, {15, {20, 0}}};
  spec.optional = names_tlv({"id", "kind"});
  const auto t = parse_table_map(table_map_data(spec));
  SECTION("a row cut short") {
    writer rows;
    rows.u8(0).le(1, 4).u8(10).raw("abc");
    CHECK_THROWS_WITH(decode(t, 23, rows_data(42, 2, all_columns(2), rows.b)),
                      Catch::Contains("shop.outbox") && Catch::Contains("kind") && Catch::Contains("needed 10"));
  }
  SECTION("a rows event whose column count differs from its table map") {
    CHECK_THROWS_WITH(decode(t, 23, rows_data(42, 3, all_columns(3), bytes{0, 1, 0, 0, 0})),
                      Catch::Contains("has 3 columns but its table map has 2"));
  }
  SECTION("a rows event that is not one") {
    std::string scratch;
    CHECK_THROWS_WITH(parse_rows_event(2, bytes{}, scratch), Catch::Contains("not a rows event"));
    CHECK_THROWS_WITH(parse_rows_event(39, bytes{}, scratch), Catch::Contains("PARTIAL_JSON"));
  }
  SECTION("an unknown column type in a table map") {
    table_map_spec bad;
    bad.columns = {{3, {}}, {100, {}}};
    CHECK_THROWS_WITH(parse_table_map(table_map_data(bad)), Catch::Contains("unknown column type 100") && Catch::Contains("shop.outbox"));
  }
  SECTION("a truncated table map") {
    auto data = table_map_data(spec);
    data.resize(20);
    CHECK_THROWS_WITH(parse_table_map(data), Catch::Contains("corrupt table map"));
  }
  SECTION("row images with no bytes at all cannot loop forever") {
    CHECK_THROWS_WITH(decode(t, 23, rows_data(42, 2, bytes{0}, bytes{1, 2, 3})), Catch::Contains("no columns"));
  }
}

TEST_CASE("table map header is read without parsing the columns", "[mysql][decoder]") {
  table_map_spec spec;
  spec.table_id = 0x0000123456789aULL;
  spec.schema = "s";
  spec.table = "t2";
  spec.columns = {{100, {}}};  // a type Tor does not know: the header still reads
  const auto data = table_map_data(spec);
  const auto h = parse_table_map_header(data);
  CHECK(h.table_id == 0x0000123456789aULL);
  CHECK(h.schema == "s");
  CHECK(h.table == "t2");
}
