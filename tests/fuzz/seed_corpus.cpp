// Writes the fuzzers' seed corpora, one directory per target under the
// given root: one valid input per decoding path (every column type, update
// and compressed rows events, binary JSON, MariaDB and MySQL event streams,
// each framing event with and without checksums, compressed data of each
// kind, checkpoint documents, configuration files), so mutation starts deep
// in the code. Built from the same event builders as the unit tests, so the
// seeds track the formats.
//   seed_corpus <corpus root>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <tor/state/checkpoint_json.hpp>

#ifdef TOR_MYSQL_HAVE_ZSTD
#include <zstd.h>
#endif

#include "unit/mysql/event_builder.hpp"
#include "unit/mysql/json_builder.hpp"

using namespace tor::mysql::testing;
namespace j = tor::mysql::testing::json;

namespace {

std::filesystem::path root;
std::filesystem::path dir;  // the target being written

void save_raw(const std::string& name, const bytes& body) {
  std::ofstream f(dir / name, std::ios::binary);
  f.write(reinterpret_cast<const char*>(body.data()), static_cast<std::streamsize>(body.size()));
}

void save(const std::string& name, std::uint8_t mode, const bytes& body) {
  bytes b{mode};
  b.insert(b.end(), body.begin(), body.end());
  save_raw(name, b);
}

void save_text(const std::string& name, std::string_view text) { save_raw(name, bytes(text.begin(), text.end())); }

void target(const char* name) {
  dir = root / name;
  std::filesystem::create_directories(dir);
}

bytes with_length(const bytes& b) {
  writer w;
  w.le(b.size(), 2).raw(b);
  return w.b;
}

void rows_seed(const std::string& name, const table_map_spec& spec, std::uint8_t type, const bytes& rows_event) {
  writer w;
  w.raw(with_length(table_map_data(spec))).u8(type).raw(rows_event);
  save(name, 0, w.b);
}

table_map_spec all_types() {
  table_map_spec s;
  s.columns = {{1, {}}, {2, {}}, {9, {}}, {3, {}}, {8, {}}, {4, {4}}, {5, {8}}, {246, {12, 4}}, {254, {0xee, 0x90}},
               {254, {0xfe, 16}}, {15, {0x2c, 0x01}}, {252, {2}}, {245, {4}}, {254, {0xf7, 1}}, {254, {0xf8, 1}},
               {16, {2, 1}}, {13, {}}, {10, {}}, {19, {3}}, {18, {6}}, {17, {6}}, {255, {4}}, {11, {}}, {12, {}},
               {7, {}}, {141, {0xa1, 0x0f}}, {242, {4}}};
  s.optional = signedness_tlv({false, true, false, true, false, false, false, false, true});
  const auto cs = column_charset_tlv({45, 63, 8, 63, 63, 45});
  const auto el = elements_tlv(6, {{"a", "b"}});
  const auto sets = elements_tlv(5, {{"x", "y", "z"}});
  const auto names = names_tlv({"ti", "si", "mi", "ii", "bi", "f", "d", "dec", "c", "bin", "vc", "blob", "j", "e", "s",
                                "bit", "y", "dt", "tm", "dtm", "ts", "g", "otm", "odtm", "ots", "vcc", "vec"});
  for (const auto* part : {&cs, &el, &sets, &names}) s.optional.insert(s.optional.end(), part->begin(), part->end());
  return s;
}

bytes all_types_row() {
  writer w;
  w.raw(bytes(4, 0));
  w.u8(0x80).le(0x8000, 2).le(0x800000, 3).le(7, 4).le(9, 8).f32(1.5f).f64(-2.25);
  w.raw(encode_decimal("-12345678.1234", 12, 4));
  w.le(8, 2).raw("h\xc3\xa9llo!!");
  w.u8(2).raw(std::string("\x01\x02", 2));
  w.le(3, 2).raw("caf");
  w.le(3, 2).raw(std::string("b\0b", 3));
  const auto doc = j::document(j::object({{"a", j::array({j::int16(1), j::dbl(2.5), j::string("s")})}, {"b", j::null()}}));
  w.le(doc.size(), 4).raw(doc);
  w.u8(2).u8(5).be(0x2aa, 2).u8(124);
  w.raw(encode_date(2024, 2, 29)).raw(encode_time2(true, 1, 2, 3, 4000, 3));
  w.raw(encode_datetime2(2024, 1, 31, 12, 0, 0, 123456, 6)).raw(encode_timestamp2(1706702400, 500000, 6));
  w.le(5, 4).raw(std::string("\0\0\0\0\x01", 5));
  w.le(123456, 3).le(20240131120000ULL, 8).le(86400, 4);
  const std::string text(100, 'z');
  const auto c = mariadb_compress(bytes(text.begin(), text.end()), false, true);
  w.le(c.size(), 2).raw(c);
  w.le(8, 4).f32(1.5f).f32(-2.0f);  // VECTOR(2)
  return w.b;
}

bytes operator+(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct stream {
  bool checksums = false;
  std::uint32_t pos = 4;
  bytes out;
  void add(std::uint8_t type, const bytes& data, std::uint16_t flags = 0) {
    pos += static_cast<std::uint32_t>(19 + data.size() + (checksums ? 4 : 0));
    out = out + with_length(make_event(type, data, pos, checksums, 1, 1700000000, flags));
  }
  void raw_event(const bytes& e) { out = out + with_length(e); }
  static bytes query(std::string_view sql) {
    writer q;
    q.le(1, 4).le(0, 4).u8(4).le(0, 2).le(0, 2).raw("shop").u8(0).raw(sql);
    return q.b;
  }
};

/// The events of a stream built above, without their 2-byte length prefixes.
std::vector<bytes> events_of(const bytes& out) {
  std::vector<bytes> events;
  for (std::size_t i = 0; i + 2 <= out.size();) {
    const std::size_t n = out[i] | (out[i + 1] << 8);
    events.emplace_back(out.begin() + static_cast<std::ptrdiff_t>(i + 2), out.begin() + static_cast<std::ptrdiff_t>(i + 2 + n));
    i += 2 + n;
  }
  return events;
}

bytes zlib_stream(const bytes& in, int window_bits) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  bytes z(deflateBound(&zs, static_cast<uLong>(in.size())));
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = z.data();
  zs.avail_out = static_cast<uInt>(z.size());
  deflate(&zs, Z_FINISH);
  z.resize(zs.total_out);
  deflateEnd(&zs);
  return z;
}

table_map_spec outbox() {
  table_map_spec s;
  s.columns = {{8, {}, false}, {15, {0x40, 0}}};
  s.optional = names_tlv({"id", "payload"});
  return s;
}

bytes outbox_rows(int n) {
  writer w;
  for (int i = 0; i < n; ++i) w.u8(0).le(static_cast<std::uint64_t>(i), 8).u8(2).raw(std::string("p").append(std::to_string(i % 10)));
  return w.b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: seed_corpus <directory>\n");
    return 2;
  }
  root = argv[1];
  target("mysql_decoder");

