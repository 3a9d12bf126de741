// Transaction framing from built event streams, for both server flavours.
// MySQL streams (GTID events, BEGIN queries, transaction payloads, XA) are
// only testable this way: no MySQL server is packaged here.
#include <catch2/catch.hpp>

#ifdef TOR_MYSQL_HAVE_ZSTD
#include <zstd.h>
#endif

#include <string>
#include <vector>

#include <tor/mysql/change_decoder.hpp>

#include "event_builder.hpp"
#include "json_builder.hpp"

using namespace tor::mysql;
using namespace tor::mysql::testing;
using tor::value;

namespace {

bytes operator+(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// Builds a binlog stream event by event, tracking positions like a server.
struct stream {
  bool checksums = true;
  std::string file = "binlog.000001";
  std::uint32_t pos = 4;
  std::vector<bytes> events;

  bytes add(std::uint8_t type, const bytes& data, std::uint16_t flags = 0) {
    const auto size = static_cast<std::uint32_t>(19 + data.size() + (checksums ? 4 : 0));
    pos += size;
    events.push_back(make_event(type, data, pos, checksums, 1, 1700000000, flags));
    return events.back();
  }
  void format(std::string_view version) {
    auto fd = make_format_description(version, checksums);
    pos += static_cast<std::uint32_t>(fd.size());
    // A real FD carries its end position.
    fd[13] = static_cast<std::uint8_t>(pos);
    fd[14] = static_cast<std::uint8_t>(pos >> 8);
    fd[15] = fd[16] = 0;
    if (checksums) {
      const auto crc = crc32(0L, fd.data(), static_cast<uInt>(fd.size() - 4));
      for (int i = 0; i < 4; ++i) fd[fd.size() - 4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(crc >> (8 * i));
    }
    events.push_back(fd);
  }
  void rotate_to(std::string_view name, bool artificial) {
    writer w;
    w.le(4, 8).raw(name);
    if (artificial) {
      events.push_back(make_event(4, w.b, 0, checksums, 1, 0, 0x20));
    } else {
      add(4, w.b);
    }
    file = std::string(name);
    pos = 4;
  }
  void query(std::string_view sql, std::string_view schema = "shop") {
    writer q;
    q.le(1, 4).le(0, 4).u8(static_cast<unsigned>(schema.size())).le(0, 2).le(0, 2).raw(schema).u8(0).raw(sql);
    add(2, q.b);
  }
  void xid(std::uint64_t x = 1) { add(16, writer{}.le(x, 8).b); }
  void mariadb_gtid(std::uint64_t seq, std::uint8_t flags = mariadb_gtid_event::transactional) {
    add(162, writer{}.le(seq, 8).le(0, 4).u8(flags).le(0, 6).b);
  }
  void mysql_gtid(std::uint64_t gno, bool anonymous = false) {
    writer g;
    g.u8(0);
    for (int i = 0; i < 16; ++i) g.u8(anonymous ? 0 : static_cast<unsigned>(0x10 + i));
    g.le(anonymous ? 0 : gno, 8).u8(2).le(0, 8).le(0, 8);
    add(anonymous ? 34 : 33, g.b);
  }
  void table_map(const table_map_spec& spec) { add(19, table_map_data(spec)); }
  void insert(std::uint64_t table_id, std::size_t columns, const bytes& rows, int version = 1) {
    add(version == 1 ? 23 : 30, rows_data(table_id, columns, all_columns(columns), rows, version));
  }
};

table_map_spec outbox(std::uint64_t id = 42, std::string table = "outbox") {
  table_map_spec s;
  s.table_id = id;
  s.table = std::move(table);
  s.columns = {{8, {}, false}, {15, {0x40, 0}}};
  s.optional = names_tlv({"id", "payload"});
  return s;
}

bytes row(std::int64_t id, std::string_view payload) {
  writer w;
  w.u8(0).le(static_cast<std::uint64_t>(id), 8).u8(static_cast<unsigned>(payload.size())).raw(payload);
  return w.b;
}

struct collected {
  std::vector<tor::change_event> events;
  std::string shape() const {  // B begin, R row, C commit, H heartbeat
    std::string s;
    for (const auto& e : events) s += "BRCH"[e.index()];
    return s;
  }
  template <class T>
  std::vector<const T*> all() const {
    std::vector<const T*> out;
    for (const auto& e : events)
      if (auto* p = std::get_if<T>(&e)) out.push_back(p);
    return out;
  }
};

collected run(change_decoder& d, const stream& s) {
  collected c;
  for (const auto& e : s.events) d.feed(e, c.events);
  return c;
}

change_decoder_options only(std::string table) {
  change_decoder_options o;
  o.capture = [table](std::string_view, std::string_view t) { return t == table; };
  return o;
}

}  // namespace

TEST_CASE("MariaDB stream: transactions, filtering, DDL and positions", "[mysql][framing]") {
  stream s;
  s.rotate_to("mysql-bin.000007", true);
  s.format("10.11.19-MariaDB-log");
  s.mariadb_gtid(10);
  s.query("BEGIN");
  s.table_map(outbox(42));
  s.table_map(outbox(43, "orders"));
  s.insert(43, 2, row(1, "order"));
  s.insert(42, 2, row(7, "seven") + row(8, "eight"));
  s.xid();
  const auto after_first = s.pos;
  s.mariadb_gtid(11, mariadb_gtid_event::standalone | mariadb_gtid_event::ddl);
  s.query("ALTER TABLE outbox ADD COLUMN x INT");
  const auto after_ddl = s.pos;
  s.mariadb_gtid(12);
  s.query("BEGIN");
  s.table_map(outbox(43, "orders"));
  s.insert(43, 2, row(2, "order"));
  s.query("COMMIT");
  s.add(27, writer{}.raw("mysql-bin.000007").b);  // heartbeat

  change_decoder d(only("outbox"));
  tor::checkpoint start;
  start.gtids = tor::gtid_set::parse("0-1-9", tor::gtid_flavor::mariadb);
  start.server_id = "srv";
  d.start(start);
  const auto c = run(d, s);
  CHECK(c.shape() == "BRRCBCBCH");
  const auto rows = c.all<tor::row_change>();
  CHECK(rows[0]->table_name() == "shop.outbox");
  CHECK(rows[0]->table->columns == std::vector<std::string>{"id", "payload"});
  CHECK(rows[1]->after.values[1] == value{std::string("eight")});
  CHECK(rows[1]->row_index == 1);
  CHECK(rows[0]->position.file == "mysql-bin.000007");
  CHECK(rows[0]->table == rows[1]->table);  // one table_info per table map
  // One copy of the file name per file: every row, begin and commit share it.
  CHECK(rows[0]->position.file.shares_with(rows[1]->position.file));

  const auto begins = c.all<tor::begin_event>();
  CHECK(begins[0]->gtid == "0-1-10");
  const auto commits = c.all<tor::commit_event>();
  CHECK(commits[0]->after.position == tor::binlog_position{"mysql-bin.000007", after_first});
  CHECK(commits[0]->after.position.file.shares_with(rows[0]->position.file));
  CHECK(begins[1]->position.file.shares_with(rows[0]->position.file));
  CHECK(commits[0]->after.gtids.to_string() == "0-1-10");
  CHECK(commits[0]->after.server_id == "srv");
  CHECK(commits[1]->after.position.offset == after_ddl);
  CHECK(commits[2]->after.gtids.to_string() == "0-1-12");
  CHECK(d.committed() == commits[2]->after);
  CHECK(c.all<tor::heartbeat_event>()[0]->position == d.position());
}

TEST_CASE("MySQL stream: GTID events, BEGIN queries, DDL and anonymous GTIDs", "[mysql][framing]") {
  stream s;
  s.format("8.0.36");
  s.mysql_gtid(5);
  s.query("BEGIN");
  s.table_map(outbox());
  s.insert(42, 2, row(1, "one"), 2);  // MySQL writes v2 rows events
  s.xid();
  s.mysql_gtid(6);
  s.query("CREATE TABLE t (id INT)");  // DDL: no BEGIN, no XID
  s.mysql_gtid(0, true);               // gtid_mode=OFF: anonymous
  s.query("BEGIN");
  s.table_map(outbox());
  s.insert(42, 2, row(2, "two"), 2);
  s.query("COMMIT");
  change_decoder d;
  const auto c = run(d, s);
  CHECK(c.shape() == "BRCBCBRC");
  const auto begins = c.all<tor::begin_event>();
  CHECK(begins[0]->gtid == "10111213-1415-1617-1819-1a1b1c1d1e1f:5");
  CHECK(begins[2]->gtid.empty());
  const auto commits = c.all<tor::commit_event>();
  CHECK(commits[1]->after.gtids.to_string() == "10111213-1415-1617-1819-1a1b1c1d1e1f:5-6");
  CHECK(commits[2]->after.gtids.to_string() == "10111213-1415-1617-1819-1a1b1c1d1e1f:5-6");
  CHECK(d.format().flavor == server_flavor::mysql);
}

TEST_CASE("MySQL transaction payload events are unpacked (compression NONE and zstd)", "[mysql][framing]") {
  // The inner events: no checksums, positions 0, as MySQL writes them.
  stream inner;
  inner.checksums = false;
  inner.query("BEGIN");
  inner.table_map(outbox());
  namespace j = tor::mysql::testing::json;
  table_map_spec with_json = outbox();
  with_json.columns.push_back({245, {4}});
  with_json.optional = names_tlv({"id", "payload", "doc"});
  inner.events.pop_back();
  inner.table_map(with_json);
  const auto doc = j::document(j::object({{"k", j::string("v")}}));
  writer r;
  r.u8(0).le(3, 8).u8(3).raw("abc").le(doc.size(), 4).raw(doc);
  inner.insert(42, 3, r.b, 2);
  inner.xid();
  bytes payload;
  for (auto& e : inner.events) {
    e[13] = e[14] = e[15] = e[16] = 0;
    payload.insert(payload.end(), e.begin(), e.end());
  }
  // The payload event's header fields, length-encoded, then the events.
  const auto payload_event = [&](unsigned compression, const bytes& body) {
    writer p;
    p.u8(2).u8(3).u8(0xfc).le(compression, 2);            // compression type
    p.u8(3).u8(3).u8(0xfc).le(payload.size(), 2);         // uncompressed size
    p.u8(1).u8(3).u8(0xfc).le(body.size(), 2);            // payload size
    p.u8(0).raw(body);
    return p.b;
  };
  const auto decode = [&](const bytes& event, std::uint64_t gno) {
    stream s;
    s.format("8.0.36");
    s.mysql_gtid(gno);
    s.add(40, event);
    change_decoder d;
    auto c = run(d, s);
    return std::make_pair(c, s);
  };
  const auto check = [&](const bytes& event) {
    const auto [c, s] = decode(event, 9);
    REQUIRE(c.shape() == "BRC");
    const auto row_change = c.all<tor::row_change>()[0];
    CHECK(row_change->after.values[2] == value{tor::json_value{R"({"k": "v"})"}});
    CHECK(row_change->position.offset == s.pos - static_cast<std::uint32_t>(s.events.back().size()));
    CHECK(c.all<tor::commit_event>()[0]->after.position.offset == s.pos);
  };

  SECTION("compression NONE") { check(payload_event(255, payload)); }

#ifdef TOR_MYSQL_HAVE_ZSTD
  SECTION("zstd, as binlog_transaction_compression=ON writes it") {
    bytes z(ZSTD_compressBound(payload.size()));
    z.resize(ZSTD_compress(z.data(), z.size(), payload.data(), payload.size(), 3));
    REQUIRE(z.size() < payload.size());
    check(payload_event(0, z));
  }
  SECTION("zstd data that is corrupt, or shorter or longer than declared, is an error naming the position") {
    bytes z(ZSTD_compressBound(payload.size()));
    z.resize(ZSTD_compress(z.data(), z.size(), payload.data(), payload.size(), 3));
    // (A flipped byte inside the frame is the event CRC32's to catch: zstd
    // frames as MySQL writes them carry no checksum of their own.)
    bytes corrupt = z;
    corrupt[0] ^= 0xff;  // not a zstd frame
    CHECK_THROWS_WITH(decode(payload_event(0, corrupt), 10),
                      Catch::Contains("transaction payload") && Catch::Contains("binlog position"));
    bytes truncated(z.begin(), z.end() - 3);
    CHECK_THROWS_WITH(decode(payload_event(0, truncated), 10),
                      Catch::Contains("transaction payload") && Catch::Contains("binlog position"));
    bytes more = payload;
    more.push_back(0);
    bytes zm(ZSTD_compressBound(more.size()));
    zm.resize(ZSTD_compress(zm.data(), zm.size(), more.data(), more.size(), 3));
    CHECK_THROWS_WITH(decode(payload_event(0, zm), 10), Catch::Contains("more than the"));
  }
#else
  SECTION("without libzstd, zstd payloads stop with an error that says what to change") {
    CHECK_THROWS_WITH(decode(payload_event(0, payload), 10),
                      Catch::Contains("binlog_transaction_compression=OFF") && Catch::Contains("binlog position"));
  }
#endif
}

TEST_CASE("a MariaDB group that may roll back is held until it ends", "[mysql][framing]") {
  stream s;
  s.format("10.11.19-MariaDB-log");
  s.mariadb_gtid(1, 0);  // not transactional: it touched a MyISAM table
  s.query("BEGIN");
  s.table_map(outbox());
  s.insert(42, 2, row(1, "gone"));
  s.query("ROLLBACK");
  s.mariadb_gtid(2, 0);
  s.query("BEGIN");
  s.table_map(outbox());
  s.insert(42, 2, row(2, "kept"));
  s.query("COMMIT");
  change_decoder d;
  const auto c = run(d, s);
  CHECK(c.shape() == "BCBRC");
  CHECK(c.all<tor::row_change>()[0]->after.values[0] == value{std::int64_t{2}});
  CHECK(c.all<tor::commit_event>()[0]->after.gtids.to_string() == "0-1-1");
}

TEST_CASE("a ROLLBACK after rows were delivered, and XA on captured tables, are errors", "[mysql][framing]") {
  SECTION("rollback") {
    stream s;
    s.format("8.0.36");
    s.mysql_gtid(1);
    s.query("BEGIN");
    s.table_map(outbox());
    s.insert(42, 2, row(1, "x"), 2);
    s.query("ROLLBACK");
    change_decoder d;
    CHECK_THROWS_WITH(run(d, s), Catch::Contains("ROLLBACK") && Catch::Contains("InnoDB"));
  }
  SECTION("XA") {
    stream s;
    s.format("10.11.19-MariaDB-log");
    s.mariadb_gtid(1, mariadb_gtid_event::transactional | mariadb_gtid_event::prepared_xa);
    s.query("XA START 'x'");
    s.table_map(outbox());
    s.insert(42, 2, row(1, "x"));
    change_decoder d;
    CHECK_THROWS_WITH(run(d, s), Catch::Contains("XA") && Catch::Contains("shop.outbox"));
  }
  SECTION("XA on other tables is framed") {
    stream s;
    s.format("8.0.36");
    s.mysql_gtid(1);
    s.query("XA START 'x'");
    s.table_map(outbox(43, "orders"));
    s.insert(43, 2, row(1, "x"), 2);
    s.query("XA END 'x'");
    s.add(38, writer{}.u8(0).le(1, 4).le(1, 4).le(0, 4).raw("x").b);
    s.mysql_gtid(2);
    s.query("XA COMMIT 'x'");
    change_decoder d(only("outbox"));
    CHECK(run(d, s).shape() == "BCBC");
  }
}

TEST_CASE("after a reconnect, a half-delivered transaction continues where it stopped", "[mysql][framing]") {
  stream s;
  s.format("10.11.19-MariaDB-log");
  s.mariadb_gtid(1);
  s.query("BEGIN");
  s.table_map(outbox());
  s.insert(42, 2, row(1, "a"));
  s.xid();
  const auto resume_at = s.events.size();
  s.mariadb_gtid(2);
  s.query("BEGIN");
  s.table_map(outbox());
  s.insert(42, 2, row(2, "b") + row(3, "c"));
  s.insert(42, 2, row(4, "d"));
  s.xid();

  change_decoder d;
  collected first;
  for (std::size_t i = 0; i < resume_at + 4; ++i) d.feed(s.events[i], first.events);  // up to rows 2 and 3
  CHECK(first.shape() == "BRCBRR");
  d.restart_after_reconnect();
  CHECK(d.committed().gtids.to_string() == "0-1-1");
  // The server resends from the last commit: a fake rotate, the format
  // description, then the transaction again.
  collected second;
  d.feed(make_event(4, writer{}.le(d.committed().position.offset, 8).raw("binlog.000001").b, 0, true, 1, 0, 0x20),
         second.events);
  for (std::size_t i = resume_at; i < s.events.size(); ++i) d.feed(s.events[i], second.events);
  CHECK(second.shape() == "RC");
  CHECK(second.all<tor::row_change>()[0]->after.values[0] == value{std::int64_t{4}});

  SECTION("a different transaction at the resume point is refused") {
    change_decoder d2;
    collected c;
    for (std::size_t i = 0; i < resume_at + 4; ++i) d2.feed(s.events[i], c.events);
    d2.restart_after_reconnect();
    stream other;
    other.format("10.11.19-MariaDB-log");
    other.mariadb_gtid(99);
    CHECK_THROWS_WITH(d2.feed(other.events.back(), c.events), Catch::Contains("binlog changed"));
  }
}

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

TEST_CASE("a column type this version does not know stops at the captured table, naming it and the position",
          "[mysql][framing]") {
  auto unknown_type = [](std::string table) {
    auto spec = outbox(42, std::move(table));
    spec.columns[1] = {100, {}};  // a type number no server writes today
    return spec;
  };
  stream s;
  s.rotate_to("mysql-bin.000007", true);
  s.format("10.11.19-MariaDB-log");
  s.mariadb_gtid(10);
  s.query("BEGIN");
  const auto at = s.pos;
  s.table_map(unknown_type("outbox"));
  s.insert(42, 2, row(7, "seven"));
  s.xid();
  change_decoder d(only("outbox"));
  CHECK_THROWS_WITH(run(d, s), Catch::Contains("shop.outbox") && Catch::Contains("unknown column type 100") &&
                                   Catch::Contains("mysql-bin.000007:" + std::to_string(at)));

  // The same table map for a table that is not captured is not decoded at all.
  stream other;
  other.rotate_to("mysql-bin.000007", true);
  other.format("10.11.19-MariaDB-log");
  other.mariadb_gtid(10);
  other.query("BEGIN");
  other.table_map(unknown_type("orders"));
  other.insert(42, 2, row(7, "seven"));
  other.xid();
  change_decoder d2(only("outbox"));
  CHECK(run(d2, other).shape() == "BC");
}
