// The binlog source against the shared MariaDB: framing, filtering,
// rollbacks, heartbeats, prerequisites and status. Big transactions and the
// source laws are in stream_big_test.cpp, resuming in stream_resume_test.cpp.
// (Tests that restart the server, purge its binlogs or kill its connections
// run on the private instance: disruptive_test.cpp.)
#include "mariadb_fixture.hpp"

using namespace tor::mysql;
using namespace tor::mysql::it;

TEST_CASE("multi-row inserts, updates and deletes keep their order and images", "[mysql][stream]") {
  auto c = root();
  const auto db = fresh_db(c, "tor_it_multirow");
  outbox_table(c, db);
  binlog_source src(config(db));
  src.open(std::nullopt);
  c.execute("INSERT INTO `" + db + "`.outbox VALUES (1,'a'),(2,'b'),(3,NULL)");
  c.execute("UPDATE `" + db + "`.outbox SET payload = CONCAT(IFNULL(payload,'n'), '!') WHERE id >= 2");
  c.execute("DELETE FROM `" + db + "`.outbox WHERE id = 1");
  const auto t = read_txns(src, 3);
  REQUIRE(t[0].rows.size() == 3);
  CHECK(ids({t[0]}) == std::vector<std::int64_t>{1, 2, 3});
  for (std::uint32_t i = 0; i < 3; ++i) CHECK(t[0].rows[i].row_index == i);
  CHECK(tor::is_null(t[0].rows[2].after.values[1]));
  REQUIRE(t[1].rows.size() == 2);
  CHECK(t[1].rows[0].op == tor::row_op::update);
  CHECK(text(t[1].rows[0], 1) == "b!");
  CHECK(to_text(t[1].rows[0].before.values[1]) == "b");
  CHECK(to_text(t[1].rows[1].after.values[1]) == "n!");
  REQUIRE(t[2].rows.size() == 1);
  CHECK(t[2].rows[0].op == tor::row_op::erase);
  CHECK(t[2].rows[0].after.empty());
  CHECK(to_text(t[2].rows[0].before.values[1]) == "a");
  CHECK(t[0].end.position < t[1].end.position);
  CHECK(t[1].end.position < t[2].end.position);
  CHECK(t[0].gtid.find("0-1-") == 0);
  CHECK(t[2].end.gtids.contains(tor::gtid::parse(t[2].gtid, tor::gtid_flavor::mariadb)));
}

TEST_CASE("only captured tables produce rows, other transactions and DDL are framed", "[mysql][stream]") {
  auto c = root();
  const auto db = fresh_db(c, "tor_it_mixed");
  outbox_table(c, db);
  c.execute("CREATE TABLE `" + db + "`.orders (id BIGINT PRIMARY KEY, payload VARCHAR(64)) ENGINE=InnoDB");
  auto cfg = config(db);
  binlog_source src(cfg);
  src.open(std::nullopt);
  c.execute("BEGIN");
  c.execute(ins(db, 1, "orders"));
  c.execute(ins(db, 10));
  c.execute(ins(db, 2, "orders"));
  c.execute(ins(db, 11));
  c.execute("COMMIT");
  c.execute(ins(db, 3, "orders"));
  c.execute("CREATE TABLE `" + db + "`.later (id INT PRIMARY KEY)");
  c.execute(ins(db, 12));
  const auto t = read_txns(src, 4, 30s, /*keep_empty=*/true);
  REQUIRE(t.size() == 4);
  CHECK(ids({t[0]}) == std::vector<std::int64_t>{10, 11});
  for (const auto& r : t[0].rows) CHECK(r.table_name() == db + ".outbox");
  CHECK(t[1].rows.empty());  // orders only
  CHECK(t[2].rows.empty());  // DDL
  CHECK(ids({t[3]}) == std::vector<std::int64_t>{12});
  for (std::size_t i = 1; i < t.size(); ++i) CHECK(t[i - 1].end.position < t[i].end.position);
  CHECK(t[3].end.position == src.status().end);

  SECTION("patterns select tables too") {
    auto pcfg = config(db);
    pcfg.tables = {"tor_it_mi?ed.ord*"};
    binlog_source p(pcfg);
    p.open(t[0].end);
    c.execute(ins(db, 4, "orders"));
    c.execute(ins(db, 13));
    const auto pt = read_txns(p, 2);
    CHECK(pt[0].rows.at(0).table_name() == db + ".orders");
    CHECK(ids({pt[0]}) == std::vector<std::int64_t>{3});
    CHECK(ids({pt[1]}) == std::vector<std::int64_t>{4});
  }
}

