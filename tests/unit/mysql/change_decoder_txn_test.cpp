// Transaction framing from built event streams: MySQL transaction payloads
// (compressed or not), MariaDB groups that may roll back, ROLLBACK and XA on
// captured tables, and continuing a half-delivered transaction after a
// reconnect.
#include <catch2/catch.hpp>

#ifdef TOR_MYSQL_HAVE_ZSTD
#include <zstd.h>
#endif

#include <string>
#include <vector>

#include <tor/mysql/change_decoder.hpp>

#include "json_builder.hpp"
#include "stream_builder.hpp"

using namespace tor::mysql;
using namespace tor::mysql::testing;
using tor::value;

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
