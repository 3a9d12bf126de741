// The row decoder tests' helpers (decoder_support.hpp), compiled once.
#include "decoder_support.hpp"

#include <catch2/catch.hpp>

#include <string>

#include <tor/mysql/binlog_event.hpp>
#include <tor/mysql/row_decoder.hpp>

namespace tor::mysql::testing {

bytes from_hex(std::string_view h) {
  bytes b;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) b.push_back(static_cast<std::uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return b;
}

decoded decode(const table_map& t, std::uint8_t type, const bytes& data) {
  std::string scratch;
  const auto ev = parse_rows_event(type, data, scratch);
  decoded d;
  decode_rows(t, ev, [&](tor::row_image&& b, tor::row_image&& a) {
    d.before.push_back(std::move(b));
    d.after.push_back(std::move(a));
  });
  return d;
}

/// Table map + one inserted row, from column specs and the row's encoded values.
tor::row_image insert_one(const table_map_spec& spec, const bytes& row, table_map* out) {
  const auto t = parse_table_map(table_map_data(spec));
  if (out) *out = t;
  const auto d = decode(t, 23, rows_data(spec.table_id, spec.columns.size(), all_columns(spec.columns.size()), row));
  REQUIRE(d.after.size() == 1);
  return d.after[0];
}

bytes no_nulls(std::size_t columns) { return bytes((columns + 7) / 8, 0); }

}  // namespace tor::mysql::testing
