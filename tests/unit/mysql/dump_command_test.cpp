// The bytes of the binlog dump commands, checked against the layouts in
// the MySQL/MariaDB protocol documentation, written out by hand here. The
// GTID dump is MySQL's: no MySQL server is packaged to run it against.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include <tor/mysql/detail/dump_command.hpp>

using namespace tor::mysql::detail;

namespace {
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}
}  // namespace

TEST_CASE("COM_BINLOG_DUMP carries position, flags, server id and file", "[mysql][dump]") {
  const auto p = binlog_dump_payload(0x01020304, "bin.000007", 0x11223344);
  const auto expected = bytes({0x44, 0x33, 0x22, 0x11,  // position
                               0x00, 0x00,              // flags
                               0x04, 0x03, 0x02, 0x01}) +  // server id
                        "bin.000007";
  CHECK(p == expected);
  CHECK(binlog_dump_payload(7, "", 4).size() == 10);  // MariaDB GTID resume: no file
}

TEST_CASE("COM_BINLOG_DUMP refuses positions past 4 GiB", "[mysql][dump]") {
  CHECK_THROWS_WITH(binlog_dump_payload(7, "bin.000001", 0x100000000ull),
                    Catch::Contains("4294967296") && Catch::Contains("bin.000001"));
}

TEST_CASE("COM_BINLOG_DUMP_GTID carries the executed GTID set in MySQL's binary form", "[mysql][dump]") {
  const auto set = tor::gtid_set::parse("3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:7", tor::gtid_flavor::mysql);
  const auto p = binlog_dump_gtid_payload(0x0a0b0c0d, set);
  const auto gtid_data =
      bytes({1, 0, 0, 0, 0, 0, 0, 0}) +                                     // one source
      bytes({0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62}) +
      bytes({2, 0, 0, 0, 0, 0, 0, 0}) +                                     // two intervals
      bytes({1, 0, 0, 0, 0, 0, 0, 0}) + bytes({6, 0, 0, 0, 0, 0, 0, 0}) +    // 1-5: end exclusive
      bytes({7, 0, 0, 0, 0, 0, 0, 0}) + bytes({8, 0, 0, 0, 0, 0, 0, 0});     // 7
  const auto expected = bytes({0x00, 0x00,               // flags: blocking
                               0x0d, 0x0c, 0x0b, 0x0a,   // server id
                               0x00, 0x00, 0x00, 0x00,   // file name length
                               0x04, 0, 0, 0, 0, 0, 0, 0,  // position 4
                               static_cast<int>(gtid_data.size()), 0, 0, 0}) +
                        gtid_data;
  CHECK(p == expected);
}

TEST_CASE("a GTID set of several sources encodes each with its intervals", "[mysql][dump]") {
  const auto set = tor::gtid_set::parse(
      "00000000-0000-0000-0000-000000000002:10-20,00000000-0000-0000-0000-000000000001:1-3", tor::gtid_flavor::mysql);
  const auto d = encode_mysql_gtid_set(set);
  REQUIRE(d.size() == 8 + 2 * (16 + 8 + 16));
  CHECK(d[0] == 2);
  // Each source's block: uuid, one interval; the last uuid byte tells them apart.
  std::vector<int> last_uuid_bytes{d[8 + 15], d[8 + 40 + 15]};
  std::sort(last_uuid_bytes.begin(), last_uuid_bytes.end());
  CHECK(last_uuid_bytes == std::vector<int>{1, 2});
  const auto block = [&](int uuid_last) {
    return d[8 + 15] == uuid_last ? d.substr(8, 40) : d.substr(48, 40);
  };
  CHECK(block(2).substr(16) == bytes({1, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 21, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(block(1).substr(16) == bytes({1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0}));
}

TEST_CASE("an empty MySQL GTID set is zero sources", "[mysql][dump]") {
  CHECK(encode_mysql_gtid_set(tor::gtid_set(tor::gtid_flavor::mysql)) == bytes({0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST_CASE("a MariaDB GTID set cannot start a MySQL GTID dump", "[mysql][dump]") {
  const auto set = tor::gtid_set::parse("0-1-100", tor::gtid_flavor::mariadb);
  CHECK_THROWS_WITH(binlog_dump_gtid_payload(7, set), Catch::Contains("0-1-100") && Catch::Contains("MariaDB"));
}
