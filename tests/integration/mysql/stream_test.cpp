// The binlog source against the shared MariaDB: framing, filtering,
// rollbacks, big transactions, resuming, heartbeats, prerequisites, status
// and the source laws. (Tests that restart the server, purge its binlogs or
// kill its connections run on the private instance: disruptive_test.cpp.)
#include "mariadb_fixture.hpp"

#include "laws/source_laws.hpp"

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

TEST_CASE("a 100,000-row transaction streams through in bounded memory", "[mysql][stream][big]") {
  auto c = root();
  const auto db = fresh_db(c, "tor_it_big");
  outbox_table(c, db, "VARCHAR(1000)");
  auto cfg = config(db);
  cfg.queue_max_events = 2000;
  cfg.queue_max_bytes = 4 << 20;
  binlog_source src(cfg);
  src.open(std::nullopt);
  // ~100 MB of rows: held at once they would show as allocated memory.
  const auto mem_before = allocated_bytes();
  c.execute("INSERT INTO `" + db + "`.outbox SELECT seq, REPEAT(CHAR(65 + seq % 26), 1000) FROM `" + db + "`.seq_1_to_100000");
  std::size_t mem_peak = std::max(mem_before, allocated_bytes());
  std::size_t rows = 0, begins = 0, commits = 0;
  std::int64_t expect = 1;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (commits == 0) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    auto ev = src.next(100ms);
    if (!ev) continue;
    if (std::holds_alternative<tor::begin_event>(*ev)) ++begins;
    if (std::holds_alternative<tor::commit_event>(*ev)) ++commits;
    if (auto* r = std::get_if<tor::row_change>(&*ev)) {
      REQUIRE(std::get<std::int64_t>(r->after.values[0]) == expect);
      ++expect;
      if (++rows % 2000 == 0) mem_peak = std::max(mem_peak, allocated_bytes());
    }
  }
  CHECK(begins == 1);
  CHECK(rows == 100000);
  INFO("allocated memory grew by " << (mem_peak - mem_before) / 1024 << " KiB while streaming ~100 MB of rows");
  CHECK(mem_peak - mem_before < (32u << 20));
}

TEST_CASE("a rows event over 16 MB, sent in several packets, arrives whole", "[mysql][stream][big]") {
  auto c = root();
  const auto db = fresh_db(c, "tor_it_huge_row");
  c.execute("CREATE TABLE `" + db + "`.outbox (id BIGINT PRIMARY KEY, payload LONGBLOB) ENGINE=InnoDB");
  const auto max_packet = std::stoull(c.scalar("SELECT @@global.max_allowed_packet").value_or("0"));
  REQUIRE(max_packet >= (40u << 20));  // scripts/servers.sh starts MariaDB with 64M
  binlog_source src(config(db));
  src.open(std::nullopt);
  // 20 MiB made on the server: the protocol's packets carry at most 16 MiB - 1.
  c.execute("INSERT INTO `" + db + "`.outbox VALUES (1, CONCAT(REPEAT('x', 20971519), 'y'))");
  c.execute("INSERT INTO `" + db + "`.outbox VALUES (2, 'small')");
  const auto t = read_txns(src, 2, 60s);
  REQUIRE(t.size() == 2);
  REQUIRE(t[0].rows.size() == 1);
  const auto& big = std::get<tor::bytes_value>(t[0].rows[0].after.values[1]).data;
  CHECK(big.size() == 20u << 20);
  CHECK(big.front() == 'x');
  CHECK(big.back() == 'y');
  CHECK(big.find_first_not_of('x') == big.size() - 1);
  CHECK(ids({t[1]}) == std::vector<std::int64_t>{2});
}

