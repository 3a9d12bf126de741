// Tests that disturb the server they run on — a dump killed mid-transaction,
// a server restart, purged binlogs — run on the private instance, so tests
// sharing the main server are never disturbed.
#include "private_server.hpp"
#include "unit/fixtures.hpp"

using namespace tor::mysql;
using namespace tor::mysql::it;

TEST_CASE("a connection killed mid-transaction resumes without gaps or repeats", "[mysql][stream][reconnect]") {
  const auto port = minimal().port;
  auto c = root(port);
  const auto db = fresh_db(c, "tor_it_kill");
  // 40 MB in one transaction: about ten times what the loopback sockets
  // were seen to hold in flight (4 MB), so the kill lands while the server
  // still has part of the transaction to send. A transaction that fits in
  // the socket buffers arrives whole before the reader sees the kill.
  outbox_table(c, db, "VARCHAR(2000)");
  auto cfg = config(db, port);
  cfg.queue_max_events = 64;
  cfg.batch_events = 16;
  binlog_source src(cfg);
  src.open(std::nullopt);
  c.execute("INSERT INTO `" + db + "`.outbox SELECT seq, REPEAT('k', 2000) FROM `" + db + "`.seq_1_to_20000");
  c.execute(ins(db, 20001));
  // Read the begin and some rows; the reader is now blocked on the full
  // queue in the middle of the transaction. Kill its connection there.
  std::vector<std::int64_t> seen;
  int begins = 0, commits = 0;
  auto step = [&] {
    auto ev = src.next(100ms);
    if (!ev) return;
    if (std::holds_alternative<tor::begin_event>(*ev)) ++begins;
    if (std::holds_alternative<tor::commit_event>(*ev)) ++commits;
    if (auto* r = std::get_if<tor::row_change>(&*ev)) seen.push_back(std::get<std::int64_t>(r->after.values[0]));
  };
  while (seen.size() < 100) step();
  REQUIRE(commits == 0);
  std::this_thread::sleep_for(200ms);
  const auto dumps = c.query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'tor' AND COMMAND LIKE 'Binlog Dump%'");
  REQUIRE_FALSE(dumps.empty());
  for (const auto& d : dumps) c.execute("KILL CONNECTION " + *d[0]);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  // The reader counts a reconnect before it reads from the new connection,
  // so a count of at least one when the first commit arrives proves the
  // transaction was resumed on a second connection, not delivered whole.
  std::uint64_t reconnects_at_first_commit = 0;
  while (commits < 2) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    const int before = commits;
    step();
    if (before == 0 && commits == 1) reconnects_at_first_commit = src.reconnects();
  }
  CHECK(reconnects_at_first_commit >= 1);
  CHECK(begins == 2);
  CHECK(seen == range(1, 20001));
}


TEST_CASE("a server that stops answering fails a status query instead of holding its thread", "[mysql][status][hang]") {
  // The service's lag monitor asks status() every second, and a router
  // restart or a stop waits for that thread: a query left waiting on a
  // frozen server held both until the server came back.
  const auto port = minimal().port;
  auto c = root(port);
  const auto db = fresh_db(c, "tor_it_hang");
  outbox_table(c, db);
  auto cfg = config(db, port);
  cfg.dead_after = 1s;
  cfg.connect_timeout = 1s;
  binlog_source src(cfg);
  src.open(std::nullopt);
  REQUIRE_FALSE(src.status().version.empty());  // its connection is open
  {
    paused_server frozen(20s);
    CHECK_THROWS_AS(src.status(), tor::error);
    CHECK_THROWS_AS(src.binary_logs(), tor::error);
  }
  // Once the server answers again, so does status().
  std::optional<server_status> st;
  REQUIRE(tor::test::eventually(
      [&] {
        try {
          st = src.status();
        } catch (const tor::error&) {
        }
        return st.has_value();
      },
      30s));
  CHECK_FALSE(st->version.empty());
}


