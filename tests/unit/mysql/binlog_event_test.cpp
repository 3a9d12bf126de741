#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <tor/mysql/binlog_event.hpp>

#include "event_builder.hpp"

using namespace tor::mysql;
using namespace tor::mysql::testing;

TEST_CASE("event header, size and checksum are checked", "[mysql][events]") {
  writer body;
  body.le(77, 8);
  auto ev = make_event(event_types::xid, body.b, 1234, true, 9);
  const auto v = split_event(ev, true);
  CHECK(v.header.type == event_types::xid);
  CHECK(v.header.server_id == 9);
  CHECK(v.header.log_pos == 1234);
  CHECK(v.header.size == ev.size());
  CHECK(v.data.size() == 8);
  CHECK(parse_xid(v.data) == 77);

  SECTION("a flipped bit fails the CRC") {
    ev[20] ^= 0x01;
    CHECK_THROWS_WITH(split_event(ev, true), Catch::Contains("CRC32") && Catch::Contains("1234"));
  }
  SECTION("a size field that disagrees with the bytes received") {
    ev.pop_back();
    CHECK_THROWS_WITH(split_event(ev, true), Catch::Contains("header says"));
  }
  SECTION("without checksums the last four bytes are data") {
    const auto plain = make_event(event_types::xid, body.b, 1234, false);
    CHECK(split_event(plain, false).data.size() == 8);
  }
  SECTION("a header cut short") {
    CHECK_THROWS_WITH(split_event(bytes(ev.begin(), ev.begin() + 10), true), Catch::Contains("corrupt binlog event"));
  }
}

TEST_CASE("format description: flavour, checksums, table id width", "[mysql][events]") {
  const auto maria = parse_format_description(make_format_description("10.11.19-MariaDB-0+deb12u1-log", true));
  CHECK(maria.flavor == server_flavor::mariadb);
  CHECK(maria.checksums);
  CHECK(maria.server_version == "10.11.19-MariaDB-0+deb12u1-log");
  CHECK(maria.options().table_id_size == 6);
  CHECK(maria.post_header_length(event_types::query) == 13);

  const auto mysql = parse_format_description(make_format_description("8.0.36", false));
  CHECK(mysql.flavor == server_flavor::mysql);
  CHECK_FALSE(mysql.checksums);

  auto broken = make_format_description("8.0.36", true);
  broken[30] ^= 0xff;
  CHECK_THROWS_WITH(parse_format_description(broken), Catch::Contains("checksum"));
}

TEST_CASE("rotate, MariaDB GTID and GTID list events", "[mysql][events]") {
  writer rot;
  rot.le(4, 8).raw("mysql-bin.000002");
  const auto r = parse_rotate(rot.b);
  CHECK(r.position == 4);
  CHECK(r.file == "mysql-bin.000002");

  writer g;
  g.le(1000, 8).le(3, 4).u8(mariadb_gtid_event::transactional | 0x08).le(0, 6);
  const auto ge = parse_mariadb_gtid(g.b, 7);
  CHECK(ge.id.to_string() == "3-7-1000");
  CHECK(ge.flags & mariadb_gtid_event::transactional);
  CHECK_FALSE(ge.flags & mariadb_gtid_event::standalone);

  writer l;
  l.le(2, 4).le(0, 4).le(1, 4).le(10, 8).le(1, 4).le(2, 4).le(5, 8);
  const auto list = parse_mariadb_gtid_list(l.b);
  REQUIRE(list.size() == 2);
  CHECK(list[0].to_string() == "0-1-10");
  CHECK(list[1].to_string() == "1-2-5");

  writer bad;
  bad.le(1000000, 4);
  CHECK_THROWS_WITH(parse_mariadb_gtid_list(bad.b), Catch::Contains("GTID list"));
}

TEST_CASE("MySQL GTID events carry uuid and transaction number", "[mysql][events]") {
  writer g;
  g.u8(1);
  for (std::uint8_t b : {0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62}) g.u8(b);
  g.le(23, 8).u8(2).le(11, 8).le(12, 8);  // logical clock fields follow and are ignored
  const auto e = parse_mysql_gtid(event_types::mysql_gtid, g.b);
  CHECK_FALSE(e.anonymous);
  CHECK(e.id.to_string() == "3e11fa47-71ca-11e1-9e33-c80aa9429562:23");
  tor::gtid_set set;
  set.add(e.id);
  CHECK(set.to_string() == "3e11fa47-71ca-11e1-9e33-c80aa9429562:23");

  writer anon;
  anon.u8(1).raw(bytes(16, 0)).le(0, 8);
  CHECK(parse_mysql_gtid(event_types::mysql_anonymous_gtid, anon.b).anonymous);
  CHECK_THROWS_WITH(parse_mysql_gtid(event_types::mysql_gtid, anon.b), Catch::Contains("transaction number 0"));
}

