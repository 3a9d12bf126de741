#include <catch2/catch.hpp>

#include <tor/core/gtid.hpp>

using namespace tor;

TEST_CASE("MariaDB GTID sets round-trip and order domains", "[gtid]") {
  const auto s = gtid_set::parse("1-2-7, 0-1-100", gtid_flavor::mariadb);
  CHECK(s.to_string() == "0-1-100,1-2-7");
  CHECK(gtid_set::parse(s.to_string(), gtid_flavor::mariadb) == s);
  CHECK(gtid_set::parse("", gtid_flavor::mariadb).empty());
  CHECK(gtid_set::parse("0-4294967295-18446744073709551615", gtid_flavor::mariadb).to_string() ==
        "0-4294967295-18446744073709551615");
}

TEST_CASE("MariaDB GTID sets contain every earlier sequence of a domain", "[gtid]") {
  auto s = gtid_set::parse("0-1-100", gtid_flavor::mariadb);
  CHECK(s.contains(gtid::parse("0-1-100", gtid_flavor::mariadb)));
  CHECK(s.contains(gtid::parse("0-2-5", gtid_flavor::mariadb)));
  CHECK_FALSE(s.contains(gtid::parse("0-1-101", gtid_flavor::mariadb)));
  CHECK_FALSE(s.contains(gtid::parse("1-1-1", gtid_flavor::mariadb)));
  s.add(gtid::parse("0-3-150", gtid_flavor::mariadb));
  s.add(gtid::parse("0-1-120", gtid_flavor::mariadb));  // older: ignored
  s.add(gtid::parse("2-1-1", gtid_flavor::mariadb));
  CHECK(s.to_string() == "0-3-150,2-1-1");
  s.merge(gtid_set::parse("0-1-149,2-9-9,5-5-5", gtid_flavor::mariadb));
  CHECK(s.to_string() == "0-3-150,2-9-9,5-5-5");
}

TEST_CASE("MySQL GTID sets coalesce intervals", "[gtid]") {
  const std::string u = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
  auto s = gtid_set::parse(u + ":7-9:1-5", gtid_flavor::mysql);
  CHECK(s.to_string() == u + ":1-5:7-9");
  CHECK(s.contains(gtid::parse(u + ":5", gtid_flavor::mysql)));
  CHECK_FALSE(s.contains(gtid::parse(u + ":6", gtid_flavor::mysql)));
  s.add(gtid::parse(u + ":6", gtid_flavor::mysql));
  CHECK(s.to_string() == u + ":1-9");
  s.add(gtid::parse(u + ":11", gtid_flavor::mysql));
  CHECK(s.to_string() == u + ":1-9:11");
  s.merge(gtid_set::parse("4E11FA47-71CA-11E1-9E33-C80AA9429562:1," + u + ":10-20", gtid_flavor::mysql));
  CHECK(s.to_string() == u + ":1-20,4e11fa47-71ca-11e1-9e33-c80aa9429562:1");
  CHECK(gtid_set::parse(s.to_string(), gtid_flavor::mysql) == s);
}

TEST_CASE("malformed GTID sets are refused quoting the text", "[gtid]") {
  const char* mariadb_bad[] = {"0-1", "0-1-x", "a-b-c", "0-1-5,,1-1-1", "0-1-5,0-2-6", "-1-1-1", "0-1-5 junk"};
  for (const char* bad : mariadb_bad) {
    INFO(bad);
    CHECK_THROWS_WITH(gtid_set::parse(bad, gtid_flavor::mariadb), Catch::Contains(std::string("\"") + bad + "\""));
  }
  const char* mysql_bad[] = {"3e11fa47-71ca-11e1-9e33-c80aa9429562", "not-a-uuid:1-5",
                             "3e11fa47-71ca-11e1-9e33-c80aa9429562:5-1", "3e11fa47-71ca-11e1-9e33-c80aa9429562:0",
                             "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-"};
  for (const char* bad : mysql_bad) {
    INFO(bad);
    CHECK_THROWS_WITH(gtid_set::parse(bad, gtid_flavor::mysql), Catch::Contains(std::string("\"") + bad + "\""));
  }
}

TEST_CASE("GTID flavours do not mix", "[gtid]") {
  auto s = gtid_set::parse("0-1-1", gtid_flavor::mariadb);
  CHECK_THROWS_AS(s.add(gtid::parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1", gtid_flavor::mysql)), tor::error);
}
