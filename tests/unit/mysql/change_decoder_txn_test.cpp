// Transaction framing from built event streams: MariaDB groups that may roll
// back, ROLLBACK and XA on captured tables, and continuing a half-delivered
// transaction after a reconnect.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <tor/mysql/change_decoder.hpp>

#include "json_builder.hpp"
#include "stream_builder.hpp"

using namespace tor::mysql;
using namespace tor::mysql::testing;
using tor::value;

TEST_CASE("a MariaDB group that may roll back is held until it ends", "[mysql][framing]") {
  stream s;
  s.format("10.11.19-MariaDB-log");
  s.mariadb_gtid(1, 0);  // not transactional: it touched a MyISAM table
  s.query("BEGIN");
  s.table_map(outbox());
  s.insert(42, 2, row(1, "gone"));
  s.query("ROLLBACK");
  s.mariadb_gtid(2, 0);
  s.query("BEGIN");
  s.table_map(outbox());
  s.insert(42, 2, row(2, "kept"));
  s.query("COMMIT");
  change_decoder d;
  const auto c = run(d, s);
  CHECK(c.shape() == "BCBRC");
  CHECK(c.all<tor::row_change>()[0]->after.values[0] == value{std::int64_t{2}});
  CHECK(c.all<tor::commit_event>()[0]->after.gtids.to_string() == "0-1-1");
}

TEST_CASE("a ROLLBACK after rows were delivered, and XA on captured tables, are errors", "[mysql][framing]") {
  SECTION("rollback") {
    stream s;
    s.format("8.0.36");
    s.mysql_gtid(1);
    s.query("BEGIN");
    s.table_map(outbox());
    s.insert(42, 2, row(1, "x"), 2);
    s.query("ROLLBACK");
    change_decoder d;
    CHECK_THROWS_WITH(run(d, s), Catch::Contains("ROLLBACK") && Catch::Contains("InnoDB"));
  }
  SECTION("XA") {
    stream s;
    s.format("10.11.19-MariaDB-log");
    s.mariadb_gtid(1, mariadb_gtid_event::transactional | mariadb_gtid_event::prepared_xa);
    s.query("XA START 'x'");
    s.table_map(outbox());
    s.insert(42, 2, row(1, "x"));
    change_decoder d;
    CHECK_THROWS_WITH(run(d, s), Catch::Contains("XA") && Catch::Contains("shop.outbox"));
  }
  SECTION("XA on other tables is framed") {
    stream s;
    s.format("8.0.36");
    s.mysql_gtid(1);
    s.query("XA START 'x'");
    s.table_map(outbox(43, "orders"));
    s.insert(43, 2, row(1, "x"), 2);
    s.query("XA END 'x'");
    s.add(38, writer{}.u8(0).le(1, 4).le(1, 4).le(0, 4).raw("x").b);
    s.mysql_gtid(2);
    s.query("XA COMMIT 'x'");
    change_decoder d(only("outbox"));
    CHECK(run(d, s).shape() == "BCBC");
  }
}

TEST_CASE("after a reconnect, a half-delivered transaction continues where it stopped", "[mysql][framing]") {
  stream s;
  s.format("10.11.19-MariaDB-log");
  s.mariadb_gtid(1);
  s.query("BEGIN");
  s.table_map(outbox());
  s.insert(42, 2, row(1, "a"));
  s.xid();
  const auto resume_at = s.events.size();
  s.mariadb_gtid(2);
  s.query("BEGIN");
  s.table_map(outbox());
  s.insert(42, 2, row(2, "b") + row(3, "c"));
  s.insert(42, 2, row(4, "d"));
  s.xid();

  change_decoder d;
  collected first;
  for (std::size_t i = 0; i < resume_at + 4; ++i) d.feed(s.events[i], first.events);  // up to rows 2 and 3
  CHECK(first.shape() == "BRCBRR");
  d.restart_after_reconnect();
  CHECK(d.committed().gtids.to_string() == "0-1-1");
  // The server resends from the last commit: a fake rotate, the format
  // description, then the transaction again.
  collected second;
  d.feed(make_event(4, writer{}.le(d.committed().position.offset, 8).raw("binlog.000001").b, 0, true, 1, 0, 0x20),
         second.events);
  for (std::size_t i = resume_at; i < s.events.size(); ++i) d.feed(s.events[i], second.events);
  CHECK(second.shape() == "RC");
  CHECK(second.all<tor::row_change>()[0]->after.values[0] == value{std::int64_t{4}});

  SECTION("a different transaction at the resume point is refused") {
    change_decoder d2;
    collected c;
    for (std::size_t i = 0; i < resume_at + 4; ++i) d2.feed(s.events[i], c.events);
    d2.restart_after_reconnect();
    stream other;
    other.format("10.11.19-MariaDB-log");
    other.mariadb_gtid(99);
    CHECK_THROWS_WITH(d2.feed(other.events.back(), c.events), Catch::Contains("binlog changed"));
  }
}