  const auto types = all_types();
  const auto row = all_types_row();
  rows_seed("rows-all-types", types, 23, rows_data(42, types.columns.size(), all_columns(types.columns.size()), row));
  rows_seed("rows-all-types-v2", types, 30, rows_data(42, types.columns.size(), all_columns(types.columns.size()), row, 2));
  rows_seed("rows-outbox-multi", outbox(), 23, rows_data(42, 2, all_columns(2), outbox_rows(5)));
  const auto bm = all_columns(2);
  rows_seed("rows-update", outbox(), 31, rows_data(42, 2, bm, outbox_rows(4), 2, &bm));
  rows_seed("rows-partial-delete", outbox(), 25, rows_data(42, 2, bytes{1}, bytes{0, 1, 0, 0, 0, 0, 0, 0, 0}));
  {
    writer w;
    w.le(42, 6).le(1, 2).lenenc(2).raw(bm).raw(mariadb_compress(outbox_rows(8)));
    rows_seed("rows-compressed", outbox(), 166, w.b);
  }

  save("json-nested", 1, j::document(j::object({{"id", j::int64(-5)}, {"tags", j::array({j::boolean(true), j::uint32(7)}, true)},
                                                {"o", j::object({{"x", j::opaque(246, {4, 2, 0x80, 0x01, 0x02})}})}})));
  save("json-string", 1, j::document(j::string("h\xc3\xa9 \"quoted\"\n")));

