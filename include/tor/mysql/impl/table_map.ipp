// Definitions for tor/mysql/table_map.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <tor/mysql/table_map.hpp>

namespace tor::mysql {

TOR_DECL std::string to_string(column_type t) {
  switch (t) {
    case column_type::decimal: return "DECIMAL(old)";
    case column_type::tiny: return "TINYINT";
    case column_type::short_: return "SMALLINT";
    case column_type::long_: return "INT";
    case column_type::float_: return "FLOAT";
    case column_type::double_: return "DOUBLE";
    case column_type::null: return "NULL";
    case column_type::timestamp: return "TIMESTAMP";
    case column_type::longlong: return "BIGINT";
    case column_type::int24: return "MEDIUMINT";
    case column_type::date: return "DATE";
    case column_type::time: return "TIME";
    case column_type::datetime: return "DATETIME";
    case column_type::year: return "YEAR";
    case column_type::newdate: return "NEWDATE";
    case column_type::varchar: return "VARCHAR";
    case column_type::bit: return "BIT";
    case column_type::timestamp2: return "TIMESTAMP";
    case column_type::datetime2: return "DATETIME";
    case column_type::time2: return "TIME";
    case column_type::blob_compressed: return "BLOB COMPRESSED";
    case column_type::varchar_compressed: return "VARCHAR COMPRESSED";
    case column_type::vector: return "VECTOR";
    case column_type::json: return "JSON";
    case column_type::newdecimal: return "DECIMAL";
    case column_type::enum_: return "ENUM";
    case column_type::set: return "SET";
    case column_type::tiny_blob: return "TINYBLOB";
    case column_type::medium_blob: return "MEDIUMBLOB";
    case column_type::long_blob: return "LONGBLOB";
    case column_type::blob: return "BLOB";
    case column_type::var_string: return "VAR_STRING";
    case column_type::string: return "CHAR";
    case column_type::geometry: return "GEOMETRY";
  }
  return "type " + std::to_string(static_cast<unsigned>(t));
}

namespace detail {

TOR_DECL std::string column_label(const table_map& t, std::size_t i) {
  std::string s = "column " + std::to_string(i + 1);
  if (i < t.columns.size() && !t.columns[i].name.empty()) s += " (" + t.columns[i].name + ")";
  return s;
}

TOR_DECL bool numeric_for_signedness(column_type real, server_flavor f) {
  switch (real) {
    case column_type::tiny:
    case column_type::short_:
    case column_type::int24:
    case column_type::long_:
    case column_type::longlong:
    case column_type::newdecimal:
    case column_type::float_:
    case column_type::double_: return true;
    case column_type::year: return f == server_flavor::mariadb;  // MariaDB's YEAR is an unsigned TINYINT
    default: return false;
  }
}

TOR_DECL bool character_column(column_type real, server_flavor f) {
  switch (real) {
    case column_type::string:
    case column_type::var_string:
    case column_type::varchar:
    case column_type::blob:
    case column_type::tiny_blob:
    case column_type::medium_blob:
    case column_type::long_blob:
    case column_type::blob_compressed:
    case column_type::varchar_compressed: return true;
    case column_type::geometry: return f == server_flavor::mariadb;  // MariaDB logs a (binary) charset for it
    default: return false;
  }
}

TOR_DECL std::size_t metadata_size(column_type t) {
  switch (t) {
    case column_type::float_:
    case column_type::double_:
    case column_type::blob:
    case column_type::tiny_blob:
    case column_type::medium_blob:
    case column_type::long_blob:
    case column_type::geometry:
    case column_type::json:
    case column_type::vector:
    case column_type::time2:
    case column_type::datetime2:
    case column_type::timestamp2:
    case column_type::blob_compressed: return 1;
    case column_type::varchar:
    case column_type::var_string:
    case column_type::bit:
    case column_type::newdecimal:
    case column_type::string:
    case column_type::enum_:
    case column_type::set:
    case column_type::varchar_compressed: return 2;
    case column_type::decimal:
    case column_type::tiny:
    case column_type::short_:
    case column_type::long_:
    case column_type::null:
    case column_type::timestamp:
    case column_type::longlong:
    case column_type::int24:
    case column_type::date:
    case column_type::time:
    case column_type::datetime:
    case column_type::year:
    case column_type::newdate: return 0;
  }
  fail("unknown column type " + std::to_string(static_cast<unsigned>(t)) +
       " (written by a newer server than Tor understands)");
}

}  // namespace detail

TOR_DECL void table_map::prepare() {
  using detail::decode_kind;
  plan.assign(columns.size(), {});
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const auto& c = columns[i];
    auto& p = plan[i];
    const bool u = c.is_unsigned;
    // Unknown charsets: CHAR/VARCHAR default to text, BLOBs to bytes, the
    // reading that loses nothing when the guess is wrong for the common case.
    auto text_or = [&](bool dflt) {
      return c.charset == charset_kind::unknown ? dflt : c.charset == charset_kind::text;
    };
    switch (c.real_type()) {
      case column_type::null: p.kind = decode_kind::null; break;
      case column_type::tiny: p.kind = u ? decode_kind::uint8 : decode_kind::int8; break;
      case column_type::short_: p.kind = u ? decode_kind::uint16 : decode_kind::int16; break;
      case column_type::int24: p.kind = u ? decode_kind::uint24 : decode_kind::int24; break;
      case column_type::long_: p.kind = u ? decode_kind::uint32 : decode_kind::int32; break;
      case column_type::longlong: p.kind = u ? decode_kind::uint64 : decode_kind::int64; break;
      case column_type::float_: p.kind = decode_kind::float32; break;
      case column_type::double_: p.kind = decode_kind::float64; break;
      case column_type::newdecimal: {
        const unsigned precision = c.meta >> 8, scale = c.meta & 0xff;
        if (!detail::valid_decimal(precision, scale))
          detail::fail("table map for " + qualified_name() + ": " + detail::column_label(*this, i) +
                       " has an invalid DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")");
        p.kind = decode_kind::decimal;
        p.fsp = static_cast<std::uint8_t>(precision);
        p.scale = static_cast<std::uint8_t>(scale);
        break;
      }
      case column_type::string: {
        const auto len = c.max_length();
        p.kind = decode_kind::string;
        p.len_bytes = len > 255 ? 2 : 1;
        p.text = text_or(true);
        // The server strips BINARY(n)'s trailing zero bytes from the log; put them back.
        p.size = p.text ? 0 : len;
        break;
      }
      case column_type::varchar:
      case column_type::var_string:
        p.kind = decode_kind::string;
        p.len_bytes = c.meta > 255 ? 2 : 1;
        p.text = text_or(true);
        break;
      case column_type::blob:
      case column_type::tiny_blob:
      case column_type::medium_blob:
      case column_type::long_blob:
      case column_type::geometry:
        p.kind = decode_kind::blob;
        p.len_bytes = static_cast<std::uint8_t>(c.meta);
        p.text = c.real_type() != column_type::geometry && text_or(false);
        if (p.len_bytes < 1 || p.len_bytes > 4) p.kind = decode_kind::unsupported;
        break;
      case column_type::vector:
        p.kind = decode_kind::vector;
        p.len_bytes = static_cast<std::uint8_t>(c.meta);
        if (p.len_bytes < 1 || p.len_bytes > 4) p.kind = decode_kind::unsupported;
        break;
      case column_type::json:
        p.kind = decode_kind::json_binary;
        p.len_bytes = static_cast<std::uint8_t>(c.meta);
        if (p.len_bytes < 1 || p.len_bytes > 4) p.kind = decode_kind::unsupported;
        break;
      case column_type::varchar_compressed:
        p.kind = decode_kind::compressed;
        p.len_bytes = c.meta > 255 ? 2 : 1;
        p.text = text_or(true);
        p.size = c.meta;
        break;
      case column_type::blob_compressed:
        p.kind = decode_kind::compressed;
        p.len_bytes = static_cast<std::uint8_t>(c.meta);
        p.text = text_or(false);
        p.size = p.len_bytes >= 1 && p.len_bytes <= 4 ? static_cast<std::uint32_t>((std::uint64_t{1} << (8 * p.len_bytes)) - 1)
                                                      : 0;
        if (p.len_bytes < 1 || p.len_bytes > 4) p.kind = decode_kind::unsupported;
        break;
      case column_type::enum_:
        p.kind = decode_kind::enum_index;
        p.len_bytes = static_cast<std::uint8_t>(c.meta & 0xff);
        if (p.len_bytes != 1 && p.len_bytes != 2) p.kind = decode_kind::unsupported;
        break;
      case column_type::set:
        p.kind = decode_kind::set_mask;
        p.len_bytes = static_cast<std::uint8_t>(c.meta & 0xff);
        if (p.len_bytes < 1 || p.len_bytes > 8) p.kind = decode_kind::unsupported;
        break;
      case column_type::bit: {
        const unsigned bytes = (c.meta >> 8) + ((c.meta & 0xff) ? 1u : 0u);
        p.kind = decode_kind::bit;
        p.len_bytes = static_cast<std::uint8_t>(bytes);
        if (bytes < 1 || bytes > 8) p.kind = decode_kind::unsupported;
        break;
      }
      case column_type::year: p.kind = decode_kind::year; break;
      case column_type::date: p.kind = decode_kind::date; break;
      case column_type::time: p.kind = decode_kind::time; break;
      case column_type::datetime: p.kind = decode_kind::datetime; break;
      case column_type::timestamp: p.kind = decode_kind::timestamp; break;
      case column_type::time2:
      case column_type::datetime2:
      case column_type::timestamp2:
        p.kind = c.real_type() == column_type::time2       ? decode_kind::time2
                 : c.real_type() == column_type::datetime2 ? decode_kind::datetime2
                                                           : decode_kind::timestamp2;
        p.fsp = static_cast<std::uint8_t>(c.meta);
        if (p.fsp > 6) p.kind = decode_kind::unsupported;
        break;
      default: p.kind = decode_kind::unsupported; break;
    }
    p.latin1 = p.text && detail::is_latin1_collation(c.collation);
  }
}

