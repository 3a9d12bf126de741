// Transaction framing from built event streams: MySQL transaction payload
// events, uncompressed and zstd-compressed.
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
