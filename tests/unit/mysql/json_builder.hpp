// Builds MySQL binary JSON documents for tests (MySQL servers are not
// packaged here, so this is how the MySQL-only JSON path is exercised).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "event_builder.hpp"

namespace tor::mysql::testing::json {

struct value {
  std::uint8_t type;
  bytes data;  // the value's bytes (inline values: their 2 or 4 bytes)
};

inline value literal(int which) { return {4, {static_cast<std::uint8_t>(which)}}; }  // 0 null, 1 true, 2 false
inline value null() { return literal(0); }
inline value boolean(bool b) { return literal(b ? 1 : 2); }
inline value int16(std::int16_t v) { writer w; w.le(static_cast<std::uint16_t>(v), 2); return {5, w.b}; }
inline value uint16(std::uint16_t v) { writer w; w.le(v, 2); return {6, w.b}; }
inline value int32(std::int32_t v) { writer w; w.le(static_cast<std::uint32_t>(v), 4); return {7, w.b}; }
inline value uint32(std::uint32_t v) { writer w; w.le(v, 4); return {8, w.b}; }
inline value int64(std::int64_t v) { writer w; w.le(static_cast<std::uint64_t>(v), 8); return {9, w.b}; }
inline value uint64(std::uint64_t v) { writer w; w.le(v, 8); return {10, w.b}; }
inline value dbl(double d) { writer w; w.f64(d); return {11, w.b}; }
inline void varlen(writer& w, std::size_t n) {
  do {
    std::uint8_t b = n & 0x7f;
    n >>= 7;
    if (n) b |= 0x80;
    w.u8(b);
  } while (n);
}
inline value string(std::string_view s) { writer w; varlen(w, s.size()); w.raw(s); return {12, w.b}; }
inline value opaque(std::uint8_t field_type, const bytes& data) {
  writer w;
  w.u8(field_type);
  varlen(w, data.size());
  w.raw(data);
  return {15, w.b};
}

inline bool inlined(std::uint8_t t, bool large) { return t == 4 || t == 5 || t == 6 || (large && (t == 7 || t == 8)); }

inline value container(bool object, bool large, const std::vector<std::pair<std::string, value>>& items) {
  const std::size_t w = large ? 4 : 2;
  const std::size_t n = items.size();
  const std::size_t header = 2 * w + n * (1 + w) + (object ? n * (w + 2) : 0);
  bytes tail;  // keys then values, placed after the header
  std::vector<std::size_t> key_off(n), val_off(n);
  if (object)
    for (std::size_t i = 0; i < n; ++i) {
      key_off[i] = header + tail.size();
      tail.insert(tail.end(), items[i].first.begin(), items[i].first.end());
    }
  for (std::size_t i = 0; i < n; ++i) {
    if (inlined(items[i].second.type, large)) continue;
    val_off[i] = header + tail.size();
    tail.insert(tail.end(), items[i].second.data.begin(), items[i].second.data.end());
  }
  writer out;
  out.le(n, static_cast<int>(w)).le(header + tail.size(), static_cast<int>(w));
  if (object)
    for (std::size_t i = 0; i < n; ++i) out.le(key_off[i], static_cast<int>(w)).le(items[i].first.size(), 2);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& v = items[i].second;
    out.u8(v.type);
    if (inlined(v.type, large)) {
      bytes d = v.data;
      d.resize(w, 0);
      out.raw(d);
    } else {
      out.le(val_off[i], static_cast<int>(w));
    }
  }
  out.raw(tail);
  return {static_cast<std::uint8_t>(object ? (large ? 1 : 0) : (large ? 3 : 2)), out.b};
}
inline value object(const std::vector<std::pair<std::string, value>>& items, bool large = false) {
  return container(true, large, items);
}
inline value array(const std::vector<value>& items, bool large = false) {
  std::vector<std::pair<std::string, value>> v;
  for (const auto& i : items) v.emplace_back("", i);
  return container(false, large, v);
}

/// The document as stored in a row: type byte + value.
inline bytes document(const value& v) {
  bytes b{v.type};
  b.insert(b.end(), v.data.begin(), v.data.end());
  return b;
}

}  // namespace tor::mysql::testing::json
