// The binlog source against the shared MariaDB keeps the source laws.
#include "mariadb_fixture.hpp"

#include "laws/source_laws.hpp"

using namespace tor::mysql;
using namespace tor::mysql::it;

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
