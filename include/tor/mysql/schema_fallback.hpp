// Metadata from information_schema, for servers that log less than FULL
// row metadata (binlog_row_metadata=MINIMAL or NO_LOG): `apply_schema`
// fills what a table map lacks (names, signedness, text-or-binary, ENUM/SET
// members) from the table's information_schema.COLUMNS rows, and refuses
// when the schema no longer matches the event. The query itself is the
// binlog source's; this part is pure. See docs/mysql-source.md for the
// limits.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tor/core/detail/config.hpp>
#include <tor/mysql/table_map.hpp>

namespace tor::mysql {

/// One row of information_schema.COLUMNS (in ORDINAL_POSITION order).
struct schema_column {
  std::string name;         ///< COLUMN_NAME
  std::string data_type;    ///< DATA_TYPE, e.g. "int", "varchar", "enum"
  std::string column_type;  ///< COLUMN_TYPE, e.g. "int(10) unsigned", "enum('a','b')"
  std::string charset;      ///< CHARACTER_SET_NAME; empty when NULL (numbers, binary strings)
};

namespace detail {

TOR_DECL std::string lower_ascii(std::string_view s);

/// Whether information_schema's DATA_TYPE can describe a column logged as `t`;
/// unknown data types (plugin types such as UUID or INET6) are accepted.
TOR_DECL bool schema_type_matches(column_type t, std::string_view data_type);

/// Members of "enum('a','b''c')" / "set(...)": quoted, quotes doubled.
TOR_DECL std::vector<std::string> parse_elements(std::string_view column_type);

}  // namespace detail

/// Completes a table map with what information_schema says about the
/// table, for the metadata the event did not carry: names, signedness,
/// text-or-binary, ENUM/SET members. Throws when the schema no longer
/// matches the event (column count or a column's type differs), which
/// happens when the table was altered after the event was written.
TOR_DECL void apply_schema(table_map& m, std::span<const schema_column> schema);

}  // namespace tor::mysql

#ifdef TOR_HEADER_ONLY
#include <tor/mysql/impl/schema_fallback.ipp>
#endif
