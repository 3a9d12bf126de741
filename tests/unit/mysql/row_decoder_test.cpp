#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <tor/mysql/binlog_event.hpp>
#include <tor/mysql/row_decoder.hpp>

#include "event_builder.hpp"
#include "json_builder.hpp"

using namespace tor::mysql;
using namespace tor::mysql::testing;
using tor::value;

namespace {

bytes from_hex(std::string_view h) {
  bytes b;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) b.push_back(static_cast<std::uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return b;
}

struct decoded {
  std::vector<tor::row_image> before, after;
};

decoded decode(const table_map& t, std::uint8_t type, const bytes& data) {
  std::string scratch;
  const auto ev = parse_rows_event(type, data, scratch);
  decoded d;
  decode_rows(t, ev, [&](tor::row_image&& b, tor::row_image&& a) {
    d.before.push_back(std::move(b));
    d.after.push_back(std::move(a));
  });
  return d;
}

/// Table map + one inserted row, from column specs and the row's encoded values.
tor::row_image insert_one(const table_map_spec& spec, const bytes& row, table_map* out = nullptr) {
  const auto t = parse_table_map(table_map_data(spec));
  if (out) *out = t;
  const auto d = decode(t, 23, rows_data(spec.table_id, spec.columns.size(), all_columns(spec.columns.size()), row));
  REQUIRE(d.after.size() == 1);
  return d.after[0];
}

bytes no_nulls(std::size_t columns) { return bytes((columns + 7) / 8, 0); }

}  // namespace

