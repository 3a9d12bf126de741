// Dumps the real MariaDB refuses or ends, for reasons reconnecting cannot
// fix: each error quotes the server first, says which case it is and what
// to do, and stops the source instead of retrying. (A purged binlog is in
// disruptive_test.cpp: purging would disturb the shared server.)
#include "mariadb_fixture.hpp"

using namespace tor::mysql;
using namespace tor::mysql::it;

namespace {

std::string refused_prefix() { return "MariaDB at 127.0.0.1:" + std::to_string(port()) + " refused the binlog dump: \""; }

/// The error open() throws for checkpoint `cp`, or FAIL.
std::string open_error(const binlog_source_config& cfg, const tor::checkpoint& cp) {
  binlog_source src(cfg);
  try {
    src.open(cp);
    (void)read_txns(src, 1, 10s);
  } catch (const tor::error& e) {
    CHECK(e.kind() == tor::error_kind::source);
    return e.what();
  }
  FAIL("the server accepted checkpoint " << cp.to_string());
  return {};
}

/// A checkpoint at the end of the binlog now, with the server's GTID state.
tor::checkpoint checkpoint_now(const std::string& db) {
  auto c = root();
  c.execute(ins(db, 1));
  binlog_source src(config(db));
  src.open(std::nullopt);
  c.execute(ins(db, 2));
  return read_txns(src, 1)[0].end;
}

}  // namespace

TEST_CASE("a checkpoint GTID the server never logged is refused as such, not as a purged binlog",
          "[mysql][refusal]") {
  auto c = root();
  const auto db = fresh_db(c, "tor_it_gtid_unknown");
  outbox_table(c, db);
  const auto cp = checkpoint_now(db);
  REQUIRE_FALSE(cp.gtids.empty());
  const auto server_state = c.scalar("SELECT @@gtid_binlog_pos").value_or("");
  REQUIRE(server_state.rfind("0-1-", 0) == 0);
  const auto seq = std::stoull(server_state.substr(4));

  SECTION("a sequence number beyond the server's") {
    auto ahead = cp;
    ahead.gtids = tor::gtid_set::parse("0-1-" + std::to_string(seq + 1000), tor::gtid_flavor::mariadb);
    const auto what = open_error(config(db), ahead);
    INFO(what);
    CHECK_THAT(what, Catch::StartsWith(refused_prefix() + "Error: connecting slave requested to start from GTID 0-1-" +
                                       std::to_string(seq + 1000) + ", which is not in the master's binlog\" (error 1236)"));
    CHECK_THAT(what, Catch::Contains("never wrote to its binlog") && Catch::Contains("the server's binlog holds 0-1-") &&
                         Catch::Contains("RESET MASTER") && Catch::Contains("resume_by_gtid: false"));
    CHECK_THAT(what, !Catch::Contains("purged"));
  }
  SECTION("a domain the server does not know is not refused: another primary may serve it") {
    // MariaDB accepts a position in a domain it has no transactions of
    // (multi-primary setups) and re-checks it if that domain ever shows up:
    // reading continues after the checkpoint's position in the known domain.
    auto other_domain = cp;
    other_domain.gtids = tor::gtid_set::parse(cp.gtids.to_string() + ",77-1-5", tor::gtid_flavor::mariadb);
    binlog_source src(config(db));
    src.open(other_domain);
    c.execute(ins(db, 3));
    CHECK(ids(read_txns(src, 1)) == std::vector<std::int64_t>{3});
  }
  SECTION("a server_id in the domain that the server's history does not have") {
    auto diverged = cp;
    diverged.gtids = tor::gtid_set::parse("0-5-1", tor::gtid_flavor::mariadb);
    const auto what = open_error(config(db), diverged);
    INFO(what);
    CHECK_THAT(what, Catch::StartsWith(refused_prefix() + "Error: connecting slave requested to start from GTID 0-5-1") &&
                         Catch::Contains("history differs"));
  }
}

TEST_CASE("a file/offset checkpoint in a file the server never wrote is not called purged", "[mysql][refusal]") {
  auto c = root();
  const auto db = fresh_db(c, "tor_it_file_unknown");
  outbox_table(c, db);
  auto cp = checkpoint_now(db);
  cp.gtids = tor::gtid_set();
  const auto end = *detail::binlog_end(c);
  cp.position = {"mysql-bin.999990", 4};
  const auto what = open_error(config(db), cp);
  INFO(what);
  CHECK_THAT(what, Catch::StartsWith(refused_prefix() + "Could not find first log file name in binary log index file\""));
  CHECK_THAT(what, Catch::Contains("mysql-bin.999990") && Catch::Contains("is not one this server has written") &&
                       Catch::Contains(std::string(end.file)));
  CHECK_THAT(what, !Catch::Contains("purged"));
}

TEST_CASE("a second reader with the same server_id ends the first one's stream with a clear error",
          "[mysql][refusal]") {
  auto c = root();
  const auto db = fresh_db(c, "tor_it_same_id");
  outbox_table(c, db);
  auto cfg = config(db);
  binlog_source first(cfg);
  first.open(std::nullopt);
  c.execute(ins(db, 1));
  REQUIRE(ids(read_txns(first, 1)) == std::vector<std::int64_t>{1});

  binlog_source second(cfg);  // the same server_id
  second.open(std::nullopt);
  c.execute(ins(db, 2));
  CHECK(ids(read_txns(second, 1)) == std::vector<std::int64_t>{2});
  // The server ended the first stream when the second began: the first
  // fails (it does not reconnect and knock the second off in turn).
  std::string what;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  try {
    while (std::chrono::steady_clock::now() < deadline) (void)first.next(100ms);
  } catch (const tor::error& e) {
    CHECK(e.kind() == tor::error_kind::source);
    what = e.what();
  }
  INFO(what);
  CHECK_THAT(what, Catch::StartsWith("MariaDB at 127.0.0.1:" + std::to_string(port()) +
                                     " ended the binlog stream: \"A slave with the same server_uuid/server_id is already "
                                     "connected"));
  CHECK_THAT(what, Catch::Contains("(error 4052)") &&
                       Catch::Contains("same server_id, " + std::to_string(cfg.server_id)) &&
                       Catch::Contains("its own server_id"));
  CHECK(first.reconnects() == 0);
  c.execute(ins(db, 3));
  CHECK(ids(read_txns(second, 1)) == std::vector<std::int64_t>{3});
}