  const auto mariadb_stream = [&](bool checksums, bool more) {
    stream s;
    s.checksums = checksums;
    s.raw_event(make_format_description("10.11.19-MariaDB-log", checksums));
    if (more) s.add(163, writer{}.le(2, 4).le(0, 4).le(1, 4).le(7, 8).le(1, 4).le(2, 4).le(3, 8).b);
    s.add(162, writer{}.le(1, 8).le(0, 4).u8(0x0c).le(0, 6).b);
    s.add(2, stream::query("BEGIN"));
    s.add(19, table_map_data(outbox()));
    s.add(23, rows_data(42, 2, bm, outbox_rows(3)));
    s.add(16, writer{}.le(1, 8).b);
    s.add(162, writer{}.le(2, 8).le(0, 4).u8(0x29).le(0, 6).b);
    s.add(2, stream::query("CREATE TABLE t (id INT)"));
    if (more) {
      const std::string sql = "INSERT INTO shop.audit VALUES (1, 'compressed query event')";
      writer q;
      q.le(1, 4).le(0, 4).u8(4).le(0, 2).le(0, 2).raw("shop").u8(0).raw(mariadb_compress(bytes(sql.begin(), sql.end())));
      s.add(162, writer{}.le(3, 8).le(0, 4).u8(0x01).le(0, 6).b);
      s.add(165, q.b);
      s.add(26, writer{}.le(1, 2).u8(11).raw("lost events").b);
      s.add(4, writer{}.le(4, 8).raw("mysql-bin.000002").b);
    }
    s.add(27, writer{}.raw("mysql-bin.000001").b);
    return s.out;
  };
  save("stream-mariadb", 2, mariadb_stream(false, false));
  {
    stream inner;
    inner.add(2, stream::query("BEGIN"));
    inner.add(19, table_map_data(outbox()));
    inner.add(30, rows_data(42, 2, bm, outbox_rows(2), 2));
    inner.add(16, writer{}.le(1, 8).b);
    bytes payload;
    // Strip the 2-byte length prefixes back off for the payload body.
    for (std::size_t i = 0; i < inner.out.size();) {
      const std::size_t n = inner.out[i] | (inner.out[i + 1] << 8);
      payload.insert(payload.end(), inner.out.begin() + static_cast<std::ptrdiff_t>(i + 2),
                     inner.out.begin() + static_cast<std::ptrdiff_t>(i + 2 + n));
      i += 2 + n;
    }
    const auto payload_data = [&](unsigned compression, const bytes& body) {
      writer p;
      p.u8(2).u8(3).u8(0xfc).le(compression, 2).u8(3).u8(3).u8(0xfc).le(payload.size(), 2).u8(0).raw(body);
      return p.b;
    };
    const auto mysql_stream = [&](unsigned compression, const bytes& body, bool checksums = false) {
      const auto p = payload_data(compression, body);
      stream s;
      s.checksums = checksums;
      s.raw_event(make_format_description("8.0.36", checksums));
      writer g;
      g.u8(0);
      for (int i = 0; i < 16; ++i) g.u8(static_cast<unsigned>(i));
      g.le(7, 8).u8(2).le(0, 8).le(0, 8);
      s.add(33, g.b);
      s.add(40, p);
      return s.out;
    };
    save("stream-mysql-payload", 2, mysql_stream(255, payload));
    bytes z;
#ifdef TOR_MYSQL_HAVE_ZSTD
    z.resize(ZSTD_compressBound(payload.size()));
    z.resize(ZSTD_compress(z.data(), z.size(), payload.data(), payload.size(), 3));
    save("stream-mysql-payload-zstd", 2, mysql_stream(0, z));
#endif

    // ---- binlog_event: flags byte (1 a stream, 2 checksums, 4 fix size and CRC up)
    target("binlog_event");
    int i = 0;
    for (const auto& e : events_of(mariadb_stream(true, true))) save("event-mariadb-" + std::to_string(i++), 2, e);
    i = 0;
    for (const auto& e : events_of(mysql_stream(255, payload, true))) save("event-mysql-" + std::to_string(i++), 2, e);
    i = 0;
    for (const auto& e : events_of(inner.out)) save("event-in-payload-" + std::to_string(i++), 0, e);
    save("stream-mariadb-crc", 3, mariadb_stream(true, true));
    save("stream-mariadb-fixup", 7, mariadb_stream(true, true));
    save("stream-mysql", 1, mysql_stream(255, payload));
    save("stream-mysql-crc", 3, mysql_stream(255, payload, true));
    if (!z.empty()) save("stream-mysql-zstd-crc", 3, mysql_stream(0, z, true));

    // ---- decompress: mode byte, see decompress_fuzz.cpp
    target("decompress");
    const std::string text = "INSERT INTO outbox VALUES ('order', 'o-1', '{\"total\": 12.50}'), ('order', 'o-2', '{}')";
    const bytes plain(text.begin(), text.end());
    const auto sized = [](std::size_t n, const bytes& stream) { return writer{}.le(n, 3).raw(stream).b; };
    save("zlib", 0, sized(plain.size(), zlib_stream(plain, 15)));
    save("deflate", 1, sized(plain.size(), zlib_stream(plain, -15)));
    save("mariadb-record", 2, mariadb_compress(plain));
    save("mariadb-record-large", 2, mariadb_compress(bytes(70000, 'x')));
    save("payload-none", 4, payload_data(255, payload));
    if (!z.empty()) {
      save("zstd", 3, sized(payload.size(), z));
      save("payload-zstd", 4, payload_data(0, z));
    }
    save("round-trip", 5, plain);
  }