// A table map and a rows event captured from MariaDB 10.11 (binlog_row_metadata=FULL)
// for:  CREATE TABLE t_all (id INT PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT,
//   su SMALLINT UNSIGNED, mi MEDIUMINT, mu MEDIUMINT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED, f FLOAT,
//   d DOUBLE, dec1 DECIMAL(10,3), c36 CHAR(36), c100 CHAR(100) utf8mb4, b16 BINARY(16),
//   vb VARBINARY(300), vc VARCHAR(500), tb TINYBLOB, tt TEXT, mb MEDIUMBLOB, lt LONGTEXT, j JSON,
//   e ENUM('a','b','c'), s SET('x','y','z'), bt BIT(10), y YEAR, dt DATE, tm TIME(3), dtm DATETIME(6),
//   ts TIMESTAMP(6), g GEOMETRY, tm0 TIME, ts0 TIMESTAMP)
// INSERT ... VALUES (1, -1, 255, -2, 65535, -3, 16777215, -4, 18446744073709551615, 1.5, -2.25,
//   -12.345, 'abc', 'héllo😀', X'0102', X'ff00', 'vc😀', X'00', 'text', X'0001', 'long',
//   '{"a": [1, 2]}', 'b', 'x,z', b'1010101010', 2024, '2024-02-29', '-838:59:59.999',
//   '2024-01-31 12:00:00.123456', '2024-01-31 12:00:00.5', POINT(1 2), '10:11:12', '1970-01-02 00:00:00')
TEST_CASE("events captured from MariaDB decode to the values written", "[mysql][decoder]") {
  const auto tm_event = from_hex(
      "5b1a086b130100000005010000b00600000000120000000000010003746f720005745f616c6c00210301010202090908080405f6fefefe"
      "0f0ffcfcfcfcfcfefe100d0a131211ff13111f04080a03fe90ee90fe102c01d0070102030404f701f8010201030606040000feffffff01"
      "01022a88030b2d2d3f3f2d3f2d3f2d2e3f0701000465026964027469027475027369027375026d69026d75026269026275016601640464"
      "65633103633336046331303003623136027662027663027462027474026d62026c74016a01650173026274017902647402746d0364746d"
      "027473016703746d30037473300a012d05070301780179017a060703016101620163080100a59c6246");
  const auto rows_event_bytes = from_hex(
      "5b1a086b1701000000e1000000910700000000120000000000010021ffffffff0100000000fe01000000fffffefffffffdfffffffffffc"
      "ffffffffffffffffffffffffffffff0000c03f00000000000002c07ffffff3fea6036162630a0068c3a96c6c6ff09f98800201020200ff"
      "0006007663f09f988001000400746578740200000001040000006c6f6e670d0000007b2261223a205b312c20325d7d020502aa7c5dd00f"
      "4b9104d8fa99b27ec00001e24065ba364007a12019000000000000000101000000000000000000f03f000000000000004080a2cc000151"
      "80b317f220");
  const auto tmv = split_event(tm_event, true);
  CHECK(tmv.header.type == 19);
  CHECK(tmv.header.log_pos == 1712);
  const auto t = parse_table_map(tmv.data);
  CHECK(t.qualified_name() == "tor.t_all");
  REQUIRE(t.columns.size() == 33);
  CHECK(t.has_names);
  CHECK(t.has_signedness);
  CHECK(t.has_charsets);
  CHECK(t.columns[0].name == "id");
  CHECK_FALSE(t.columns[0].nullable);
  CHECK(t.columns[32].name == "ts0");
  CHECK(t.columns[13].max_length() == 400);  // CHAR(100) utf8mb4: > 255 bytes
  CHECK(t.columns[22].elements == std::vector<std::string>{"a", "b", "c"});

  const auto rv = split_event(rows_event_bytes, true);
  CHECK(rv.header.type == 23);
  const auto d = decode(t, 23, bytes(rv.data.begin(), rv.data.end()));
  REQUIRE(d.after.size() == 1);
  const auto& v = d.after[0].values;
  REQUIRE(v.size() == 33);
  CHECK(d.after[0].present.empty());
  CHECK(v[0] == value{std::int64_t{1}});
  CHECK(v[1] == value{std::int64_t{-1}});
  CHECK(v[2] == value{std::uint64_t{255}});
  CHECK(v[3] == value{std::int64_t{-2}});
  CHECK(v[4] == value{std::uint64_t{65535}});
  CHECK(v[5] == value{std::int64_t{-3}});
  CHECK(v[6] == value{std::uint64_t{16777215}});
  CHECK(v[7] == value{std::int64_t{-4}});
  CHECK(v[8] == value{std::numeric_limits<std::uint64_t>::max()});
  CHECK(v[9] == value{1.5});
  CHECK(v[10] == value{-2.25});
  CHECK(v[11] == value{tor::decimal_value{"-12.345"}});
  CHECK(v[12] == value{std::string("abc")});
  CHECK(v[13] == value{std::string("h\xc3\xa9llo\xf0\x9f\x98\x80")});
  CHECK(v[14] == value{tor::bytes_value{std::string("\x01\x02", 2) + std::string(14, '\0')}});
  CHECK(v[15] == value{tor::bytes_value{std::string("\xff\x00", 2)}});
  CHECK(v[16] == value{std::string("vc\xf0\x9f\x98\x80")});
  CHECK(v[17] == value{tor::bytes_value{std::string(1, '\0')}});
  CHECK(v[18] == value{std::string("text")});
  CHECK(v[19] == value{tor::bytes_value{std::string("\x00\x01", 2)}});
  CHECK(v[20] == value{std::string("long")});
  CHECK(v[21] == value{std::string(R"({"a": [1, 2]})")});  // MariaDB JSON is LONGTEXT
  CHECK(v[22] == value{std::string("b")});
  CHECK(v[23] == value{std::string("x,z")});
  CHECK(v[24] == value{std::uint64_t{0x2aa}});
  CHECK(v[25] == value{std::int64_t{2024}});
  CHECK(v[26] == value{tor::date_value{2024, 2, 29}});
  CHECK(v[27] == value{tor::time_value{true, 838, 59, 59, 999000}});
  CHECK(v[28] == value{tor::datetime_value{{2024, 1, 31}, 12, 0, 0, 123456}});
  CHECK(v[29] == value{tor::timestamp_value{1706702400, 500000}});
  CHECK(std::holds_alternative<tor::bytes_value>(v[30]));
  CHECK(std::get<tor::bytes_value>(v[30]).data.size() == 25);  // SRID + WKB point
  CHECK(v[31] == value{tor::time_value{false, 10, 11, 12, 0}});
  CHECK(v[32] == value{tor::timestamp_value{86400, 0}});
  CHECK(tor::to_text(v[29]) == "2024-01-31T12:00:00.5Z");
}

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

