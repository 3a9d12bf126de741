// The row decoder: NULL bitmaps, multi-row events, partial images and
// compressed rows events.
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
