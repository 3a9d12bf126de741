// Table map events: the description of a table (column types, their
// metadata, nullability and, depending on binlog_row_metadata, column names,
// signedness, character sets and ENUM/SET members) that precedes the rows
// events referring to it by table id. `parse_table_map_header` reads only
// the id and name, so tables nobody captures are never decoded;
// `parse_table_map` reads the columns and prepares the decoding plan the row
// decoder follows.
//
// Errors are tor::error (kind `source`) naming the table and what was wrong
// with the bytes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>
#include <tor/mysql/binlog_format.hpp>
#include <tor/mysql/detail/bytes.hpp>
#include <tor/mysql/detail/charset.hpp>
#include <tor/mysql/detail/decimal.hpp>

namespace tor::mysql {

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

[[nodiscard]] TOR_DECL std::string to_string(column_type t);

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
  TOR_DECL void prepare();
};
/// Table id and name of a table map event, without parsing its columns, so
/// tables nobody captures are never decoded.
struct table_map_header {
  std::uint64_t table_id = 0;
  std::string_view schema;
  std::string_view table;
};

namespace detail {

[[nodiscard]] TOR_DECL std::string column_label(const table_map& t, std::size_t i);
TOR_DECL bool numeric_for_signedness(column_type real, server_flavor f);
TOR_DECL bool character_column(column_type real, server_flavor f);
TOR_DECL std::size_t metadata_size(column_type t);

}  // namespace detail

/// Reads the table id and names of a table map event (`data` is the event
/// after its 19-byte header, without the checksum).
TOR_DECL table_map_header parse_table_map_header(std::span<const std::uint8_t> data, const format_options& opt = {});

/// Parses a table map event. `data` is the event after its 19-byte common
/// header, without the trailing checksum.
TOR_DECL table_map parse_table_map(std::span<const std::uint8_t> data, const format_options& opt = {});

}  // namespace tor::mysql

#ifdef TOR_HEADER_ONLY
#include <tor/mysql/impl/table_map.ipp>
#endif