TEST_CASE("close() ends a status query waiting on a server that stopped answering", "[mysql][status][hang]") {
  // With the default timeouts a read gives up after 30 s. A service that
  // stops, or restarts its router, closes the source first and must not
  // wait that long for its lag monitor's query.
  const auto port = minimal().port;
  auto c = root(port);
  const auto db = fresh_db(c, "tor_it_hang_close");
  outbox_table(c, db);
  binlog_source src(config(db, port));
  src.open(std::nullopt);
  std::atomic<int> calls{0};
  std::atomic<bool> failed{false};
  std::thread asker([&] {
    try {
      for (;;) {
        (void)src.status();
        ++calls;
      }
    } catch (const tor::error&) {
      failed = true;
    }
  });
  struct join_on_exit {  // a failed REQUIRE must not leave the thread running
    binlog_source& s;
    std::thread& t;
    ~join_on_exit() {
      if (!t.joinable()) return;
      s.close();
      t.join();
    }
  } joiner{src, asker};
  REQUIRE(tor::test::eventually([&] { return calls > 0; }, 10s));
  std::chrono::steady_clock::duration took{};
  {
    paused_server frozen(60s);
    // The asker now waits on the server: its count stops moving.
    int last = calls;
    auto still_since = std::chrono::steady_clock::now();
    CHECK(tor::test::eventually(
        [&] {
          if (calls != last) {
            last = calls;
            still_since = std::chrono::steady_clock::now();
          }
          return std::chrono::steady_clock::now() - still_since > 300ms;
        },
        10s));
    const auto t0 = std::chrono::steady_clock::now();
    src.close();
    asker.join();
    took = std::chrono::steady_clock::now() - t0;
  }
  CHECK(failed);
  CHECK(took < 10s);
}


TEST_CASE("a server restart mid-stream is survived", "[mysql][stream][restart]") {
  const auto port = minimal().port;
  auto c = root(port);
  const auto db = fresh_db(c, "tor_it_restart");
  outbox_table(c, db);
  binlog_source src(config(db, port));
  src.open(std::nullopt);
  c.execute(ins(db, 1));
  CHECK(ids(read_txns(src, 1)) == std::vector<std::int64_t>{1});
  REQUIRE(servers_sh("restart mariadb", minimal().vars) == 0);
  auto c2 = root(port);
  c2.execute(ins(db, 2));
  c2.execute(ins(db, 3));
  CHECK(ids(read_txns(src, 2, 60s)) == std::vector<std::int64_t>{2, 3});
  CHECK(src.reconnects() >= 1);
  CHECK(drain_rows(src, 300ms).empty());
}


TEST_CASE("a purged binlog is a clear error naming the missing file", "[mysql][stream][purged]") {
  const auto port = minimal().port;
  auto c = root(port);
  const auto db = fresh_db(c, "tor_it_purged");
  outbox_table(c, db);
  binlog_source src(config(db, port));
  src.open(std::nullopt);
  c.execute(ins(db, 1));
  const auto cp = read_txns(src, 1)[0].end;
  src.close();
  c.execute(ins(db, 2));  // lost with the purged file
  c.execute("FLUSH BINARY LOGS");
  const auto current = *detail::binlog_end(c);
  // The server keeps a file a dump thread still reads, and the closed
  // source's dump thread may linger until it next writes: end it first.
  const std::string dumps = "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'";
  for (const auto& d : c.query(dumps)) c.execute("KILL CONNECTION " + *d[0]);
  for (int i = 0; i < 100 && !c.query(dumps).empty(); ++i) std::this_thread::sleep_for(50ms);
  // A file stays until the server has checkpointed it for crash recovery; retry.
  auto still_there = [&] {
    for (const auto& log : c.query("SHOW BINARY LOGS"))
      if (*log[0] == cp.position.file) return true;
    return false;
  };
  for (int i = 0; i < 100 && still_there(); ++i) {
    c.execute("PURGE BINARY LOGS TO " + c.quote(current.file));
    if (still_there()) std::this_thread::sleep_for(50ms);
  }
  REQUIRE_FALSE(still_there());
  const std::string refused = "MariaDB at 127.0.0.1:" + std::to_string(port) + " refused the binlog dump: \"";
  SECTION("resuming by GTID") {
    binlog_source again(config(db, port));
    CHECK_THROWS_WITH(again.open(cp), Catch::StartsWith(refused + "Could not find GTID state requested by slave") &&
                                          Catch::Contains("(error 1236)") && Catch::Contains("no longer on the server") &&
                                          Catch::Contains(std::string(cp.position.file)) && Catch::Contains(std::string(current.file)) &&
                                          Catch::Contains("purged"));
  }
  SECTION("resuming by file and offset") {
    auto pos_only = cp;
    pos_only.gtids = tor::gtid_set();
    binlog_source again(config(db, port));
    try {
      again.open(pos_only);
      FAIL("opened at a purged position");
    } catch (const tor::error& e) {
      CHECK(e.kind() == tor::error_kind::source);
      CHECK_THAT(e.what(), Catch::StartsWith(refused + "Could not find first log file name in binary log index file\"") &&
                               Catch::Contains("binlog file " + cp.position.file) &&
                               Catch::Contains("no longer on the server") && Catch::Contains("oldest binlog is " + current.file));
    }
  }
}

