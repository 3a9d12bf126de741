// Transaction framing from built event streams, for both server flavours.
// MySQL streams (GTID events, BEGIN queries, transaction payloads, XA) are
// only testable this way: no MySQL server is packaged here. The other
// framing tests are in change_decoder_*_test.cpp, by subject.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <tor/mysql/change_decoder.hpp>

#include "json_builder.hpp"
#include "stream_builder.hpp"

using namespace tor::mysql;
using namespace tor::mysql::testing;
using tor::value;

TEST_CASE("MariaDB stream: transactions, filtering, DDL and positions", "[mysql][framing]") {
  stream s;
  s.rotate_to("mysql-bin.000007", true);
  s.format("10.11.19-MariaDB-log");
  s.mariadb_gtid(10);
  s.query("BEGIN");
  s.table_map(outbox(42));
  s.table_map(outbox(43, "orders"));
  s.insert(43, 2, row(1, "order"));
  s.insert(42, 2, row(7, "seven") + row(8, "eight"));
  s.xid();
  const auto after_first = s.pos;
  s.mariadb_gtid(11, mariadb_gtid_event::standalone | mariadb_gtid_event::ddl);
  s.query("ALTER TABLE outbox ADD COLUMN x INT");
  const auto after_ddl = s.pos;
  s.mariadb_gtid(12);
  s.query("BEGIN");
  s.table_map(outbox(43, "orders"));
  s.insert(43, 2, row(2, "order"));
  s.query("COMMIT");
  s.add(27, writer{}.raw("mysql-bin.000007").b);  // heartbeat

  change_decoder d(only("outbox"));
  tor::checkpoint start;
  start.gtids = tor::gtid_set::parse("0-1-9", tor::gtid_flavor::mariadb);
  start.server_id = "srv";
  d.start(start);
  const auto c = run(d, s);
  CHECK(c.shape() == "BRRCBCBCH");
  const auto rows = c.all<tor::row_change>();
  CHECK(rows[0]->table_name() == "shop.outbox");
  CHECK(rows[0]->table->columns == std::vector<std::string>{"id", "payload"});
  CHECK(rows[1]->after.values[1] == value{std::string("eight")});
  CHECK(rows[1]->row_index == 1);
  CHECK(rows[0]->position.file == "mysql-bin.000007");
  CHECK(rows[0]->table == rows[1]->table);  // one table_info per table map
  // One copy of the file name per file: every row, begin and commit share it.
  CHECK(rows[0]->position.file.shares_with(rows[1]->position.file));

  const auto begins = c.all<tor::begin_event>();
  CHECK(begins[0]->gtid == "0-1-10");
  const auto commits = c.all<tor::commit_event>();
  CHECK(commits[0]->after.position == tor::binlog_position{"mysql-bin.000007", after_first});
  CHECK(commits[0]->after.position.file.shares_with(rows[0]->position.file));
  CHECK(begins[1]->position.file.shares_with(rows[0]->position.file));
  CHECK(commits[0]->after.gtids.to_string() == "0-1-10");
  CHECK(commits[0]->after.server_id == "srv");
  CHECK(commits[1]->after.position.offset == after_ddl);
  CHECK(commits[2]->after.gtids.to_string() == "0-1-12");
  CHECK(d.committed() == commits[2]->after);
  CHECK(c.all<tor::heartbeat_event>()[0]->position == d.position());
}

TEST_CASE("MySQL stream: GTID events, BEGIN queries, DDL and anonymous GTIDs", "[mysql][framing]") {
  stream s;
  s.format("8.0.36");
  s.mysql_gtid(5);
  s.query("BEGIN");
  s.table_map(outbox());
  s.insert(42, 2, row(1, "one"), 2);  // MySQL writes v2 rows events
  s.xid();
  s.mysql_gtid(6);
  s.query("CREATE TABLE t (id INT)");  // DDL: no BEGIN, no XID
  s.mysql_gtid(0, true);               // gtid_mode=OFF: anonymous
  s.query("BEGIN");
  s.table_map(outbox());
  s.insert(42, 2, row(2, "two"), 2);
  s.query("COMMIT");
  change_decoder d;
  const auto c = run(d, s);
  CHECK(c.shape() == "BRCBCBRC");
  const auto begins = c.all<tor::begin_event>();
  CHECK(begins[0]->gtid == "10111213-1415-1617-1819-1a1b1c1d1e1f:5");
  CHECK(begins[2]->gtid.empty());
  const auto commits = c.all<tor::commit_event>();
  CHECK(commits[1]->after.gtids.to_string() == "10111213-1415-1617-1819-1a1b1c1d1e1f:5-6");
  CHECK(commits[2]->after.gtids.to_string() == "10111213-1415-1617-1819-1a1b1c1d1e1f:5-6");
  CHECK(d.format().flavor == server_flavor::mysql);
}

TEST_CASE("a column type this version does not know stops at the captured table, naming it and the position",
          "[mysql][framing]") {
  auto unknown_type = [](std::string table) {
    auto spec = outbox(42, std::move(table));
    spec.columns[1] = {100, {}};  // a type number no server writes today
    return spec;
  };
  stream s;
  s.rotate_to("mysql-bin.000007", true);
  s.format("10.11.19-MariaDB-log");
  s.mariadb_gtid(10);
  s.query("BEGIN");
  const auto at = s.pos;
  s.table_map(unknown_type("outbox"));
  s.insert(42, 2, row(7, "seven"));
  s.xid();
  change_decoder d(only("outbox"));
  CHECK_THROWS_WITH(run(d, s), Catch::Contains("shop.outbox") && Catch::Contains("unknown column type 100") &&
                                   Catch::Contains("mysql-bin.000007:" + std::to_string(at)));

  // The same table map for a table that is not captured is not decoded at all.
  stream other;
  other.rotate_to("mysql-bin.000007", true);
  other.format("10.11.19-MariaDB-log");
  other.mariadb_gtid(10);
  other.query("BEGIN");
  other.table_map(unknown_type("orders"));
  other.insert(42, 2, row(7, "seven"));
  other.xid();
  change_decoder d2(only("outbox"));
  CHECK(run(d2, other).shape() == "BC");
}
