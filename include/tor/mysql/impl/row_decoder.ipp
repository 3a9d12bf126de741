// Definitions for tor/mysql/row_decoder.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string_view>

#include <tor/mysql/row_decoder.hpp>

namespace tor::mysql {

TOR_DECL rows_event parse_rows_event(std::uint8_t event_type, std::span<const std::uint8_t> data, std::string& scratch,
                                     const format_options& opt) {
  rows_event ev;
  using namespace event_types;
  switch (event_type) {
    case write_rows_v1: case write_rows: case write_rows_compressed_v1: case write_rows_compressed:
      ev.op = row_op::insert;
      break;
    case update_rows_v1: case update_rows: case update_rows_compressed_v1: case update_rows_compressed:
      ev.op = row_op::update;
      break;
    case delete_rows_v1: case delete_rows: case delete_rows_compressed_v1: case delete_rows_compressed:
      ev.op = row_op::erase;
      break;
    case partial_update_rows:
      detail::fail("partial JSON update rows event (MySQL binlog_row_value_options=PARTIAL_JSON) is not supported: "
                   "set binlog_row_value_options='' on the server");
    default: detail::fail("event type " + std::to_string(event_type) + " is not a rows event");
  }
  ev.version = (event_type >= event_types::write_rows && event_type <= event_types::delete_rows) ||
                       event_type >= event_types::write_rows_compressed
                   ? 2
                   : 1;
  ev.compressed = event_type >= event_types::write_rows_compressed_v1;
  detail::byte_reader r(data);
  try {
    ev.table_id = r.le(opt.table_id_size);
    ev.flags = r.u16();
    if (ev.version == 2) {
      const auto extra = r.u16();
      if (extra < 2) detail::fail("corrupt rows event: extra data length " + std::to_string(extra));
      r.skip(extra - 2u);
    }
    const auto count = r.lenenc();
    if (count > r.remaining() * 8) detail::fail("corrupt rows event: " + std::to_string(count) + " columns claimed");
    ev.column_count = static_cast<std::size_t>(count);
    const auto bitmap = (ev.column_count + 7) / 8;
    ev.columns = r.bytes(bitmap);
    if (ev.op == row_op::update) ev.columns_after = r.bytes(bitmap);
    if (ev.compressed) {
      detail::inflate_mariadb_record(scratch, r, "compressed rows event");
      ev.rows = detail::as_bytes(scratch);
    } else {
      ev.rows = r.rest();
    }
  } catch (const detail::truncated& t) {
    detail::fail("corrupt rows event for table id " + std::to_string(ev.table_id) + ": " + detail::describe(t));
  }
  return ev;
}

namespace detail {

TOR_DECL double widen_float(float f) {
  // FLOAT is printed by the server with the shortest digits that round-trip;
  // widen those digits, not the binary value, so 0.1f arrives as 0.1.
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, f);
  double d = f;
  std::from_chars(buf, r.ptr, d);
  return d;
}

/// A VECTOR's float32s as a JSON array, each with the shortest digits that
/// round-trip ("[1.5,-2,0.1]"). NaN and infinities (which MySQL refuses to
/// store) would not be JSON: they are an error.
TOR_DECL std::string vector_to_json(std::span<const std::uint8_t> b) {
  std::string out;
  out.reserve(2 + b.size() * 3);
  out.push_back('[');
  char buf[32];
  for (std::size_t i = 0; i + 4 <= b.size(); i += 4) {
    const std::uint32_t bits = std::uint32_t{b[i]} | std::uint32_t{b[i + 1]} << 8 | std::uint32_t{b[i + 2]} << 16 |
                               std::uint32_t{b[i + 3]} << 24;
    float f;
    std::memcpy(&f, &bits, 4);
    if (!std::isfinite(f)) fail("VECTOR element " + std::to_string(i / 4) + " is not a finite number");
    if (i) out.push_back(',');
    out.append(buf, std::to_chars(buf, buf + sizeof buf, f).ptr);
  }
  out.push_back(']');
  return out;
}

TOR_DECL std::uint64_t read_length(byte_reader& r, unsigned len_bytes) {
  switch (len_bytes) {
    case 1: return r.u8();
    case 2: return r.u16();
    case 4: return r.u32();
    default: return r.le(len_bytes);
  }
}

TOR_DECL value read_compressed_column(byte_reader& r, const column_plan& p) {
  const auto len = static_cast<std::size_t>(read_length(r, p.len_bytes));
  byte_reader c(r.bytes(len));
  std::string out;
  if (len != 0) {
    const auto h = c.u8();
    if (h == 0) {
      out.assign(c.text(c.remaining()));
    } else if ((h & 0xf0) == 0x80 && (h & 7) >= 1 && (h & 7) <= 4) {
      const auto original = c.be(h & 7u);
      if (original > p.size) fail("compressed column value claims " + std::to_string(original) +
                                  " bytes, more than the column holds");
      inflate_exact(out, c.rest(), static_cast<std::size_t>(original), (h & 8) ? -15 : 15, "compressed column value");
    } else {
      fail("compressed column value has an unknown header 0x" + byte_reader::hex(h));
    }
  }
  if (p.latin1) return value(std::in_place_type<std::string>, latin1_to_utf8(out));
  if (p.text) return value(std::in_place_type<std::string>, std::move(out));
  return bytes_value{std::move(out)};
}

// Decodes one value and appends it to the row's values, constructing the
// variant once, in place (this loop is most of the decoder's time).
TOR_DECL void read_value(byte_reader& r, const column_plan& p, const column_def& c, std::vector<value>& out) {
  switch (p.kind) {
    case decode_kind::null: out.emplace_back(); return;
    case decode_kind::int8: out.emplace_back(std::in_place_type<std::int64_t>, static_cast<std::int8_t>(r.u8())); return;
    case decode_kind::uint8: out.emplace_back(std::in_place_type<std::uint64_t>, r.u8()); return;
    case decode_kind::int16: out.emplace_back(std::in_place_type<std::int64_t>, static_cast<std::int16_t>(r.u16())); return;
    case decode_kind::uint16: out.emplace_back(std::in_place_type<std::uint64_t>, r.u16()); return;
    case decode_kind::int24: out.emplace_back(std::in_place_type<std::int64_t>, static_cast<std::int32_t>(r.u24() << 8) >> 8); return;
    case decode_kind::uint24: out.emplace_back(std::in_place_type<std::uint64_t>, r.u24()); return;
    case decode_kind::int32: out.emplace_back(std::in_place_type<std::int64_t>, static_cast<std::int32_t>(r.u32())); return;
    case decode_kind::uint32: out.emplace_back(std::in_place_type<std::uint64_t>, r.u32()); return;
    case decode_kind::int64: out.emplace_back(std::in_place_type<std::int64_t>, static_cast<std::int64_t>(r.u64())); return;
    case decode_kind::uint64: out.emplace_back(std::in_place_type<std::uint64_t>, r.u64()); return;
    case decode_kind::float32: {
      const auto bits = r.u32();
      float f;
      std::memcpy(&f, &bits, 4);
      out.emplace_back(std::in_place_type<double>, widen_float(f));
      return;
    }
    case decode_kind::float64: {
      const auto bits = r.u64();
      double d;
      std::memcpy(&d, &bits, 8);
      out.emplace_back(std::in_place_type<double>, d);
      return;
    }
    case decode_kind::decimal: out.emplace_back(std::in_place_type<decimal_value>, decimal_value{read_decimal(r, p.fsp, p.scale)}); return;
    case decode_kind::string: {
      const auto len = static_cast<std::size_t>(p.len_bytes == 1 ? r.u8() : r.u16());
      const auto s = r.text(len);
      if (p.latin1) {
        out.emplace_back(std::in_place_type<std::string>, latin1_to_utf8(s));
      } else if (p.text) {
        out.emplace_back(std::in_place_type<std::string>, s);
      } else {
        auto& b = std::get<bytes_value>(out.emplace_back(std::in_place_type<bytes_value>));
        b.data.reserve(std::max<std::size_t>(len, p.size));
        b.data.assign(s);
        if (len < p.size) b.data.resize(p.size, '\0');
      }
      return;
    }
    case decode_kind::blob: {
      const auto len = read_length(r, p.len_bytes);
      if (len > r.remaining()) throw truncated{r.offset(), static_cast<std::size_t>(std::min<std::uint64_t>(len, SIZE_MAX)), r.remaining()};
      const auto s = r.text(static_cast<std::size_t>(len));
      if (p.latin1) out.emplace_back(std::in_place_type<std::string>, latin1_to_utf8(s));
      else if (p.text) out.emplace_back(std::in_place_type<std::string>, s);
      else out.emplace_back(std::in_place_type<bytes_value>, bytes_value{std::string(s)});
      return;
    }
    case decode_kind::json_binary: {
      const auto len = read_length(r, p.len_bytes);
      if (len > r.remaining()) throw truncated{r.offset(), static_cast<std::size_t>(std::min<std::uint64_t>(len, SIZE_MAX)), r.remaining()};
      out.emplace_back(std::in_place_type<json_value>, json_value{json_binary_to_text(r.bytes(static_cast<std::size_t>(len)))});
      return;
    }
    case decode_kind::compressed: out.push_back(read_compressed_column(r, p)); return;
    case decode_kind::vector: {
      const auto len = read_length(r, p.len_bytes);
      if (len > r.remaining()) throw truncated{r.offset(), static_cast<std::size_t>(std::min<std::uint64_t>(len, SIZE_MAX)), r.remaining()};
      if (len % 4 != 0) fail("VECTOR value of " + std::to_string(len) + " bytes is not a whole number of float32s");
      out.emplace_back(std::in_place_type<json_value>, json_value{vector_to_json(r.bytes(static_cast<std::size_t>(len)))});
      return;
    }
    case decode_kind::enum_index: {
      const auto idx = r.le(p.len_bytes);
      if (c.elements.empty()) {
        out.emplace_back(std::in_place_type<std::uint64_t>, idx);
      } else if (idx == 0) {
        out.emplace_back(std::in_place_type<std::string>);  // the server's "invalid value" member
      } else if (idx > c.elements.size()) {
        fail("ENUM index " + std::to_string(idx) + " but the column has " + std::to_string(c.elements.size()) + " members");
      } else {
        out.emplace_back(std::in_place_type<std::string>, c.elements[static_cast<std::size_t>(idx - 1)]);
      }
      return;
    }
    case decode_kind::set_mask: {
      const auto mask = r.le(p.len_bytes);
      if (c.elements.empty()) {
        out.emplace_back(std::in_place_type<std::uint64_t>, mask);
        return;
      }
      auto& s = std::get<std::string>(out.emplace_back(std::in_place_type<std::string>));
      for (std::size_t b = 0; b < 64; ++b) {
        if (!((mask >> b) & 1u)) continue;
        if (b >= c.elements.size())
          fail("SET bit " + std::to_string(b) + " is set but the column has " + std::to_string(c.elements.size()) + " members");
        if (!s.empty()) s += ',';
        s += c.elements[b];
      }
      return;
    }
    case decode_kind::bit: out.emplace_back(std::in_place_type<std::uint64_t>, r.be(p.len_bytes)); return;
    case decode_kind::year: {
      const auto y = r.u8();
      out.emplace_back(std::in_place_type<std::int64_t>, y == 0 ? 0 : 1900 + y);
      return;
    }
    case decode_kind::date: out.emplace_back(std::in_place_type<date_value>, read_date(r)); return;
    case decode_kind::time: out.emplace_back(std::in_place_type<time_value>, read_time(r)); return;
    case decode_kind::time2: out.emplace_back(std::in_place_type<time_value>, read_time2(r, p.fsp)); return;
    case decode_kind::datetime: out.emplace_back(std::in_place_type<datetime_value>, read_datetime(r)); return;
    case decode_kind::datetime2: out.emplace_back(std::in_place_type<datetime_value>, read_datetime2(r, p.fsp)); return;
    case decode_kind::timestamp: out.emplace_back(std::in_place_type<timestamp_value>, read_timestamp(r)); return;
    case decode_kind::timestamp2: out.emplace_back(std::in_place_type<timestamp_value>, read_timestamp2(r, p.fsp)); return;
    case decode_kind::unsupported: break;
  }
  fail("column type " + to_string(c.real_type()) + " (metadata " + std::to_string(c.meta) +
       ") cannot be decoded by this version of Tor");
}

TOR_DECL std::size_t count_bits(std::span<const std::uint8_t> bitmap, std::size_t n) {
  // A table rather than std::popcount, which without -mpopcnt is a library call.
  static constexpr auto bits = [] {
    std::array<std::uint8_t, 256> t{};
    for (unsigned i = 0; i < 256; ++i) t[i] = static_cast<std::uint8_t>(std::popcount(i));
    return t;
  }();
  std::size_t c = 0;
  for (std::size_t i = 0; i < n / 8; ++i) c += bits[bitmap[i]];
  if (n % 8) c += bits[bitmap[n / 8] & ((1u << (n % 8)) - 1)];
  return c;
}

}  // namespace detail