TEST_CASE("FLOAT arrives with the digits the server prints, DOUBLE exactly", "[mysql][decoder]") {
  table_map_spec spec;
  spec.columns = {{4, {4}}, {4, {4}}, {5, {8}}, {5, {8}}};
  writer row;
  row.raw(no_nulls(4)).f32(0.1f).f32(-3.4028235e38f).f64(0.1).f64(-1.7976931348623157e308);
  const auto img = insert_one(spec, row.b);
  CHECK(img.values[0] == value{0.1});
  CHECK(img.values[1] == value{-3.4028235e38});
  CHECK(img.values[2] == value{0.1});
  CHECK(img.values[3] == value{-1.7976931348623157e308});
}

TEST_CASE("DECIMAL decodes to exact text for every shape", "[mysql][decoder]") {
  struct sample {
    int precision, scale;
    std::string text;
  };
  const std::vector<sample> samples = {
      {10, 3, "-12.345"}, {10, 3, "0.000"}, {10, 3, "1234567.890"}, {5, 0, "-99999"}, {5, 0, "0"},
      {18, 9, "123456789.123456789"}, {18, 9, "-0.000000001"}, {65, 30, "12345678901234567890123456789012345.123456789012345678901234567890"},
      {65, 30, "-99999999999999999999999999999999999.999999999999999999999999999999"}, {4, 4, "0.5000"}, {1, 0, "7"},
      {19, 2, "-10000000000000000.00"}};
  for (const auto& s : samples) {
    INFO("DECIMAL(" << s.precision << "," << s.scale << ") " << s.text);
    table_map_spec spec;
    spec.columns = {{246, {static_cast<std::uint8_t>(s.precision), static_cast<std::uint8_t>(s.scale)}}};
    writer row;
    row.raw(no_nulls(1)).raw(encode_decimal(s.text, s.precision, s.scale));
    const auto img = insert_one(spec, row.b);
    CHECK(img.values[0] == value{tor::decimal_value{s.text}});
  }
}

TEST_CASE("strings: CHAR, BINARY padding, VARCHAR length prefixes, BLOB and TEXT", "[mysql][decoder]") {
  table_map_spec spec;
  // c CHAR(36) utf8mb4 (144 bytes), big CHAR(100) utf8mb4 (400 bytes), b BINARY(16), v VARCHAR(50) latin1,
  // vv VARCHAR(1000) utf8mb4, vb VARBINARY(10), tb TINYBLOB, t TEXT, mt MEDIUMTEXT, lb LONGBLOB
  spec.columns = {{254, {0xfe, 0x90}}, {254, {0xee, 0x90}}, {254, {0xfe, 16}}, {15, {50, 0}}, {15, {0xa0, 0x0f}},
                  {15, {10, 0}}, {252, {1}}, {252, {2}}, {252, {3}}, {252, {4}}};
  spec.optional = column_charset_tlv({45, 45, 63, 8, 45, 63, 63, 45, 45, 63});
  const std::string uuid = "123e4567-e89b-12d3-a456-426614174000";
  const std::string emoji_run = [] { std::string s; for (int i = 0; i < 100; ++i) s += "\xf0\x9f\x98\x80"; return s; }();
  writer row;
  row.raw(no_nulls(10));
  row.u8(36).raw(uuid);
  row.le(emoji_run.size(), 2).raw(emoji_run);
  row.u8(3).raw(std::string("\x01\x00\x02", 3));
  row.u8(5).raw("caf\xe9\x80");  // latin1 (Windows-1252) bytes
  row.le(4, 2).raw("\xf0\x9f\x98\x80");
  row.u8(2).raw(std::string("\x00\xff", 2));
  row.u8(1).raw("\x7f");
  row.le(3, 2).raw("abc");
  row.le(2, 3).raw("xy");
  row.le(300, 4).raw(std::string(300, 'z'));
  table_map t;
  const auto img = insert_one(spec, row.b, &t);
  CHECK(img.values[0] == value{uuid});
  CHECK(img.values[1] == value{emoji_run});
  CHECK(img.values[2] == value{tor::bytes_value{std::string("\x01\x00\x02", 3) + std::string(13, '\0')}});
  CHECK(img.values[3] == value{std::string("caf\xc3\xa9\xe2\x82\xac")});  // converted to UTF-8: café€
  CHECK(img.values[4] == value{std::string("\xf0\x9f\x98\x80")});
  CHECK(img.values[5] == value{tor::bytes_value{std::string("\x00\xff", 2)}});
  CHECK(img.values[6] == value{tor::bytes_value{"\x7f"}});
  CHECK(img.values[7] == value{std::string("abc")});
  CHECK(img.values[8] == value{std::string("xy")});
  CHECK(img.values[9] == value{tor::bytes_value{std::string(300, 'z')}});
}

