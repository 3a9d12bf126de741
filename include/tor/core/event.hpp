// The change-event model: what a source yields, in binlog order, framed by
// transactions. A transaction is `begin_event`, zero or more `row_change`s,
// then `commit_event` carrying the checkpoint just after its commit. Non-row
// transactions (DDL) are framed the same way with no rows, so the position
// keeps advancing. `heartbeat_event` tells the router the source is alive
// but idle, so it can serve acknowledgements and stop promptly.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <tor/core/checkpoint.hpp>
#include <tor/core/position.hpp>
#include <tor/core/value.hpp>

namespace tor {

using clock = std::chrono::system_clock;

/// A table as the binlog describes it. Shared by every row change of the
/// table until its shape changes.
struct table_info {
  std::string schema;
  std::string table;
  std::vector<std::string> columns;  ///< column names in table order

  [[nodiscard]] std::string qualified_name() const { return schema + '.' + table; }

  /// Index of a column by name (exact match), or nullopt.
  [[nodiscard]] std::optional<std::size_t> column_index(std::string_view name) const {
    for (std::size_t i = 0; i < columns.size(); ++i)
      if (columns[i] == name) return i;
    return std::nullopt;
  }
};

/// One row image. `values[i]` is column i. When the server logs partial
/// images, `present[i]` is false for columns it left out; an empty `present`
/// means every column is there.
struct row_image {
  std::vector<value> values;
  std::vector<bool> present;

  [[nodiscard]] bool empty() const noexcept { return values.empty(); }
  [[nodiscard]] bool has(std::size_t i) const noexcept {
    return i < values.size() && (present.empty() || present[i]);
  }
  /// The value of column i when the image has it, else nullptr.
  [[nodiscard]] const value* get(std::size_t i) const noexcept { return has(i) ? &values[i] : nullptr; }
};

enum class row_op : std::uint8_t { insert, update, erase };

[[nodiscard]] constexpr std::string_view to_string(row_op op) noexcept {
  switch (op) {
    case row_op::insert: return "insert";
    case row_op::update: return "update";
    case row_op::erase: return "delete";
  }
  return "?";
}

/// One changed row. Insert has `after`, delete has `before`, update has both.
struct row_change {
  row_op op = row_op::insert;
  std::shared_ptr<const table_info> table;
  row_image before;
  row_image after;
  binlog_position position;     ///< start of the rows event holding this row
  std::uint32_t row_index = 0;  ///< index of the row within that event
  clock::time_point timestamp;  ///< the event's timestamp (seconds resolution)

  /// The image that describes the row as it is now: after for insert/update, before for delete.
  [[nodiscard]] const row_image& image() const noexcept { return op == row_op::erase ? before : after; }
  /// "schema.table" or "?" when the table is unknown.
  [[nodiscard]] std::string table_name() const { return table ? table->qualified_name() : std::string("?"); }
};

struct begin_event {
  std::string gtid;             ///< text of the transaction's GTID, empty when the server has none
  binlog_position position;     ///< where the transaction starts
  clock::time_point timestamp;
};

struct commit_event {
  checkpoint after;             ///< position (and GTID set) just after the commit event
  clock::time_point timestamp;  ///< commit time
};

struct heartbeat_event {
  binlog_position position;     ///< the source's current position, when known
};

using change_event = std::variant<begin_event, row_change, commit_event, heartbeat_event>;

/// What the router knows of the transaction a row belongs to; given to mappers.
struct transaction_info {
  std::string gtid;
  binlog_position begin;
  clock::time_point timestamp;  ///< timestamp of the begin event
};

}  // namespace tor