TEST_CASE("resuming by GTID and by file/offset across FLUSH BINARY LOGS", "[mysql][stream][resume]") {
  auto c = root();
  const auto db = fresh_db(c, "tor_it_resume");
  outbox_table(c, db);
  binlog_source src(config(db));
  src.open(std::nullopt);
  for (int i = 1; i <= 6; ++i) {
    c.execute(ins(db, i));
    if (i == 2 || i == 4) c.execute("FLUSH BINARY LOGS");
  }
  const auto all = read_txns(src, 6);
  CHECK(all[1].end.position.file != all[2].end.position.file);  // the flush rotated between them
  for (int k : {0, 1, 3}) {
    const auto after = static_cast<std::size_t>(k);
    for (bool by_gtid : {true, false}) {
      INFO("resuming after transaction " << k + 1 << (by_gtid ? " by GTID" : " by file and offset"));
      auto cp = all[after].end;
      if (!by_gtid) cp.gtids = tor::gtid_set();
      binlog_source again(config(db));
      again.open(cp);
      const auto rest = read_txns(again, all.size() - after - 1);
      CHECK(ids(rest) == range(k + 2, 6));
      for (std::size_t i = 0; i < rest.size(); ++i) {
        CHECK(rest[i].end.position == all[after + 1 + i].end.position);
        CHECK(rest[i].end.gtids == all[after + 1 + i].end.gtids);
      }
      CHECK(drain_rows(again, 300ms).empty());
    }
  }
  {
    INFO("a checkpoint from another server identity is refused in file/offset mode");
    auto cp = all[1].end;
    cp.gtids = tor::gtid_set();
    cp.server_id = "mariadb:server_id=99;host=elsewhere;binlog=/var/lib/mysql/mysql-bin";
    binlog_source again(config(db));
    CHECK_THROWS_WITH(again.open(cp), Catch::Contains("elsewhere") && Catch::Contains("allow_different_server"));
    auto cfg = config(db);
    cfg.allow_different_server = true;
    binlog_source allowed(cfg);
    allowed.open(cp);
    CHECK(ids(read_txns(allowed, 4)) == range(3, 6));
  }
}

TEST_CASE("the start a source opened at, taken under write load, resumes by GTID without skipping",
          "[mysql][stream][resume]") {
  auto c = root();
  const auto db = fresh_db(c, "tor_it_first_start");
  outbox_table(c, db);
  // A writer commits single-row transactions as fast as it can while sources open "at the end".
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::string writer_error;
  std::thread writer([&] {
    try {
      auto w = root();
      for (int i = 1; !stop; ++i) {
        w.execute(ins(db, i));
        written = i;
      }
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });
  std::vector<tor::checkpoint> starts;
  for (int i = 0; i < 12; ++i) {
    binlog_source src(config(db));
    src.open(std::nullopt);
    REQUIRE(src.opened_at().has_value());
    starts.push_back(*src.opened_at());
  }
  const int last_start_written = written;
  while (written < last_start_written + 50 && writer_error.empty()) std::this_thread::yield();
  stop = true;
  writer.join();
  REQUIRE(writer_error.empty());

  for (const auto& at : starts) {
    INFO("opened at " << at.to_string());
    REQUIRE_FALSE(at.gtids.empty());
    // By position the stream starts right after `at`: the first row there is
    // the first one not yet committed when the source opened. Resuming by
    // GTID must start at the same row: a GTID set ahead of the position
    // would skip it.
    auto by_position = at;
    by_position.gtids = tor::gtid_set();
    binlog_source p(config(db));
    p.open(by_position);
    const auto first_by_position = read_txns(p, 1);
    binlog_source g(config(db));
    g.open(at);
    const auto first_by_gtid = read_txns(g, 1);
    CHECK(ids(first_by_gtid) == ids(first_by_position));
    CHECK(first_by_gtid[0].end.position == first_by_position[0].end.position);
  }
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

TEST_CASE("the binlog source keeps the source laws", "[mysql][laws]") {
  auto c = root();
  const auto db = fresh_db(c, "tor_it_laws");
  c.execute("CREATE TABLE `" + db + "`.outbox (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(32)) ENGINE=InnoDB");
  int n = 0;
  tor::laws::check_source_laws([&] { return std::make_unique<binlog_source>(config(db)); },
                               [&](int count) {
                                 for (int i = 0; i < count; ++i)
                                   c.execute("INSERT INTO `" + db + "`.outbox (v) VALUES ('v" + std::to_string(++n) + "')");
                               });
}
