// The binlog source against the shared MariaDB: transactions and rows
// events larger than its queue and than one packet.
#include "mariadb_fixture.hpp"

using namespace tor::mysql;
using namespace tor::mysql::it;

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
