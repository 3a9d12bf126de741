#include <catch2/catch.hpp>

#include <string>

#include <tor/mysql/detail/json_binary.hpp>

#include "event_builder.hpp"
#include "json_builder.hpp"

using namespace tor::mysql::testing;
namespace j = tor::mysql::testing::json;
using tor::mysql::detail::json_binary_to_text;

namespace {
std::string print(const j::value& v) { return json_binary_to_text(j::document(v)); }
}  // namespace

TEST_CASE("MySQL binary JSON scalars print as MySQL prints them", "[mysql][json]") {
  CHECK(print(j::null()) == "null");
  CHECK(print(j::boolean(true)) == "true");
  CHECK(print(j::boolean(false)) == "false");
  CHECK(print(j::int16(-32768)) == "-32768");
  CHECK(print(j::uint16(65535)) == "65535");
  CHECK(print(j::int32(-2147483647 - 1)) == "-2147483648");
  CHECK(print(j::uint32(4294967295u)) == "4294967295");
  CHECK(print(j::int64(-9223372036854775807LL - 1)) == "-9223372036854775808");
  CHECK(print(j::uint64(18446744073709551615ULL)) == "18446744073709551615");
  CHECK(print(j::dbl(3.0)) == "3.0");
  CHECK(print(j::dbl(-0.125)) == "-0.125");
  CHECK(print(j::dbl(1e300)) == "1e300");
  CHECK(print(j::string("")) == R"("")");
  CHECK(print(j::string("h\xc3\xa9 \"q\" \\ \n\t\x01")) == "\"h\xc3\xa9 \\\"q\\\" \\\\ \\n\\t\\u0001\"");
  const std::string long_text(300, 'x');  // a two-byte variable length
  CHECK(print(j::string(long_text)) == '"' + long_text + '"');
  CHECK(json_binary_to_text({}) == "null");
}

TEST_CASE("objects and arrays, small and large, nested", "[mysql][json]") {
  const auto doc = j::object({{"a", j::int16(1)},
                              {"bb", j::array({j::int32(70000), j::string("x"), j::object({})})},
                              {"ccc", j::object({{"deep", j::array({j::null(), j::uint32(5)}, true)}}, true)}});
  CHECK(print(doc) == R"({"a": 1, "bb": [70000, "x", {}], "ccc": {"deep": [null, 5]}})");
  CHECK(print(j::array({})) == "[]");
  CHECK(print(j::array({j::int64(1)}, true)) == "[1]");
}

TEST_CASE("opaque values: decimals, temporals, and other types as base64", "[mysql][json]") {
  writer dec;
  dec.u8(10).u8(3).raw(encode_decimal("-12.345", 10, 3));
  CHECK(print(j::opaque(246, dec.b)) == "-12.345");

  // 2015-01-15 23:24:25.5 packed: ((ym*32+d) << 17 | hms) << 24 | micro
  const std::uint64_t ym = 2015 * 13 + 1;
  const std::uint64_t hms = (23u << 12) | (24u << 6) | 25u;
  const std::uint64_t packed = ((((ym << 5) | 15u) << 17 | hms) << 24) | 500000u;
  writer dt;
  dt.le(packed, 8);
  CHECK(print(j::opaque(12, dt.b)) == R"("2015-01-15 23:24:25.500000")");
  CHECK(print(j::opaque(10, dt.b)) == R"("2015-01-15")");
  writer tm;
  tm.le(static_cast<std::uint64_t>(-static_cast<std::int64_t>((((1u << 12) | (2u << 6) | 3u) * (1ull << 24)))), 8);
  CHECK(print(j::opaque(11, tm.b)) == R"("-01:02:03.000000")");
  CHECK(print(j::opaque(252, {'a', 'b', 'c', 'd'})) == R"("base64:type252:YWJjZA==")");
}

TEST_CASE("a packed temporal of INT64_MIN prints without overflow", "[mysql][json]") {
  // Found by the long fuzz run: negating the most negative packed value was
  // undefined behaviour (UBSan stops the sanitizer build here).
  writer w;
  w.le(std::uint64_t{1} << 63, 8);
  CHECK(print(j::opaque(11, w.b)) == R"("-00:00:00.000000")");
  CHECK(print(j::opaque(12, w.b)) == R"("0082-06-00 00:00:00.000000")");
}

TEST_CASE("corrupt binary JSON is refused, never read out of bounds", "[mysql][json]") {
  auto doc = j::document(j::object({{"key", j::string("value")}}));
  SECTION("an offset past the end") {
    auto bad = doc;
    bad.resize(bad.size() - 3);
    CHECK_THROWS_WITH(json_binary_to_text(bad), Catch::Contains("corrupt MySQL binary JSON"));
  }
  SECTION("an unknown type") {
    CHECK_THROWS_WITH(json_binary_to_text(bytes{13, 0}), Catch::Contains("unknown value type 13"));
  }
  SECTION("nesting beyond 100 levels") {
    j::value v = j::null();
    for (int i = 0; i < 101; ++i) v = j::array({v});
    CHECK_THROWS_WITH(print(v), Catch::Contains("deeper than 100"));
  }
  SECTION("sub-trees shared by offset cannot blow up the output") {
    // Each level is an array of two entries pointing at the same child.
    writer w;
    const int levels = 40;
    w.u8(2);  // small array at offset 0 of the document body
    bytes body;
    for (int i = 0; i < levels; ++i) {
      writer a;
      a.le(2, 2).le(10, 2);
      const auto child = static_cast<std::uint16_t>(10);  // relative offset of the next level
      a.u8(2).le(child, 2).u8(2).le(child, 2);
      body.insert(body.end(), a.b.begin(), a.b.end());
    }
    // The innermost level: an empty array.
    writer last;
    last.le(0, 2).le(4, 2);
    body.insert(body.end(), last.b.begin(), last.b.end());
    // Fix sizes: every level claims all the bytes after it.
    for (int i = 0; i < levels; ++i) {
      const auto size = body.size() - static_cast<std::size_t>(i) * 10;
      body[i * 10 + 2] = static_cast<std::uint8_t>(size & 0xff);
      body[i * 10 + 3] = static_cast<std::uint8_t>(size >> 8);
    }
    w.raw(body);
    CHECK_THROWS_WITH(json_binary_to_text(w.b), Catch::Contains("far beyond"));
  }
}