TEST_CASE("rolled-back transactions emit nothing", "[mysql][stream]") {
  auto c = root();
  const auto db = fresh_db(c, "tor_it_rollback");
  outbox_table(c, db);
  binlog_source src(config(db));
  src.open(std::nullopt);
  c.execute("BEGIN");
  c.execute(ins(db, 1));
  c.execute(ins(db, 2));
  c.execute("ROLLBACK");
  c.execute("BEGIN");
  c.execute(ins(db, 3));
  c.execute("SAVEPOINT s");
  c.execute(ins(db, 4));
  c.execute("ROLLBACK TO SAVEPOINT s");
  c.execute("COMMIT");
  const auto t = read_txns(src, 1);
  CHECK(ids(t) == std::vector<std::int64_t>{3});
  CHECK(drain_rows(src, 500ms).empty());
}

TEST_CASE("an idle stream yields heartbeats and next() returns within its wait", "[mysql][stream][idle]") {
  auto c = root();
  const auto db = fresh_db(c, "tor_it_idle");
  outbox_table(c, db);
  binlog_source src(config(db));  // heartbeat every 200 ms
  src.open(std::nullopt);
  int heartbeats = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < 1500ms) {
    const auto a = std::chrono::steady_clock::now();
    auto ev = src.next(100ms);
    CHECK(std::chrono::steady_clock::now() - a < 1s);
    if (ev) {
      REQUIRE(std::holds_alternative<tor::heartbeat_event>(*ev));
      CHECK(std::get<tor::heartbeat_event>(*ev).position == src.status().end);
      ++heartbeats;
    }
  }
  CHECK(heartbeats >= 3);
}

TEST_CASE("prerequisites are checked with one line each", "[mysql][prerequisites]") {
  auto c = root();
  c.execute("DROP USER IF EXISTS 'tor_weak'@'%'");
  c.execute("CREATE USER 'tor_weak'@'%' IDENTIFIED BY 'weak'");
  const auto db = fresh_db(c, "tor_it_prereq");
  outbox_table(c, db);
  auto cfg = config(db);
  cfg.user = "tor_weak";
  cfg.password = "weak";
  binlog_source src(cfg);
  try {
    src.open(std::nullopt);
    FAIL("opened without privileges");
  } catch (const tor::error& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Catch::Contains("lacks REPLICATION SLAVE"));
    CHECK_THAT(what, Catch::Contains("lacks REPLICATION CLIENT"));
    CHECK_THAT(what, Catch::Contains("lacks SELECT on " + db + ".outbox"));
  }
  CHECK_THROWS_WITH(check_server(cfg), Catch::Contains("lacks REPLICATION SLAVE"));
  const auto ok = check_server(config(db));
  CHECK(ok.version.find("MariaDB") != std::string::npos);
  CHECK_FALSE(ok.identity.empty());
  auto same_id = config(db);
  same_id.server_id = 1;
  binlog_source clash(same_id);
  CHECK_THROWS_WITH(clash.open(std::nullopt), Catch::Contains("server's own server_id"));
  c.execute("DROP USER 'tor_weak'@'%'");
}

TEST_CASE("server_status reports the end of the binlog", "[mysql][status]") {
  auto c = root();
  const auto db = fresh_db(c, "tor_it_status");
  outbox_table(c, db);
  binlog_source src(config(db));
  src.open(std::nullopt);
  const auto before = src.status();
  c.execute(ins(db, 1));
  const auto t = read_txns(src, 1);
  const auto after = src.status();
  CHECK(before.end < after.end);
  CHECK(after.end == t[0].end.position);
  CHECK(after.gtids == t[0].end.gtids);
  CHECK(after.identity == src.server_identity());
  CHECK(after.version.find("MariaDB") != std::string::npos);
}
