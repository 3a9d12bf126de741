// The row decoder: a table map (tor/mysql/table_map.hpp) plus the bytes of
// a rows event -> typed tor::row_image values. It is a pure function of its input, with no
// connector or server behind it, so it is unit-tested with event bytes built
// in the tests and fuzzed.
//
// `parse_rows_event` reads the framing of a rows event and `decode_rows`
// turns its row images into values, following the table map's plan. This
// header also includes the table map parser and the information_schema
// fallback (tor/mysql/schema_fallback.hpp), so including it alone still
// gives the whole decoder.
//
// Errors are tor::error (kind `source`) naming the table, the column and
// what was wrong with the bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>
#include <tor/core/event.hpp>
#include <tor/core/value.hpp>
#include <tor/mysql/binlog_format.hpp>
#include <tor/mysql/detail/bytes.hpp>
#include <tor/mysql/detail/charset.hpp>
#include <tor/mysql/detail/decimal.hpp>
#include <tor/mysql/detail/inflate.hpp>
#include <tor/mysql/detail/json_binary.hpp>
#include <tor/mysql/detail/temporal.hpp>
#include <tor/mysql/schema_fallback.hpp>
#include <tor/mysql/table_map.hpp>

namespace tor::mysql {

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
/// Parses the framing of a rows event of the given event type. `data` is
/// the event after its 19-byte header, without the checksum. Compressed
/// MariaDB events are inflated into `scratch`, which must outlive the result.
TOR_DECL rows_event parse_rows_event(std::uint8_t event_type, std::span<const std::uint8_t> data, std::string& scratch,
                                     const format_options& opt = {});

namespace detail {

/// The number of bits set among the first `n` of `bitmap`.
TOR_DECL std::size_t count_bits(std::span<const std::uint8_t> bitmap, std::size_t n);

}  // namespace detail

/// Decodes one row image at the reader's position into `out` (which should
/// be empty). `columns` is the event's present-columns bitmap and `present`
/// the number of bits set in it.
TOR_DECL void decode_image(const table_map& t, std::span<const std::uint8_t> columns, std::size_t present,
                           detail::byte_reader& r, row_image& out);

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

}  // namespace tor::mysql

#ifdef TOR_HEADER_ONLY
#include <tor/mysql/impl/row_decoder.ipp>
#endif
