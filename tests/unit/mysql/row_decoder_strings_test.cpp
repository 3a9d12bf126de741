// The row decoder: strings, with and without charset metadata, ENUM and SET.
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
