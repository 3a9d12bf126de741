// The row decoder: FLOAT, DOUBLE and DECIMAL, and ENUM indexes out of range.
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