TEST_CASE("without charset metadata CHAR/VARCHAR are text and BLOBs bytes", "[mysql][decoder]") {
  table_map_spec spec;
  spec.columns = {{254, {0xfe, 10}}, {15, {10, 0}}, {252, {2}}};
  writer row;
  row.raw(no_nulls(3)).u8(1).raw("a").u8(1).raw("b").le(1, 2).raw("c");
  const auto img = insert_one(spec, row.b);
  CHECK(img.values[0] == value{std::string("a")});
  CHECK(img.values[1] == value{std::string("b")});
  CHECK(img.values[2] == value{tor::bytes_value{"c"}});
}

TEST_CASE("ENUM and SET become member names when known, numbers otherwise", "[mysql][decoder]") {
  table_map_spec spec;
  spec.columns = {{254, {0xf7, 1}}, {254, {0xf8, 1}}, {254, {0xf7, 2}}, {254, {0xf8, 8}}};
  writer row;
  row.raw(no_nulls(4)).u8(2).u8(0b101).le(300, 2).le(0x8000000000000001ULL, 8);
  SECTION("with FULL metadata") {
    writer e;
    e.lenenc(2).lenenc_str("new").lenenc_str("sent");
    e.lenenc(300);
    for (int i = 1; i <= 300; ++i) e.lenenc_str(std::string(1, 'm').append(std::to_string(i)));
    writer s;
    s.lenenc(3).lenenc_str("x").lenenc_str("y").lenenc_str("z");
    s.lenenc(64);
    for (int i = 0; i < 64; ++i) s.lenenc_str(std::string(1, 's').append(std::to_string(i)));
    spec.optional = tlv(6, e.b);
    const auto set_tlv = tlv(5, s.b);
    spec.optional.insert(spec.optional.end(), set_tlv.begin(), set_tlv.end());
    const auto img = insert_one(spec, row.b);
    CHECK(img.values[0] == value{std::string("sent")});
    CHECK(img.values[1] == value{std::string("x,z")});
    CHECK(img.values[2] == value{std::string("m300")});
    CHECK(img.values[3] == value{std::string("s0,s63")});
  }
  SECTION("without metadata") {
    const auto img = insert_one(spec, row.b);
    CHECK(img.values[0] == value{std::uint64_t{2}});
    CHECK(img.values[1] == value{std::uint64_t{5}});
    CHECK(img.values[2] == value{std::uint64_t{300}});
    CHECK(img.values[3] == value{std::uint64_t{0x8000000000000001ULL}});
  }
}

TEST_CASE("an ENUM index beyond its members is an error naming table and column", "[mysql][decoder]") {
  table_map_spec spec;
  spec.columns = {{254, {0xf7, 1}}};
  spec.optional = names_tlv({"status"});
  const auto e = elements_tlv(6, {{"a", "b"}});
  spec.optional.insert(spec.optional.end(), e.begin(), e.end());
  writer row;
  row.raw(no_nulls(1)).u8(3);
  CHECK_THROWS_WITH(insert_one(spec, row.b),
                    Catch::Contains("shop.outbox") && Catch::Contains("status") && Catch::Contains("ENUM index 3"));
}

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
