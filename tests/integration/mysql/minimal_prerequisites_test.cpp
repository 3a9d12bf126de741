// On the private MariaDB: binlog_row_image and binlog_format settings the
// source refuses, each saying why and what to set.
#include "private_server.hpp"

using namespace tor::mysql;
using namespace tor::mysql::it;

TEST_CASE("binlog_row_image other than FULL is refused, saying what it costs", "[mysql][minimal][prerequisites]") {
  const auto port = minimal().port;
  auto c = root(port);
  const auto db = fresh_db(c, "tor_it_image");
  c.execute("SET GLOBAL binlog_row_image = 'MINIMAL'");
  struct restore {
    detail::connection& c;
    ~restore() { c.execute("SET GLOBAL binlog_row_image = 'FULL'"); }
  } r{c};
  binlog_source src(config(db, port));
  CHECK_THROWS_WITH(src.open(std::nullopt), Catch::Contains("binlog_row_image is MINIMAL") &&
                                                Catch::Contains("incomplete") && Catch::Contains("FULL"));
}

TEST_CASE("binlog_format STATEMENT or MIXED is refused, saying why and what to set", "[mysql][minimal][prerequisites]") {
  const auto port = minimal().port;
  auto c = root(port);
  const auto db = fresh_db(c, "tor_it_format");
  outbox_table(c, db);
  struct restore {
    detail::connection& c;
    ~restore() { c.execute("SET GLOBAL binlog_format = 'ROW'"); }
  } r{c};
  for (const char* format : {"STATEMENT", "MIXED"}) {
    INFO(format);
    c.execute(std::string("SET GLOBAL binlog_format = '") + format + "'");
    binlog_source src(config(db, port));
    try {
      src.open(std::nullopt);
      FAIL("opened with binlog_format=" << format);
    } catch (const tor::error& e) {
      CHECK(e.kind() == tor::error_kind::invalid_argument);
      CHECK_THAT(e.what(), Catch::Contains("127.0.0.1:" + std::to_string(port)) &&
                               Catch::Contains(std::string("binlog_format is ") + format + ", not ROW") &&
                               Catch::Contains("SET GLOBAL binlog_format=ROW"));
    }
    CHECK_THROWS_WITH(check_server(config(db, port)), Catch::Contains(std::string("binlog_format is ") + format));
  }
}
