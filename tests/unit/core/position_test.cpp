#include <catch2/catch.hpp>

#include <tor/core/position.hpp>
#include <tor/core/value.hpp>

using tor::binlog_position;

TEST_CASE("binlog position parses and formats", "[position]") {
  const auto p = binlog_position::parse("mysql-bin.000003:1234");
  CHECK(p.file == "mysql-bin.000003");
  CHECK(p.offset == 1234);
  CHECK(p.to_string() == "mysql-bin.000003:1234");
  CHECK(binlog_position::parse(p.to_string()) == p);
}

TEST_CASE("bad binlog positions are refused with the text quoted", "[position]") {
  for (const char* bad : {"mysql-bin.000003:-5", "mysql-bin.000003", ":12", "f:12x", "f:", "f:99999999999999999999999"}) {
    INFO(bad);
    try {
      (void)binlog_position::parse(bad);
      FAIL("accepted");
    } catch (const tor::error& e) {
      CHECK(std::string(e.what()).find(std::string("\"") + bad + "\"") != std::string::npos);
      CHECK(e.kind() == tor::error_kind::invalid_argument);
    }
  }
  CHECK_THROWS_WITH(binlog_position::parse("x:-1"), Catch::Contains("negative offset"));
}

TEST_CASE("binlog positions order by file sequence then offset", "[position]") {
  CHECK(binlog_position{"mysql-bin.000001", 900} < binlog_position{"mysql-bin.000002", 4});
  CHECK(binlog_position{"mysql-bin.000002", 4} < binlog_position{"mysql-bin.000002", 5});
  CHECK(binlog_position{"mysql-bin.999999", 4} < binlog_position{"mysql-bin.1000000", 4});
}

TEST_CASE("values print the way the server prints them", "[value]") {
  using namespace tor;
  CHECK(to_text(value{std::int64_t{-5}}) == "-5");
  CHECK(to_text(value{std::uint64_t{18446744073709551615ULL}}) == "18446744073709551615");
  CHECK(to_text(value{decimal_value{"-12.340"}}) == "-12.340");
  CHECK(to_text(value{date_value{2024, 2, 29}}) == "2024-02-29");
  CHECK(to_text(value{time_value{true, 838, 59, 59, 0}}) == "-838:59:59");
  CHECK(to_text(value{datetime_value{{2024, 1, 31}, 12, 0, 1, 500000}}) == "2024-01-31 12:00:01.5");
  CHECK(to_text(value{timestamp_value{0, 0}}) == "1970-01-01T00:00:00Z");
  CHECK(to_text(value{timestamp_value{1709210096, 123456}}) == "2024-02-29T12:34:56.123456Z");
  CHECK(to_text(value{timestamp_value{2147483647, 999999}}) == "2038-01-19T03:14:07.999999Z");
  CHECK(to_text(value{null_value{}}).empty());
}
