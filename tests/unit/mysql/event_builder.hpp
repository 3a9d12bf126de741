// Builds binary log events byte by byte, the way the servers lay them out,
// so the decoder is tested (and fuzzed, and benchmarked) without a server.
// The encoders here are written independently of the decoder's reading
// code: a test passes only when both sides agree with the format.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace tor::mysql::testing {

using bytes = std::vector<std::uint8_t>;

struct writer {
  bytes b;

  writer& u8(unsigned v) { b.push_back(static_cast<std::uint8_t>(v)); return *this; }
  writer& le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  writer& be(std::uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  writer& raw(std::string_view s) { b.insert(b.end(), s.begin(), s.end()); return *this; }
  writer& raw(const bytes& x) { b.insert(b.end(), x.begin(), x.end()); return *this; }
  writer& lenenc(std::uint64_t v) {
    if (v < 251) return u8(static_cast<unsigned>(v));
    if (v < 65536) return u8(0xfc).le(v, 2);
    if (v < 16777216) return u8(0xfd).le(v, 3);
    return u8(0xfe).le(v, 8);
  }
  writer& lenenc_str(std::string_view s) { return lenenc(s.size()).raw(s); }
  writer& f32(float f) { std::uint32_t v; std::memcpy(&v, &f, 4); return le(v, 4); }
  writer& f64(double d) { std::uint64_t v; std::memcpy(&v, &d, 8); return le(v, 8); }
};

/// A whole event: 19-byte header, data, optional CRC32.
inline bytes make_event(std::uint8_t type, const bytes& data, std::uint32_t log_pos, bool checksum = true,
                        std::uint32_t server_id = 1, std::uint32_t timestamp = 1700000000, std::uint16_t flags = 0) {
  writer w;
  const auto size = static_cast<std::uint32_t>(19 + data.size() + (checksum ? 4 : 0));
  w.le(timestamp, 4).u8(type).le(server_id, 4).le(size, 4).le(log_pos, 4).le(flags, 2).raw(data);
  if (checksum) w.le(crc32(0L, w.b.data(), static_cast<uInt>(w.b.size())), 4);
  return w.b;
}

/// A format description event as a server of the given version writes it.
inline bytes make_format_description(std::string_view version, bool checksum = true) {
  writer w;
  w.le(4, 2);
  std::string v(version);
  v.resize(50, '\0');
  w.raw(v).le(0, 4).u8(19);
  // Post-header lengths for types 1..(n): the values that matter here:
  // query 13, rotate 8, table map 8, rows v1 8, rows v2 10, GTIDs.
  bytes phl(171, 0);
  phl[2 - 1] = 13;
  phl[4 - 1] = 8;
  phl[15 - 1] = 84;
  phl[19 - 1] = 8;
  for (int t : {23, 24, 25}) phl[t - 1] = 8;
  for (int t : {30, 31, 32}) phl[t - 1] = 10;
  phl[33 - 1] = 42;
  phl[162 - 1] = 19;
  for (int t : {166, 167, 168}) phl[t - 1] = 8;
  for (int t : {169, 170, 171}) phl[t - 1] = 10;
  w.raw(phl);
  if (checksum) {
    w.u8(1);
    return make_event(15, w.b, 0, true);
  }
  w.u8(0);
  return make_event(15, w.b, 0, false);
}

/// One column of a table map being built.
struct col {
  std::uint8_t type;
  bytes meta;
  bool nullable = true;
};

struct table_map_spec {
  std::uint64_t table_id = 42;
  std::string schema = "shop";
  std::string table = "outbox";
  std::vector<col> columns;
  bytes optional;  ///< raw optional-metadata TLVs
};

/// TLV of the table map's optional metadata.
inline bytes tlv(std::uint8_t type, const bytes& value) {
  writer w;
  w.u8(type).lenenc(value.size()).raw(value);
  return w.b;
}
inline bytes names_tlv(std::initializer_list<std::string_view> names) {
  writer v;
  for (auto n : names) v.lenenc_str(n);
  return tlv(4, v.b);
}
/// Signedness bits, most significant first, for the numeric columns in order.
inline bytes signedness_tlv(std::initializer_list<bool> unsigned_flags) {
  bytes v((unsigned_flags.size() + 7) / 8, 0);
  std::size_t i = 0;
  for (bool u : unsigned_flags) {
    if (u) v[i / 8] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
    ++i;
  }
  return tlv(1, v);
}
inline bytes column_charset_tlv(std::initializer_list<unsigned> collations) {
  writer v;
  for (auto c : collations) v.lenenc(c);
  return tlv(3, v.b);
}
inline bytes elements_tlv(std::uint8_t type, std::initializer_list<std::initializer_list<std::string_view>> per_column) {
  writer v;
  for (auto members : per_column) {
    v.lenenc(members.size());
    for (auto m : members) v.lenenc_str(m);
  }
  return tlv(type, v.b);
}

inline bytes table_map_data(const table_map_spec& s) {
  writer w;
  w.le(s.table_id, 6).le(1, 2);
  w.u8(static_cast<unsigned>(s.schema.size())).raw(s.schema).u8(0);
  w.u8(static_cast<unsigned>(s.table.size())).raw(s.table).u8(0);
  w.lenenc(s.columns.size());
  for (const auto& c : s.columns) w.u8(c.type);
  writer meta;
  for (const auto& c : s.columns) meta.raw(c.meta);
  w.lenenc(meta.b.size()).raw(meta.b);
  bytes nulls((s.columns.size() + 7) / 8, 0);
  for (std::size_t i = 0; i < s.columns.size(); ++i)
    if (s.columns[i].nullable) nulls[i / 8] |= static_cast<std::uint8_t>(1u << (i % 8));
  w.raw(nulls).raw(s.optional);
  return w.b;
}

/// All-columns bitmap for n columns.
inline bytes all_columns(std::size_t n) {
  bytes b((n + 7) / 8, 0);
  for (std::size_t i = 0; i < n; ++i) b[i / 8] |= static_cast<std::uint8_t>(1u << (i % 8));
  return b;
}

/// Data of a rows event (version 1 or 2). `rows` are the already encoded row images.
inline bytes rows_data(std::uint64_t table_id, std::size_t columns, const bytes& bitmap, const bytes& rows,
                       int version = 1, const bytes* bitmap_after = nullptr, std::uint16_t flags = 1) {
  writer w;
  w.le(table_id, 6).le(flags, 2);
  if (version == 2) w.le(2, 2);
  w.lenenc(columns).raw(bitmap);
  if (bitmap_after) w.raw(*bitmap_after);
  w.raw(rows);
  return w.b;
}

// --- value encoders --------------------------------------------------------

/// DECIMAL(precision, scale) from text like "-123.4500", in the server's binary form.
inline bytes encode_decimal(std::string_view text, int precision, int scale) {
  static const int group_bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
  bool neg = !text.empty() && text[0] == '-';
  if (neg) text.remove_prefix(1);
  const auto dot = text.find('.');
  std::string ip(text.substr(0, dot));
  std::string fp(dot == std::string_view::npos ? "" : text.substr(dot + 1));
  const int intg = precision - scale;
  if (intg == 0) ip.clear();
  ip.insert(0, static_cast<std::size_t>(intg) - ip.size(), '0');
  fp.resize(static_cast<std::size_t>(scale), '0');
  writer w;
  auto put = [&](const std::string& digits) {
    const int n = static_cast<int>(digits.size());
    const std::uint64_t v = n ? std::stoull(digits) : 0;
    w.be(v, n == 9 ? 4 : group_bytes[n]);
  };
  const int lead = intg % 9;
  std::size_t pos = 0;
  if (lead) { put(ip.substr(0, static_cast<std::size_t>(lead))); pos = static_cast<std::size_t>(lead); }
  for (; pos < ip.size(); pos += 9) put(ip.substr(pos, 9));
  for (pos = 0; pos + 9 <= fp.size(); pos += 9) put(fp.substr(pos, 9));
  if (scale % 9) put(fp.substr(pos));
  w.b[0] ^= 0x80;
  if (neg)
    for (auto& x : w.b) x = static_cast<std::uint8_t>(~x);
  return w.b;
}

inline void put_fraction(writer& w, unsigned micro, int fsp) {
  switch (fsp) {
    case 1: case 2: w.u8(micro / 10000); break;
    case 3: case 4: w.be(micro / 100, 2); break;
    case 5: case 6: w.be(micro, 3); break;
    default: break;
  }
}

inline bytes encode_datetime2(int y, int mo, int d, int h, int mi, int s, unsigned micro, int fsp) {
  const std::uint64_t ym = static_cast<std::uint64_t>(y) * 13 + static_cast<std::uint64_t>(mo);
  const std::uint64_t ymd = (ym << 5) | static_cast<std::uint64_t>(d);
  const std::uint64_t hms = (static_cast<std::uint64_t>(h) << 12) | (static_cast<std::uint64_t>(mi) << 6) | static_cast<std::uint64_t>(s);
  writer w;
  w.be(((ymd << 17) | hms) + 0x8000000000ULL, 5);
  put_fraction(w, micro, fsp);
  return w.b;
}

inline bytes encode_timestamp2(std::uint32_t seconds, unsigned micro, int fsp) {
  writer w;
  w.be(seconds, 4);
  put_fraction(w, micro, fsp);
  return w.b;
}

/// TIME2 via the server's packed representation (integer part << 24 | microseconds, signed).
inline bytes encode_time2(bool neg, unsigned h, unsigned m, unsigned s, unsigned micro, int fsp) {
  const std::int64_t hms = (static_cast<std::int64_t>(h) << 12) | (m << 6) | s;
  std::int64_t packed = hms * (std::int64_t{1} << 24) + micro;
  if (neg) packed = -packed;
  writer w;
  auto intpart = packed / (std::int64_t{1} << 24);
  auto frac = packed % (std::int64_t{1} << 24);
  switch (fsp) {
    case 0: w.be(static_cast<std::uint64_t>(intpart + 0x800000), 3); break;
    case 1: case 2: {
      auto f = frac / 10000;
      if (f < 0) { intpart -= 1; f += 0x100; }
      w.be(static_cast<std::uint64_t>(intpart + 0x800000), 3).u8(static_cast<unsigned>(f));
      break;
    }
    case 3: case 4: {
      auto f = frac / 100;
      if (f < 0) { intpart -= 1; f += 0x10000; }
      w.be(static_cast<std::uint64_t>(intpart + 0x800000), 3).be(static_cast<std::uint64_t>(f), 2);
      break;
    }
    default: w.be(static_cast<std::uint64_t>(packed + 0x800000000000LL), 6); break;
  }
  return w.b;
}

inline bytes encode_date(int y, int m, int d) {
  writer w;
  w.le((static_cast<std::uint64_t>(y) << 9) | (static_cast<std::uint64_t>(m) << 5) | static_cast<std::uint64_t>(d), 3);
  return w.b;
}

/// A MariaDB compressed record: 0x80|n, length in n bytes big-endian, zlib stream.
inline bytes mariadb_compress(const bytes& in, bool wrap = true, bool column = false) {
  uLongf cap = compressBound(static_cast<uLong>(in.size()));
  bytes z(cap);
  if (wrap) {
    compress2(z.data(), &cap, in.data(), static_cast<uLong>(in.size()), 6);
    z.resize(cap);
  } else {
    z_stream s{};
    deflateInit2(&s, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    s.next_in = const_cast<Bytef*>(in.data());
    s.avail_in = static_cast<uInt>(in.size());
    s.next_out = z.data();
    s.avail_out = static_cast<uInt>(z.size());
    deflate(&s, Z_FINISH);
    z.resize(s.total_out);
    deflateEnd(&s);
  }
  writer w;
  const int n = in.size() < 256 ? 1 : in.size() < 65536 ? 2 : in.size() < 16777216 ? 3 : 4;
  w.u8(0x80u | static_cast<unsigned>(n) | (wrap || !column ? 0u : 8u)).be(in.size(), n).raw(z);
  return w.b;
}

}  // namespace tor::mysql::testing
