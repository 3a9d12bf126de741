// The row decoder: table-map metadata plus the bytes of a rows event ->
// typed tor::row_image values. It is a pure function of its input, with no
// connector or server behind it, so it is unit-tested with event bytes built
// in the tests and fuzzed.
//
// A table map event describes a table once per transaction (column types,
// their metadata, nullability and, depending on binlog_row_metadata, column
// names, signedness, character sets and ENUM/SET members); the rows events
// that follow refer to it by table id. `parse_table_map` reads the former,
// `parse_rows_event` the framing of the latter, and `decode_rows` turns its
// row images into values. When the server logs less metadata
// (binlog_row_metadata=MINIMAL or NO_LOG), `apply_schema` fills the gaps
// from information_schema (see docs/mysql-source.md for its limits).
//
// Errors are tor::error (kind `source`) naming the table, the column and
// what was wrong with the bytes.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tor/core/error.hpp>
#include <tor/core/event.hpp>
#include <tor/core/value.hpp>
#include <tor/mysql/detail/bytes.hpp>
#include <tor/mysql/detail/charset.hpp>
#include <tor/mysql/detail/decimal.hpp>
#include <tor/mysql/detail/inflate.hpp>
#include <tor/mysql/detail/json_binary.hpp>
#include <tor/mysql/detail/temporal.hpp>

