// The row decoder: a table map and a rows event captured from MariaDB.
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
