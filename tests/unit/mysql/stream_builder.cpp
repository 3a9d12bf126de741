// The change decoder tests' stream builder (stream_builder.hpp), compiled once.
#include "stream_builder.hpp"

#include <utility>

namespace tor::mysql::testing {

bytes operator+(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

bytes stream::add(std::uint8_t type, const bytes& data, std::uint16_t flags) {
  const auto size = static_cast<std::uint32_t>(19 + data.size() + (checksums ? 4 : 0));
  pos += size;
  events.push_back(make_event(type, data, pos, checksums, 1, 1700000000, flags));
  return events.back();
}

void stream::format(std::string_view version) {
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

void stream::rotate_to(std::string_view name, bool artificial) {
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

void stream::query(std::string_view sql, std::string_view schema) {
  writer q;
  q.le(1, 4).le(0, 4).u8(static_cast<unsigned>(schema.size())).le(0, 2).le(0, 2).raw(schema).u8(0).raw(sql);
  add(2, q.b);
}

void stream::xid(std::uint64_t x) { add(16, writer{}.le(x, 8).b); }

void stream::mariadb_gtid(std::uint64_t seq, std::uint8_t flags) {
  add(162, writer{}.le(seq, 8).le(0, 4).u8(flags).le(0, 6).b);
}

void stream::mysql_gtid(std::uint64_t gno, bool anonymous) {
  writer g;
  g.u8(0);
  for (int i = 0; i < 16; ++i) g.u8(anonymous ? 0 : static_cast<unsigned>(0x10 + i));
  g.le(anonymous ? 0 : gno, 8).u8(2).le(0, 8).le(0, 8);
  add(anonymous ? 34 : 33, g.b);
}

void stream::table_map(const table_map_spec& spec) { add(19, table_map_data(spec)); }

void stream::insert(std::uint64_t table_id, std::size_t columns, const bytes& rows, int version) {
  add(version == 1 ? 23 : 30, rows_data(table_id, columns, all_columns(columns), rows, version));
}

table_map_spec outbox(std::uint64_t id, std::string table) {
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

std::string collected::shape() const {
  std::string s;
  for (const auto& e : events) s += "BRCH"[e.index()];
  return s;
}

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

}  // namespace tor::mysql::testing
