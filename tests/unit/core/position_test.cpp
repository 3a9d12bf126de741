#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <tor/core/position.hpp>
#include <tor/core/shared_string.hpp>
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

TEST_CASE("a shared string's copies share one buffer and compare as text", "[position][shared_string]") {
  const tor::shared_string a("mysql-bin.000042");
  const tor::shared_string b = a;  // NOLINT: the copy is what is tested
  CHECK(b.shares_with(a));
  CHECK(b.data() == a.data());
  CHECK(a == "mysql-bin.000042");
  CHECK(a == std::string("mysql-bin.000042"));
  CHECK("mysql-bin.000042" == a);
  CHECK(a == tor::shared_string("mysql-bin.000042"));  // equal text, another buffer
  CHECK_FALSE(a.shares_with(tor::shared_string("mysql-bin.000042")));
  CHECK(a != "mysql-bin.000043");
  CHECK(a < tor::shared_string("mysql-bin.000043"));
  CHECK(a.size() == 16);
  CHECK(std::string(a.c_str()) == "mysql-bin.000042");  // null-terminated for C APIs
  CHECK(a + ':' + "7" == "mysql-bin.000042:7");
  CHECK("file " + a == "file mysql-bin.000042");
  CHECK(std::string(a) == "mysql-bin.000042");

  const tor::shared_string empty;
  CHECK(empty.empty());
  CHECK(empty == "");
  CHECK(std::string(empty.c_str()).empty());
  CHECK(tor::shared_string(std::string()).empty());

  std::unordered_set<tor::shared_string> set{a, b, tor::shared_string("other")};
  CHECK(set.size() == 2);
}

TEST_CASE("a shared string may be copied and dropped on several threads", "[position][shared_string]") {
  tor::shared_string name("a-topic-name-longer-than-sso");
  std::vector<tor::shared_string> copies(1000, name);
  std::thread t([moved = std::move(copies)]() mutable {
    for (auto& c : moved) c = tor::shared_string();  // each drop releases one reference
  });
  std::vector<tor::shared_string> more(1000, name);
  more.clear();
  t.join();
  CHECK(name == "a-topic-name-longer-than-sso");  // still alive: the last reference is ours
}

TEST_CASE("positions in one file share the name and order by offset", "[position][shared_string]") {
  const tor::binlog_position a{"mysql-bin.000007", 4};
  tor::binlog_position b = a;
  b.offset = 120;
  CHECK(b.file.shares_with(a.file));
  CHECK(a < b);
  CHECK(b < tor::binlog_position{"mysql-bin.000008", 4});
  CHECK(tor::binlog_position{"mysql-bin.999999", 4} < tor::binlog_position{"mysql-bin.1000000", 4});
}