TOR_DECL table_map_header parse_table_map_header(std::span<const std::uint8_t> data, const format_options& opt) {
  detail::byte_reader r(data);
  try {
    table_map_header h;
    h.table_id = r.le(opt.table_id_size);
    r.skip(2);
    h.schema = r.text(r.u8());
    r.skip(1);
    h.table = r.text(r.u8());
    r.skip(1);
    return h;
  } catch (const detail::truncated& t) {
    detail::fail("corrupt table map event: " + detail::describe(t));
  }
}

namespace detail {

TOR_DECL void parse_optional_metadata(table_map& m, byte_reader& r) {
  const auto n = m.columns.size();
  std::vector<std::size_t> numeric, character, enums, sets;
  for (std::size_t i = 0; i < n; ++i) {
    const auto rt = m.columns[i].real_type();
    if (numeric_for_signedness(rt, m.flavor)) numeric.push_back(i);
    if (character_column(rt, m.flavor)) character.push_back(i);
    if (rt == column_type::enum_) enums.push_back(i);
    if (rt == column_type::set) sets.push_back(i);
  }
  auto set_charset = [&](std::size_t col, std::uint64_t collation) {
    m.columns[col].collation = static_cast<std::uint32_t>(collation);
    m.columns[col].charset = collation == binary_collation ? charset_kind::binary : charset_kind::text;
  };
  auto bad = [&](const std::string& why) { fail("corrupt table map for " + m.qualified_name() + ": " + why); };

  while (!r.empty()) {
    const auto type = r.u8();
    const auto len = r.lenenc();
    if (len > r.remaining()) bad("optional metadata field " + std::to_string(type) + " runs past the event");
    byte_reader f(r.bytes(static_cast<std::size_t>(len)));
    switch (type) {
      case 1: {  // SIGNEDNESS: one bit per numeric column, most significant bit first
        if (f.remaining() * 8 < numeric.size()) bad("signedness bitmap shorter than its numeric columns");
        const auto* bits = f.current();
        for (std::size_t k = 0; k < numeric.size(); ++k)
          m.columns[numeric[k]].is_unsigned = (bits[k / 8] >> (7 - k % 8)) & 1u;
        m.has_signedness = true;
        break;
      }
      case 2: {  // DEFAULT_CHARSET: default collation, then (character-column index, collation) exceptions
        const auto dflt = f.lenenc();
        for (auto c : character) set_charset(c, dflt);
        while (!f.empty()) {
          const auto idx = f.lenenc();
          const auto coll = f.lenenc();
          if (idx >= character.size()) bad("charset exception for character column " + std::to_string(idx) +
                                           " of " + std::to_string(character.size()));
          set_charset(character[static_cast<std::size_t>(idx)], coll);
        }
        m.has_charsets = true;
        break;
      }
      case 3: {  // COLUMN_CHARSET: one collation per character column
        std::vector<std::uint64_t> colls;
        while (!f.empty()) colls.push_back(f.lenenc());
        if (colls.size() != character.size()) {
          // The servers disagree on whether GEOMETRY has a charset entry; trust the count.
          std::vector<std::size_t> alt;
          const auto other = m.flavor == server_flavor::mariadb ? server_flavor::mysql : server_flavor::mariadb;
          for (std::size_t i = 0; i < n; ++i)
            if (character_column(m.columns[i].real_type(), other)) alt.push_back(i);
          if (colls.size() != alt.size())
            bad(std::to_string(colls.size()) + " column charsets for " + std::to_string(character.size()) +
                " character columns");
          character = std::move(alt);
        }
        for (std::size_t k = 0; k < colls.size(); ++k) set_charset(character[k], colls[k]);
        m.has_charsets = true;
        break;
      }
      case 4: {  // COLUMN_NAME
        for (std::size_t i = 0; i < n; ++i) m.columns[i].name = std::string(f.lenenc_text());
        m.has_names = true;
        break;
      }
      case 5:    // SET_STR_VALUE
      case 6: {  // ENUM_STR_VALUE
        const auto& cols = type == 5 ? sets : enums;
        for (auto c : cols) {
          const auto count = f.lenenc();
          if (count > f.remaining()) bad("ENUM/SET member count larger than the event");
          auto& el = m.columns[c].elements;
          el.clear();
          el.reserve(static_cast<std::size_t>(count));
          for (std::uint64_t k = 0; k < count; ++k) el.emplace_back(f.lenenc_text());
        }
        m.has_elements = true;
        break;
      }
      default: break;  // geometry types, primary keys, ENUM/SET charsets, visibility: not needed to decode
    }
  }
}

}  // namespace detail

