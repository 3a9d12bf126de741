// The row decoder: BIT, YEAR and temporal types, and UPDATE pairs.
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

TEST_CASE("BIT, YEAR and temporal types", "[mysql][decoder]") {
  table_map_spec spec;
  spec.columns = {{16, {1, 0}},  // BIT(1)
                  {16, {0, 8}},  // BIT(64)
                  {13, {}}, {13, {}}, {10, {}}, {11, {}}, {11, {}}, {12, {}}, {7, {}},
                  {19, {0}}, {19, {2}}, {19, {4}}, {19, {6}}, {19, {1}},
                  {18, {0}}, {18, {3}}, {18, {6}},
                  {17, {0}}, {17, {2}}, {17, {6}}};
  writer row;
  row.raw(no_nulls(spec.columns.size()));
  row.u8(1).be(0xfedcba9876543210ULL, 8);
  row.u8(0).u8(255);
  row.raw(encode_date(1000, 1, 1));
  row.le(static_cast<std::uint32_t>(-8385959) & 0xffffff, 3);  // -838:59:59 old TIME
  row.le(123456, 3);                                           // 12:34:56
  row.le(99991231235959ULL, 8);                                // old DATETIME
  row.le(2147483647u, 4);                                      // old TIMESTAMP
  row.raw(encode_time2(false, 0, 0, 0, 0, 0));
  row.raw(encode_time2(true, 0, 0, 0, 10000, 2));  // -00:00:00.01
  row.raw(encode_time2(true, 1, 2, 3, 400, 4));    // -01:02:03.0004
  row.raw(encode_time2(true, 838, 59, 59, 0, 6));
  row.raw(encode_time2(false, 23, 59, 59, 900000, 1));
  row.raw(encode_datetime2(9999, 12, 31, 23, 59, 59, 0, 0));
  row.raw(encode_datetime2(1000, 1, 1, 0, 0, 0, 1000, 3));
  row.raw(encode_datetime2(2024, 2, 29, 13, 14, 15, 999999, 6));
  row.raw(encode_timestamp2(1, 0, 0));
  row.raw(encode_timestamp2(2147483647, 990000, 2));
  row.raw(encode_timestamp2(1706702400, 123456, 6));
  const auto img = insert_one(spec, row.b);
  const auto& v = img.values;
  CHECK(v[0] == value{std::uint64_t{1}});
  CHECK(v[1] == value{std::uint64_t{0xfedcba9876543210ULL}});
  CHECK(v[2] == value{std::int64_t{0}});
  CHECK(v[3] == value{std::int64_t{2155}});
  CHECK(v[4] == value{tor::date_value{1000, 1, 1}});
  CHECK(v[5] == value{tor::time_value{true, 838, 59, 59, 0}});
  CHECK(v[6] == value{tor::time_value{false, 12, 34, 56, 0}});
  CHECK(v[7] == value{tor::datetime_value{{9999, 12, 31}, 23, 59, 59, 0}});
  CHECK(v[8] == value{tor::timestamp_value{2147483647, 0}});
  CHECK(v[9] == value{tor::time_value{false, 0, 0, 0, 0}});
  CHECK(v[10] == value{tor::time_value{true, 0, 0, 0, 10000}});
  CHECK(v[11] == value{tor::time_value{true, 1, 2, 3, 400}});
  CHECK(v[12] == value{tor::time_value{true, 838, 59, 59, 0}});
  CHECK(v[13] == value{tor::time_value{false, 23, 59, 59, 900000}});
  CHECK(v[14] == value{tor::datetime_value{{9999, 12, 31}, 23, 59, 59, 0}});
  CHECK(v[15] == value{tor::datetime_value{{1000, 1, 1}, 0, 0, 0, 1000}});
  CHECK(v[16] == value{tor::datetime_value{{2024, 2, 29}, 13, 14, 15, 999999}});
  CHECK(v[17] == value{tor::timestamp_value{1, 0}});
  CHECK(v[18] == value{tor::timestamp_value{2147483647, 990000}});
  CHECK(v[19] == value{tor::timestamp_value{1706702400, 123456}});
  CHECK(tor::to_text(v[19]) == "2024-01-31T12:00:00.123456Z");
  CHECK(tor::to_text(v[11]) == "-01:02:03.0004");
}

TEST_CASE("UPDATE rows come as before/after pairs, in v1 and v2 events", "[mysql][decoder]") {
  table_map_spec spec;
  spec.columns = {{3, {}, false}, {15, {20, 0}}};
  const auto t = parse_table_map(table_map_data(spec));
  writer rows;
  rows.u8(0).le(1, 4).u8(1).raw("a");  // before (1,'a')
  rows.u8(0).le(1, 4).u8(1).raw("b");  // after  (1,'b')
  rows.u8(0).le(2, 4).u8(1).raw("c");
  rows.u8(2).le(2, 4);                 // after  (2, NULL)
  const auto bm = all_columns(2);
  for (int version : {1, 2}) {
    INFO("rows event v" << version);
    const auto d = decode(t, version == 1 ? 24 : 31, rows_data(42, 2, bm, rows.b, version, &bm));
    REQUIRE(d.before.size() == 2);
    CHECK(d.before[0].values == std::vector<value>{std::int64_t{1}, std::string("a")});
    CHECK(d.after[0].values == std::vector<value>{std::int64_t{1}, std::string("b")});
    CHECK(d.before[1].values == std::vector<value>{std::int64_t{2}, std::string("c")});
    CHECK(d.after[1].values == std::vector<value>{std::int64_t{2}, tor::null_value{}});
  }
  SECTION("v2 extra data is skipped") {
    writer w;
    w.le(42, 6).le(1, 2).le(6, 2).raw("ABCD").lenenc(2).raw(bm).raw(bm).raw(rows.b);
    const auto d = decode(t, 31, w.b);
    CHECK(d.after.size() == 2);
  }
}