TEST_CASE("query events, plain and MariaDB-compressed", "[mysql][events]") {
  auto query_data = [](std::string_view schema, const bytes& tail) {
    writer q;
    q.le(5, 4).le(0, 4).u8(static_cast<unsigned>(schema.size())).le(0, 2).le(3, 2).raw("\x01\x02\x03").raw(schema).u8(0).raw(tail);
    return q.b;
  };
  const auto plain = parse_query(event_types::query, query_data("shop", bytes{'B', 'E', 'G', 'I', 'N'}));
  CHECK(plain.schema == "shop");
  CHECK(plain.query == "BEGIN");
  CHECK(plain.thread_id == 5);

  const std::string ddl = "ALTER TABLE outbox ADD COLUMN trace_id VARCHAR(64) NULL";
  const auto compressed = parse_query(event_types::query_compressed,
                                      query_data("shop", mariadb_compress(bytes(ddl.begin(), ddl.end()))));
  CHECK(compressed.query == ddl);
}

TEST_CASE("MySQL transaction payloads: headers are parsed, uncompressed ones read", "[mysql][events]") {
  writer inner;
  writer q;
  q.le(1, 4).le(0, 4).u8(0).le(0, 2).le(0, 2).u8(0).raw("BEGIN");
  inner.raw(make_event(event_types::query, q.b, 0, false));
  inner.raw(make_event(event_types::xid, bytes{9, 0, 0, 0, 0, 0, 0, 0}, 0, false));

  auto payload = [&](std::uint64_t compression) {
    writer w;
    writer v;
    v.lenenc(compression);
    w.lenenc(2).lenenc(v.b.size()).raw(v.b);
    writer s;
    s.lenenc(inner.b.size());
    w.lenenc(1).lenenc(s.b.size()).raw(s.b);
    w.lenenc(3).lenenc(s.b.size()).raw(s.b);
    w.lenenc(0).raw(inner.b);
    return w.b;
  };
  const auto none_bytes = payload(255);
  const auto none = parse_transaction_payload(none_bytes);
  CHECK(none.compression == 255);
  CHECK(none.uncompressed_size == inner.b.size());
  std::vector<std::uint8_t> types;
  std::vector<std::uint8_t> scratch;
  for_each_event(transaction_payload_events(none, scratch), [&](std::span<const std::uint8_t> ev) {
    types.push_back(split_event(ev, false).header.type);
  });
  CHECK(types == std::vector<std::uint8_t>{event_types::query, event_types::xid});

  const auto zstd_bytes = payload(0);  // claims zstd, holds plain events
  const auto zstd = parse_transaction_payload(zstd_bytes);
  CHECK_THROWS_WITH(transaction_payload_events(zstd, scratch),
                    Catch::Contains(tor::mysql::detail::have_zstd ? "corrupt zstd data" : "binlog_transaction_compression=OFF"));
  const auto unknown_bytes = payload(7);
  CHECK_THROWS_WITH(transaction_payload_events(parse_transaction_payload(unknown_bytes), scratch),
                    Catch::Contains("unknown compression type 7"));

  SECTION("fixed-width little-endian values are understood too") {
    writer w;
    w.u8(2).u8(1).u8(255).u8(3).u8(8).le(inner.b.size(), 8).u8(0).raw(inner.b);
    const auto le = parse_transaction_payload(w.b);
    CHECK(le.compression == 255);
    CHECK(le.uncompressed_size == inner.b.size());
  }
  SECTION("an inner event larger than the payload") {
    auto broken = inner.b;
    broken[9] = 200;
    CHECK_THROWS_WITH(for_each_event(broken, [](auto) {}), Catch::Contains("inner event claims"));
  }
}

TEST_CASE("incident events keep their message", "[mysql][events]") {
  writer w;
  w.le(1, 2).u8(11).raw("LOST_EVENTS");
  const auto e = parse_incident(w.b);
  CHECK(e.number == 1);
  CHECK(e.message == "LOST_EVENTS");
}