namespace tor::mysql {

/// Which server wrote the log. A few metadata details differ between them
/// (which columns carry signedness and character-set entries).
enum class server_flavor : std::uint8_t { mariadb, mysql };

/// Column types as the binary log names them (the server's MYSQL_TYPE_*).
enum class column_type : std::uint8_t {
  decimal = 0, tiny = 1, short_ = 2, long_ = 3, float_ = 4, double_ = 5, null = 6, timestamp = 7, longlong = 8,
  int24 = 9, date = 10, time = 11, datetime = 12, year = 13, newdate = 14, varchar = 15, bit = 16, timestamp2 = 17,
  datetime2 = 18, time2 = 19,
  blob_compressed = 140,     ///< MariaDB: TEXT/BLOB with the COMPRESSED attribute
  varchar_compressed = 141,  ///< MariaDB: VARCHAR/VARBINARY with the COMPRESSED attribute
  vector = 242,              ///< MySQL 9: VECTOR(n), n little-endian float32s
  json = 245, newdecimal = 246, enum_ = 247, set = 248, tiny_blob = 249, medium_blob = 250, long_blob = 251,
  blob = 252, var_string = 253, string = 254, geometry = 255,
};

[[nodiscard]] inline std::string to_string(column_type t) {
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

/// Whether a string column holds text or bytes, when known.
enum class charset_kind : std::uint8_t { unknown, text, binary };

inline constexpr std::uint32_t binary_collation = 63;

/// One column as the table map (and, for what it lacks, the schema) describes it.
struct column_def {
  column_type type = column_type::null;  ///< the type byte of the table map
  /// The type's metadata as one number: for CHAR (`string`) and DECIMAL the
  /// first metadata byte is the high byte; for VARCHAR and BIT the two bytes
  /// are little-endian; one-byte metadata is the byte itself.
  std::uint16_t meta = 0;
  bool nullable = true;
  bool is_unsigned = false;
  charset_kind charset = charset_kind::unknown;
  std::uint32_t collation = 0;            ///< collation id from the event, 0 when not logged
  std::string name;                       ///< empty when neither the event nor the schema gave one
  std::vector<std::string> elements;      ///< ENUM/SET member names, when known

  /// CHAR columns carry ENUM and SET in their metadata; this is the type the
  /// column really has.
  [[nodiscard]] column_type real_type() const noexcept {
    if (type != column_type::string || meta < 256) return type;
    const auto b0 = static_cast<std::uint8_t>(meta >> 8);
    return (b0 & 0x30) != 0x30 ? static_cast<column_type>(b0 | 0x30) : static_cast<column_type>(b0);
  }
  /// Declared maximum length in bytes of CHAR/VARCHAR/BINARY/VARBINARY.
  [[nodiscard]] std::uint32_t max_length() const noexcept {
    if (type == column_type::string) {
      if (meta < 256) return meta;
      const auto b0 = static_cast<std::uint8_t>(meta >> 8);
      const auto b1 = static_cast<std::uint8_t>(meta & 0xff);
      return (b0 & 0x30) != 0x30 ? static_cast<std::uint32_t>(b1 | (((b0 & 0x30) ^ 0x30) << 4)) : b1;
    }
    return meta;
  }
};

namespace detail {

enum class decode_kind : std::uint8_t {
  null, int8, uint8, int16, uint16, int24, uint24, int32, uint32, int64, uint64, float32, float64, decimal,
  string,             // length prefix (1 or 2 bytes) + bytes; `size` = pad width for BINARY(n)
  blob,               // length prefix (1..4 bytes) + bytes
  json_binary,        // length prefix (1..4 bytes) + MySQL binary JSON
  compressed,         // MariaDB compressed column: length prefix (1..4 bytes) + compressed record
  vector,             // length prefix (1..4 bytes) + little-endian float32s
  enum_index, set_mask, bit, year, date, time, time2, datetime, datetime2, timestamp, timestamp2,
  unsupported,
};

struct column_plan {
  decode_kind kind = decode_kind::unsupported;
  std::uint8_t len_bytes = 0;  // length prefix or fixed width
  std::uint8_t fsp = 0;        // fractional digits; DECIMAL precision
  std::uint8_t scale = 0;      // DECIMAL scale
  bool text = false;           // string-like value is text (else bytes)
  bool latin1 = false;         // text stored in latin1: converted to UTF-8
  std::uint32_t size = 0;      // BINARY(n) width to pad to; declared maximum of compressed columns
};

}  // namespace detail

/// A parsed table map event.
struct table_map {
  std::uint64_t table_id = 0;
  std::uint16_t flags = 0;
  std::string schema;
  std::string table;
  std::vector<column_def> columns;
  server_flavor flavor = server_flavor::mariadb;
  // Which optional metadata the event carried (binlog_row_metadata).
  bool has_names = false;
  bool has_signedness = false;
  bool has_charsets = false;
  bool has_elements = false;

  [[nodiscard]] std::string qualified_name() const { return schema + '.' + table; }
  /// Column names, "@1", "@2"... for columns without one.
  [[nodiscard]] std::vector<std::string> column_names() const {
    std::vector<std::string> out;
    out.reserve(columns.size());
    for (std::size_t i = 0; i < columns.size(); ++i)
      out.push_back(columns[i].name.empty() ? '@' + std::to_string(i + 1) : columns[i].name);
    return out;
  }

  /// How each column is decoded; rebuilt by `prepare()` after the metadata changes.
  std::vector<detail::column_plan> plan;

  /// Recomputes `plan` from the columns. Called by parse_table_map and apply_schema.
  void prepare();
};

/// What a parser needs to know about the log's format.
struct format_options {
  server_flavor flavor = server_flavor::mariadb;
  std::size_t table_id_size = 6;  ///< 4 on servers older than MySQL 5.1.4
};

/// Table id and name of a table map event, without parsing its columns, so
/// tables nobody captures are never decoded.
struct table_map_header {
  std::uint64_t table_id = 0;
  std::string_view schema;
  std::string_view table;
};

namespace detail {

[[nodiscard]] inline std::string column_label(const table_map& t, std::size_t i) {
  std::string s = "column " + std::to_string(i + 1);
  if (i < t.columns.size() && !t.columns[i].name.empty()) s += " (" + t.columns[i].name + ")";
  return s;
}

inline bool numeric_for_signedness(column_type real, server_flavor f) {
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

inline bool character_column(column_type real, server_flavor f) {
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

inline std::size_t metadata_size(column_type t) {
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

inline void table_map::prepare() {
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

/// Reads the table id and names of a table map event (`data` is the event
/// after its 19-byte header, without the checksum).
inline table_map_header parse_table_map_header(std::span<const std::uint8_t> data, const format_options& opt = {}) {
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

inline void parse_optional_metadata(table_map& m, byte_reader& r) {
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

/// Parses a table map event. `data` is the event after its 19-byte common
/// header, without the trailing checksum.
inline table_map parse_table_map(std::span<const std::uint8_t> data, const format_options& opt = {}) {
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

/// The framing of a rows event; the row images stay bytes until decode_rows.
struct rows_event {
  row_op op = row_op::insert;
  unsigned version = 1;             ///< 1: MariaDB and MySQL 5.5; 2: MySQL 5.6+
  std::uint64_t table_id = 0;
  std::uint16_t flags = 0;          ///< bit 0: last event of the statement
  std::size_t column_count = 0;
  std::span<const std::uint8_t> columns;        ///< columns present in the first image
  std::span<const std::uint8_t> columns_after;  ///< columns present in an update's after image
  std::span<const std::uint8_t> rows;           ///< the row images
  bool compressed = false;                      ///< MariaDB log_bin_compress event (rows inflated)
};

/// True for the event types that carry rows.
[[nodiscard]] constexpr bool is_rows_event(std::uint8_t type) noexcept {
  return (type >= 23 && type <= 25) || (type >= 30 && type <= 32) || type == 39 || (type >= 166 && type <= 171);
}

/// Parses the framing of a rows event of the given event type. `data` is
/// the event after its 19-byte header, without the checksum. Compressed
/// MariaDB events are inflated into `scratch`, which must outlive the result.
inline rows_event parse_rows_event(std::uint8_t event_type, std::span<const std::uint8_t> data, std::string& scratch,
                                   const format_options& opt = {}) {
  rows_event ev;
  switch (event_type) {
    case 23: case 30: case 166: case 169: ev.op = row_op::insert; break;
    case 24: case 31: case 167: case 170: ev.op = row_op::update; break;
    case 25: case 32: case 168: case 171: ev.op = row_op::erase; break;
    case 39:
      detail::fail("partial JSON update rows event (MySQL binlog_row_value_options=PARTIAL_JSON) is not supported: "
                   "set binlog_row_value_options='' on the server");
    default: detail::fail("event type " + std::to_string(event_type) + " is not a rows event");
  }
  ev.version = (event_type >= 30 && event_type <= 32) || event_type >= 169 ? 2 : 1;
  ev.compressed = event_type >= 166;
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

inline double widen_float(float f) {
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
inline std::string vector_to_json(std::span<const std::uint8_t> b) {
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

inline std::uint64_t read_length(byte_reader& r, unsigned len_bytes) {
  switch (len_bytes) {
    case 1: return r.u8();
    case 2: return r.u16();
    case 4: return r.u32();
    default: return r.le(len_bytes);
  }
}

inline value read_compressed_column(byte_reader& r, const column_plan& p) {
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
inline void read_value(byte_reader& r, const column_plan& p, const column_def& c, std::vector<value>& out) {
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

inline std::size_t count_bits(std::span<const std::uint8_t> bitmap, std::size_t n) {
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

/// Decodes one row image at the reader's position into `out` (which should
/// be empty). `columns` is the event's present-columns bitmap and `present`
/// the number of bits set in it.
inline void decode_image(const table_map& t, std::span<const std::uint8_t> columns, std::size_t present,
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

/// Decodes every row of `ev`, which must refer to table `t`, calling
/// `on_row(row_image&& before, row_image&& after)` once per row (before is
/// empty for inserts, after for deletes). Returns the number of rows.
template <class OnRow>
std::size_t decode_rows(const table_map& t, const rows_event& ev, OnRow&& on_row) {
  const std::size_t n = t.columns.size();
  if (ev.column_count != n)
    detail::fail("rows event for " + t.qualified_name() + " has " + std::to_string(ev.column_count) +
                 " columns but its table map has " + std::to_string(n));
  if (t.plan.size() != n) detail::fail("table map for " + t.qualified_name() + " was not prepared");
  const auto present = detail::count_bits(ev.columns, n);
  const auto present_after = ev.op == row_op::update ? detail::count_bits(ev.columns_after, n) : 0;
  detail::byte_reader r(ev.rows);
  std::size_t rows = 0;
  while (!r.empty()) {
    const auto start = r.offset();
    row_image before, after;
    switch (ev.op) {
      case row_op::insert: decode_image(t, ev.columns, present, r, after); break;
      case row_op::erase: decode_image(t, ev.columns, present, r, before); break;
      case row_op::update:
        decode_image(t, ev.columns, present, r, before);
        decode_image(t, ev.columns_after, present_after, r, after);
        break;
    }
    if (r.offset() == start)
      detail::fail("corrupt rows event for " + t.qualified_name() + ": a row image with no columns and no bytes");
    on_row(std::move(before), std::move(after));
    ++rows;
  }
  return rows;
}

// ---------------------------------------------------------------------------
// Metadata from the schema, for servers that log less than FULL metadata
// ---------------------------------------------------------------------------

/// One row of information_schema.COLUMNS (in ORDINAL_POSITION order).
struct schema_column {
  std::string name;         ///< COLUMN_NAME
  std::string data_type;    ///< DATA_TYPE, e.g. "int", "varchar", "enum"
  std::string column_type;  ///< COLUMN_TYPE, e.g. "int(10) unsigned", "enum('a','b')"
  std::string charset;      ///< CHARACTER_SET_NAME; empty when NULL (numbers, binary strings)
};

namespace detail {

inline std::string lower_ascii(std::string_view s) {
  std::string r(s);
  for (auto& ch : r)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return r;
}

/// Whether information_schema's DATA_TYPE can describe a column logged as `t`;
/// unknown data types (plugin types such as UUID or INET6) are accepted.
inline bool schema_type_matches(column_type t, std::string_view data_type) {
  auto any = [&](std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), data_type) != names.end();
  };
  static constexpr std::string_view known[] = {
      "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "float", "double", "real", "decimal",
      "numeric", "char", "binary", "varchar", "varbinary", "tinytext", "text", "mediumtext", "longtext",
      "tinyblob", "blob", "mediumblob", "longblob", "json", "enum", "set", "bit", "year", "date", "time",
      "datetime", "timestamp", "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
      "multipolygon", "geometrycollection", "geomcollection"};
  if (std::find(std::begin(known), std::end(known), data_type) == std::end(known)) return true;
  switch (t) {
    case column_type::tiny: return any({"tinyint"});
    case column_type::short_: return any({"smallint"});
    case column_type::int24: return any({"mediumint"});
    case column_type::long_: return any({"int", "integer"});
    case column_type::longlong: return any({"bigint"});
    case column_type::float_: return any({"float"});
    case column_type::double_: return any({"double", "real"});
    case column_type::newdecimal: return any({"decimal", "numeric"});
    case column_type::string: return any({"char", "binary"});
    case column_type::enum_: return any({"enum"});
    case column_type::set: return any({"set"});
    case column_type::varchar:
    case column_type::var_string:
    case column_type::varchar_compressed: return any({"varchar", "varbinary"});
    case column_type::blob:
    case column_type::tiny_blob:
    case column_type::medium_blob:
    case column_type::long_blob:
    case column_type::blob_compressed:
      return any({"tinytext", "text", "mediumtext", "longtext", "tinyblob", "blob", "mediumblob", "longblob", "json"});
    case column_type::json: return any({"json"});
    case column_type::vector: return any({"vector"});
    case column_type::bit: return any({"bit"});
    case column_type::year: return any({"year"});
    case column_type::date: return any({"date"});
    case column_type::time:
    case column_type::time2: return any({"time"});
    case column_type::datetime:
    case column_type::datetime2: return any({"datetime"});
    case column_type::timestamp:
    case column_type::timestamp2: return any({"timestamp"});
    case column_type::geometry:
      return any({"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
                  "geometrycollection", "geomcollection"});
    default: return false;
  }
}

/// Members of "enum('a','b''c')" / "set(...)": quoted, quotes doubled.
inline std::vector<std::string> parse_elements(std::string_view column_type) {
  std::vector<std::string> out;
  const auto open = column_type.find('(');
  if (open == std::string_view::npos) return out;
  std::size_t i = open + 1;
  while (i < column_type.size() && column_type[i] == '\'') {
    std::string member;
    ++i;
    while (i < column_type.size()) {
      if (column_type[i] == '\'') {
        if (i + 1 < column_type.size() && column_type[i + 1] == '\'') {
          member += '\'';
          i += 2;
          continue;
        }
        ++i;
        break;
      }
      member += column_type[i++];
    }
    out.push_back(std::move(member));
    if (i < column_type.size() && column_type[i] == ',') ++i;
  }
  return out;
}

}  // namespace detail

/// Completes a table map with what information_schema says about the
/// table, for the metadata the event did not carry: names, signedness,
/// text-or-binary, ENUM/SET members. Throws when the schema no longer
/// matches the event (column count or a column's type differs), which
/// happens when the table was altered after the event was written.
inline void apply_schema(table_map& m, std::span<const schema_column> schema) {
  if (schema.size() != m.columns.size())
    detail::fail("table " + m.qualified_name() + " has " + std::to_string(schema.size()) +
                 " columns in information_schema but its binlog table map has " + std::to_string(m.columns.size()) +
                 ": the table was altered after these events were written. Column names cannot be recovered from "
                 "a binlog written with binlog_row_metadata=MINIMAL; set binlog_row_metadata=FULL on the server");
  for (std::size_t i = 0; i < schema.size(); ++i) {
    auto& c = m.columns[i];
    const auto& s = schema[i];
    const auto data_type = detail::lower_ascii(s.data_type);
    const auto rt = c.real_type();
    if (!detail::schema_type_matches(rt, data_type))
      detail::fail("column " + std::to_string(i + 1) + " of " + m.qualified_name() + " is " + s.column_type +
                   " (" + s.name + ") in information_schema but " + to_string(rt) +
                   " in the binlog table map: the table was altered after these events were written. "
                   "Set binlog_row_metadata=FULL on the server so the binlog carries its own column names");
    if (!m.has_names) c.name = s.name;
    if (!m.has_signedness) c.is_unsigned = detail::lower_ascii(s.column_type).find("unsigned") != std::string::npos;
    if (!m.has_charsets && detail::character_column(rt, m.flavor)) {
      const auto cs = detail::lower_ascii(s.charset);
      c.charset = cs.empty() || cs == "binary" ? charset_kind::binary : charset_kind::text;
      c.collation = cs == "latin1" ? 8 : cs.empty() || cs == "binary" ? binary_collation : 0;
    }
    if (!m.has_elements && (rt == column_type::enum_ || rt == column_type::set)) c.elements = detail::parse_elements(s.column_type);
  }
  m.prepare();
}

}  // namespace tor::mysql