TOR_DECL table_map parse_table_map(std::span<const std::uint8_t> data, const format_options& opt) {
  table_map m;
  m.flavor = opt.flavor;
  detail::byte_reader r(data);
  try {
    m.table_id = r.le(opt.table_id_size);
    m.flags = r.u16();
    m.schema = std::string(r.text(r.u8()));
    r.skip(1);
    m.table = std::string(r.text(r.u8()));
    r.skip(1);
    const auto count = r.lenenc();
    if (count > r.remaining()) detail::fail("corrupt table map for " + m.qualified_name() + ": " +
                                            std::to_string(count) + " columns claimed, event too short");
    m.columns.resize(static_cast<std::size_t>(count));
    const auto types = r.bytes(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < m.columns.size(); ++i) m.columns[i].type = static_cast<column_type>(types[i]);
    const auto meta_len = r.lenenc();
    if (meta_len > r.remaining()) detail::fail("corrupt table map for " + m.qualified_name() + ": metadata runs past the event");
    detail::byte_reader meta(r.bytes(static_cast<std::size_t>(meta_len)));
    for (std::size_t i = 0; i < m.columns.size(); ++i) {
      auto& c = m.columns[i];
      std::size_t size;
      try {
        size = detail::metadata_size(c.type);
      } catch (const tor::error& e) {
        detail::fail("table map for " + m.qualified_name() + ": " + detail::column_label(m, i) + ": " + e.what());
      }
      if (size == 1) {
        c.meta = meta.u8();
      } else if (size == 2) {
        if (c.type == column_type::string || c.type == column_type::newdecimal || c.type == column_type::enum_ ||
            c.type == column_type::set)
          c.meta = static_cast<std::uint16_t>(meta.be(2));
        else
          c.meta = meta.u16();
      }
    }
    if (!meta.empty())
      detail::fail("table map for " + m.qualified_name() + ": " + std::to_string(meta.remaining()) +
                   " byte(s) of column metadata left over (a column type this version of Tor does not know?)");
    const auto nulls = r.bytes((m.columns.size() + 7) / 8);
    for (std::size_t i = 0; i < m.columns.size(); ++i) m.columns[i].nullable = detail::bit(nulls.data(), i);
    detail::parse_optional_metadata(m, r);
  } catch (const detail::truncated& t) {
    detail::fail("corrupt table map event" + (m.table.empty() ? std::string() : " for " + m.qualified_name()) + ": " +
                 detail::describe(t));
  }
  m.prepare();
  return m;
}

}  // namespace tor::mysql
