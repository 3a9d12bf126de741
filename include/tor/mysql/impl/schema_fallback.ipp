// Definitions for tor/mysql/schema_fallback.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <algorithm>
#include <initializer_list>
#include <iterator>

#include <tor/mysql/schema_fallback.hpp>

namespace tor::mysql {

namespace detail {

TOR_DECL std::string lower_ascii(std::string_view s) {
  std::string r(s);
  for (auto& ch : r)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return r;
}

TOR_DECL bool schema_type_matches(column_type t, std::string_view data_type) {
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

TOR_DECL std::vector<std::string> parse_elements(std::string_view column_type) {
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

TOR_DECL void apply_schema(table_map& m, std::span<const schema_column> schema) {
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
