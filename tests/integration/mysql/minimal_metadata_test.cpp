// A second MariaDB started with --binlog-row-metadata=MINIMAL: column
// names and ENUM members come from information_schema, and the documented
// limit of that fallback (schema drift) is checked; a checkpoint of one
// server is refused on another. The same instance serves the tests that
// change global settings (compressed binlog events here, row image and
// binlog format in minimal_prerequisites_test.cpp), so the shared server is
// left alone.
#include "private_server.hpp"

using namespace tor::mysql;
using namespace tor::mysql::it;

TEST_CASE("binlog_row_metadata=MINIMAL: names and members come from information_schema", "[mysql][minimal]") {
  const auto port = minimal().port;
  auto c = root(port);
  REQUIRE(c.scalar("SELECT @@binlog_row_metadata") == std::optional<std::string>("MINIMAL"));
  const auto db = fresh_db(c, "tor_it_minimal");
  c.execute("CREATE TABLE `" + db + "`.outbox (id INT UNSIGNED PRIMARY KEY, kind ENUM('created','it''s done'), "
            "tags SET('x','y'), uid BINARY(4), body TEXT, latin VARCHAR(10) CHARACTER SET latin1, small TINYINT) ENGINE=InnoDB");
  binlog_source src(config(db, port));
  src.open(std::nullopt);
  REQUIRE_FALSE(src.warnings().empty());
  CHECK_THAT(src.warnings()[0], Catch::Contains("information_schema"));
  c.execute("INSERT INTO `" + db + "`.outbox VALUES (4294967295, 'it''s done', 'x,y', X'01', 'héllo', 'é', -5)");
  const auto t = read_txns(src, 1);
  const auto& r = t[0].rows.at(0);
  CHECK(r.table->columns == std::vector<std::string>{"id", "kind", "tags", "uid", "body", "latin", "small"});
  CHECK(r.after.values[0] == tor::value{std::uint64_t{4294967295u}});
  CHECK(r.after.values[1] == tor::value{std::string("it's done")});
  CHECK(r.after.values[2] == tor::value{std::string("x,y")});
  CHECK(r.after.values[3] == tor::value{tor::bytes_value{std::string("\x01\0\0\0", 4)}});
  CHECK(r.after.values[4] == tor::value{std::string("h\xc3\xa9llo")});
  CHECK(r.after.values[5] == tor::value{std::string("\xc3\xa9")});
  CHECK(r.after.values[6] == tor::value{std::int64_t{-5}});
  const auto before_change = t[0].end;

  // Events written before an ALTER are decoded with today's schema: a new
  // shape is detected and refused; a rename keeps the shape and shows the
  // new name (the fallback's documented limit).
  c.execute("INSERT INTO `" + db + "`.outbox VALUES (2, 'created', '', X'02', 'b', 'l', 1)");
  c.execute("ALTER TABLE `" + db + "`.outbox CHANGE small tiny TINYINT");
  {
    binlog_source renamed(config(db, port));
    renamed.open(before_change);
    const auto rt = read_txns(renamed, 1);
    CHECK(rt[0].rows.at(0).table->columns.back() == "tiny");
  }
  c.execute("ALTER TABLE `" + db + "`.outbox ADD COLUMN extra INT");
  binlog_source drifted(config(db, port));
  try {
    drifted.open(before_change);
    (void)read_txns(drifted, 1, 10s);
    FAIL("decoded events of an altered table");
  } catch (const tor::error& e) {
    CHECK_THAT(e.what(), Catch::Contains(db + ".outbox") && Catch::Contains("altered") &&
                             Catch::Contains("binlog_row_metadata=FULL"));
  }
}

TEST_CASE("MariaDB compressed binlog events (log_bin_compress) are decoded", "[mysql][minimal][compressed]") {
  const auto port = minimal().port;
  auto c = root(port);
  const auto db = fresh_db(c, "tor_it_compressed");
  c.execute("CREATE TABLE `" + db + "`.outbox (id INT PRIMARY KEY, payload TEXT) ENGINE=InnoDB");
  binlog_source src(config(db, port));
  src.open(std::nullopt);
  c.execute("SET GLOBAL log_bin_compress = ON, GLOBAL log_bin_compress_min_len = 10");
  struct restore {
    detail::connection& c;
    ~restore() { c.execute("SET GLOBAL log_bin_compress = OFF"); }
  } r{c};
  c.execute("INSERT INTO `" + db + "`.outbox VALUES (1, REPEAT('zip', 500)), (2, 'two')");
  c.execute("UPDATE `" + db + "`.outbox SET payload = REPEAT('unzip', 300) WHERE id = 2");
  const auto t = read_txns(src, 2);
  REQUIRE(t[0].rows.size() == 2);
  CHECK(text(t[0].rows[0], 1) == [] { std::string s; for (int i = 0; i < 500; ++i) s += "zip"; return s; }());
  CHECK(to_text(t[1].rows.at(0).before.values[1]) == "two");
  CHECK(text(t[1].rows[0], 1).size() == 1500);
}

TEST_CASE("a file/offset checkpoint of one server is refused on another", "[mysql][minimal][identity]") {
  auto main_conn = root();
  const auto db = fresh_db(main_conn, "tor_it_identity");
  main_conn.execute("CREATE TABLE `" + db + "`.outbox (id INT PRIMARY KEY) ENGINE=InnoDB");
  binlog_source on_main(config(db));
  on_main.open(std::nullopt);
  main_conn.execute("INSERT INTO `" + db + "`.outbox VALUES (1)");
  auto cp = read_txns(on_main, 1)[0].end;
  cp.gtids = tor::gtid_set();
  binlog_source on_other(config(db, minimal().port));
  CHECK_THROWS_WITH(on_other.open(cp), Catch::Contains("was taken on server") && Catch::Contains(cp.server_id));
}
