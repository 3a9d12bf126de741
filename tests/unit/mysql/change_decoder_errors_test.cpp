// Transaction framing from built event streams: errors naming the binlog
// position, and column names from the schema lookup.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <tor/mysql/change_decoder.hpp>

#include "json_builder.hpp"
#include "stream_builder.hpp"

using namespace tor::mysql;
using namespace tor::mysql::testing;
using tor::value;

TEST_CASE("stream errors name the binlog position", "[mysql][framing]") {
  stream s;
  s.format("10.11.19-MariaDB-log");
  s.mariadb_gtid(1);
  s.query("BEGIN");
  s.insert(42, 2, row(1, "no table map"));
  change_decoder d;
  CHECK_THROWS_WITH(run(d, s), Catch::Contains("without its table map") && Catch::Contains("binlog position"));

  stream inc;
  inc.format("10.11.19-MariaDB-log");
  inc.add(26, writer{}.le(1, 2).u8(11).raw("LOST_EVENTS").b);
  change_decoder d2;
  CHECK_THROWS_WITH(run(d2, inc), Catch::Contains("incident 1") && Catch::Contains("LOST_EVENTS"));

  stream unknown;
  unknown.format("10.11.19-MariaDB-log");
  unknown.add(120, bytes{1, 2, 3});
  change_decoder d3;
  CHECK_THROWS_WITH(run(d3, unknown), Catch::Contains("unknown binlog event type 120"));
  stream ignorable;
  ignorable.format("10.11.19-MariaDB-log");
  ignorable.add(120, bytes{1, 2, 3}, 0x80);
  change_decoder d4;
  CHECK(run(d4, ignorable).events.empty());

  stream corrupt;
  corrupt.format("10.11.19-MariaDB-log");
  corrupt.mariadb_gtid(1);
  corrupt.events.back()[25] ^= 0xff;
  change_decoder d5;
  CHECK_THROWS_WITH(run(d5, corrupt), Catch::Contains("CRC32"));
}

TEST_CASE("without column names the schema lookup supplies them", "[mysql][framing]") {
  stream s;
  s.format("10.11.19-MariaDB-log");
  s.mariadb_gtid(1);
  s.query("BEGIN");
  auto spec = outbox();
  spec.optional.clear();
  s.table_map(spec);
  s.insert(42, 2, row(1, "x"));
  s.xid();
  int lookups = 0;
  change_decoder_options o;
  o.schema_lookup = [&](const table_map& m) {
    ++lookups;
    CHECK(m.qualified_name() == "shop.outbox");
    return std::vector<schema_column>{{"event_id", "bigint", "bigint(20)", ""}, {"body", "varchar", "varchar(64)", "utf8mb4"}};
  };
  change_decoder d(o);
  auto c = run(d, s);
  CHECK(c.all<tor::row_change>()[0]->table->columns == std::vector<std::string>{"event_id", "body"});
  // The same table map again: parsed once, looked up once.
  for (std::size_t i = 1; i < s.events.size(); ++i) d.feed(s.events[i], c.events);
  CHECK(lookups == 1);
}