TOR_DECL void decode_image(const table_map& t, std::span<const std::uint8_t> columns, std::size_t present,
                         detail::byte_reader& r, row_image& out) {
  const std::size_t n = t.columns.size();
  const std::uint8_t* nulls = nullptr;
  try {
    nulls = r.bytes((present + 7) / 8).data();
  } catch (const detail::truncated& e) {
    detail::fail("cannot decode a row of " + t.qualified_name() + ": its NULL bitmap is cut short: " + detail::describe(e));
  }
  std::size_t i = 0;
  try {
    const bool all = present == n;
    out.values.reserve(n);
    if (!all) out.present.assign(n, false);
    std::size_t ni = 0;
    for (; i < n; ++i) {
      if (!all) {
        if (!detail::bit(columns.data(), i)) {
          out.values.emplace_back();
          continue;
        }
        out.present[i] = true;
      }
      if (detail::bit(nulls, ni++)) {
        out.values.emplace_back();
        continue;
      }
      detail::read_value(r, t.plan[i], t.columns[i], out.values);
    }
  } catch (const detail::truncated& e) {
    detail::fail("cannot decode a row of " + t.qualified_name() + " at " + detail::column_label(t, i) + " (" +
                 to_string(t.columns[i].real_type()) + "): " + detail::describe(e));
  } catch (const tor::error& e) {
    detail::fail("cannot decode a row of " + t.qualified_name() + " at " + detail::column_label(t, i) + ": " + e.what());
  }
}

}  // namespace tor::mysql
