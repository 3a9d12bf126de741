// The row decoder: BIT, YEAR and temporal types, NULL bitmaps, multi-row
// events, partial images, UPDATE pairs and compressed rows events.
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

TEST_CASE("NULL bitmaps, multi-row events and partial images", "[mysql][decoder]") {
  table_map_spec spec;
  spec.columns = {{3, {}, false}, {15, {20, 0}}, {8, {}}};
  const auto t = parse_table_map(table_map_data(spec));

  SECTION("NULLs and several rows in one event") {
    writer rows;
    rows.u8(0b010).le(1, 4).le(7, 8);                 // (1, NULL, 7)
    rows.u8(0b100).le(2, 4).u8(2).raw("hi");          // (2, 'hi', NULL)
    rows.u8(0b110).le(3, 4);                          // (3, NULL, NULL)
    const auto d = decode(t, 23, rows_data(42, 3, all_columns(3), rows.b));
    REQUIRE(d.after.size() == 3);
    CHECK(d.after[0].values == std::vector<value>{std::int64_t{1}, tor::null_value{}, std::int64_t{7}});
    CHECK(d.after[1].values == std::vector<value>{std::int64_t{2}, std::string("hi"), tor::null_value{}});
    CHECK(d.after[2].values == std::vector<value>{std::int64_t{3}, tor::null_value{}, tor::null_value{}});
    for (const auto& b : d.before) CHECK(b.empty());
  }
  SECTION("a partial image marks absent columns") {
    // binlog_row_image=MINIMAL: a delete logs only the key (column 0).
    writer rows;
    rows.u8(0).le(9, 4);
    const auto d = decode(t, 25, rows_data(42, 3, bytes{0b001}, rows.b));
    REQUIRE(d.before.size() == 1);
    const auto& img = d.before[0];
    CHECK(img.has(0));
    CHECK_FALSE(img.has(1));
    CHECK_FALSE(img.has(2));
    CHECK(*img.get(0) == value{std::int64_t{9}});
    CHECK(img.get(1) == nullptr);
    CHECK(d.after[0].empty());
  }
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

TEST_CASE("MariaDB compressed rows events and compressed columns inflate", "[mysql][decoder]") {
  table_map_spec spec;
  spec.columns = {{3, {}, false}, {141, {0xa1, 0x0f}}, {140, {2}}, {140, {2}}};
  spec.optional = column_charset_tlv({45, 63, 45});
  const auto t = parse_table_map(table_map_data(spec));
  const std::string long_text(200, 'a');
  const std::string blob(300, '\x07');
  bytes c1 = mariadb_compress(bytes(long_text.begin(), long_text.end()), false, true);
  bytes c2 = mariadb_compress(bytes(blob.begin(), blob.end()), true, true);
  writer row;
  row.u8(0).le(5, 4);
  row.le(c1.size(), 2).raw(c1);
  row.le(c2.size(), 2).raw(c2);
  row.le(6, 2).u8(0).raw("short");  // stored uncompressed: header byte 0
  SECTION("plain rows event") {
    const auto d = decode(t, 23, rows_data(42, 4, all_columns(4), row.b));
    REQUIRE(d.after.size() == 1);
    CHECK(d.after[0].values == std::vector<value>{std::int64_t{5}, long_text, tor::bytes_value{blob}, std::string("short")});
  }
  SECTION("compressed rows event (log_bin_compress)") {
    writer w;
    w.le(42, 6).le(1, 2).lenenc(4).raw(all_columns(4)).raw(mariadb_compress(row.b));
    const auto d = decode(t, 166, w.b);
    REQUIRE(d.after.size() == 1);
    CHECK(d.after[0].values[3] == value{std::string("short")});
  }
  SECTION("a corrupt compressed column leaves the next value's inflating unharmed") {
    // The zlib stream is reused from value to value: one that failed midway
    // must not leak its state into the next one.
    writer bad;
    auto z = c1;
    z[1 + (z[0] & 7u)] = 0xff;  // the first deflate block has the reserved type 3
    bad.u8(0).le(5, 4).le(z.size(), 2).raw(z).le(c2.size(), 2).raw(c2).le(6, 2).u8(0).raw("short");
    CHECK_THROWS_WITH(decode(t, 23, rows_data(42, 4, all_columns(4), bad.b)), Catch::Contains("compressed column value"));
    writer cut;
    cut.u8(0).le(5, 4).le(c1.size() - 3, 2).raw(bytes(c1.begin(), c1.end() - 3));
    cut.le(c2.size(), 2).raw(c2).le(6, 2).u8(0).raw("short");
    CHECK_THROWS_WITH(decode(t, 23, rows_data(42, 4, all_columns(4), cut.b)), Catch::Contains("compressed column value"));
    const auto d = decode(t, 23, rows_data(42, 4, all_columns(4), row.b));
    REQUIRE(d.after.size() == 1);
    CHECK(d.after[0].values == std::vector<value>{std::int64_t{5}, long_text, tor::bytes_value{blob}, std::string("short")});
  }
  SECTION("a compressed rows event whose header lies is refused") {
    auto z = mariadb_compress(row.b);
    z[1] = static_cast<std::uint8_t>(z[1] + 1);  // announce one byte more than the stream holds
    writer w;
    w.le(42, 6).le(1, 2).lenenc(4).raw(all_columns(4)).raw(z);
    CHECK_THROWS_WITH(decode(t, 166, w.b), Catch::Contains("compressed rows event"));
  }
}
