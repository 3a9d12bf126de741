// The binlog source against the shared MariaDB: resuming by GTID and by
// file/offset, and from the start a source opened at under write load.
#include "mariadb_fixture.hpp"

using namespace tor::mysql;
using namespace tor::mysql::it;

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