  // ---- json_binary: the document alone
  target("json_binary");
  save_raw("nested", j::document(j::object({{"id", j::int64(-5)}, {"tags", j::array({j::boolean(true), j::uint32(7)}, true)},
                                             {"o", j::object({{"x", j::opaque(246, {4, 2, 0x80, 0x01, 0x02})}})}})));
  save_raw("string", j::document(j::string("h\xc3\xa9 \"quoted\"\n")));
  save_raw("scalars", j::document(j::array({j::int16(-1), j::uint16(2), j::int32(-3), j::uint32(4), j::int64(5), j::uint64(6),
                                            j::dbl(0.5), j::null(), j::boolean(false)})));

  // ---- checkpoint: mode byte 0 a document, 1 a MariaDB GTID set, 3 a MySQL one
  target("checkpoint");
  {
    tor::checkpoint_document doc;
    doc.state.position = {"mysql-bin.000003", 1234};
    doc.state.gtids = tor::gtid_set::parse("0-1-100,1-2-5", tor::gtid_flavor::mariadb);
    doc.state.server_id = "1";
    doc.saved_at = "2024-01-31T12:00:00.123Z";
    doc.saved_by = "relay-1:4242";
    doc.owner_epoch = 7;
    const auto v1 = tor::encode_checkpoint_json(doc);
    save("tor-v1-mariadb", 0, bytes(v1.begin(), v1.end()));
    doc.state.gtids = tor::gtid_set::parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7", tor::gtid_flavor::mysql);
    doc.state.position.file = "binlog.\xc3\xa9\"\\\t";
    const auto v1m = tor::encode_checkpoint_json(doc);
    save("tor-v1-mysql", 0, bytes(v1m.begin(), v1m.end()));
    const std::string go = R"( {"Name": "mysql-bin.000042", "Pos": 4} )";
    save("original-tor", 0, bytes(go.begin(), go.end()));
    const std::string mariadb_set = "0-1-100, 1-2-5,2-3-18446744073709551615";
    save("gtid-mariadb", 1, bytes(mariadb_set.begin(), mariadb_set.end()));
    const std::string mysql_set = "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:7:9-10,\n4e11fa47-71ca-11e1-9e33-c80aa9429562:1";
    save("gtid-mysql", 3, bytes(mysql_set.begin(), mysql_set.end()));
  }

  // ---- config: YAML, then optionally NUL and NAME=VALUE lines (the environment);
  // tests/fuzz/run.sh adds the example files of examples/tor too.
  target("config");
  save_text("sections.yaml", "mysql:\n  host: db\n  port: 3306\n  password: s\nkafka:\n  brokers: [k1:9092, k2:9092]\n"
                             "outbox:\n  tables: [shop.outbox]\n  routes:\n    - {pattern: \"order|pay\", topic: orders}\n"
                             "router:\n  checkpoint_interval: 250ms\n");
  save_text("legacy.yaml", "dbHost: db\ndbPort: 3306\nkafkaBrokers: [k:9092]\nkafkaTopics:\n  - name: orders\n"
                           "    aggregateTypeRegexp: ^order$\nredisKey: tor\n");
  save_text("env.yaml", std::string("outbox:\n  preset: original_tor\n") + '\0' +
                           "TOR_KAFKA_BROKERS=a:1,b:2\nTOR_OUTBOX_ROUTES=[{pattern: o, topic: t}]\nTOR_MYSQL_PORT=3307\n");
  std::printf("seed corpora written under %s\n", root.c_str());
  return 0;
}
