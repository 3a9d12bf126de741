// What the outbox mapper is configured with: its options (outbox_config and
// the routes and fields in it), described for configuration files, without
// the mapper itself, so a program that only reads or prints settings does
// not compile the mapper's event and message types.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <tor/core/options.hpp>

namespace tor {

/// What to do with an UPDATE of an outbox row (outbox rows are insert-only).
enum class on_update { warn, skip, fail };
/// What to do with a row that lacks a required column, or whose key is NULL.
enum class on_invalid { fail, skip };

constexpr auto option_names(std::type_identity<on_update>) {
  return options::enum_names<on_update, 3>{
      {{on_update::warn, "warn"}, {on_update::skip, "skip"}, {on_update::fail, "fail"}}};
}
constexpr auto option_names(std::type_identity<on_invalid>) {
  return options::enum_names<on_invalid, 2>{{{on_invalid::fail, "fail"}, {on_invalid::skip, "skip"}}};
}

struct outbox_route {
  std::string pattern;  ///< regular expression (the engine's syntax; RE2 with tor::re2_patterns())
  std::string topic;
  /// false: the pattern must match the whole route-by value. true: it may
  /// match anywhere in it (Go's MatchString, as the original Tor searched).
  bool search = false;
};

constexpr auto options_of(std::type_identity<outbox_route>) {
  using options::opt;
  using o = outbox_route;
  return options::describe(
      opt("pattern", &o::pattern,
          "Regular expression (RE2 syntax, the syntax of Go's regexp) matched against the whole route-by value.",
          options::required),
      opt("topic", &o::topic, "Topic for rows whose route-by value matches.", options::required),
      opt("search", &o::search,
          "Match the pattern anywhere in the value instead of the whole value (Go's `MatchString`, as the original "
          "Tor's `aggregateTypeRegexp`)."));
}

/// A compiled route pattern: true when the route-by value matches.
using route_matcher = std::function<bool(std::string_view)>;
/// Compiles a route's pattern (honouring `route.search`), or throws
/// std::invalid_argument (or tor::error) saying what is wrong with it.
using pattern_engine = std::function<route_matcher(const outbox_route& route)>;

/// A column copied into the message: as a header, or as its partition number.
struct outbox_field {
  std::string column;
  std::string header;  ///< header name; the column name when empty
  bool partition = false;  ///< the column's value is the partition number, not a header
};

constexpr auto options_of(std::type_identity<outbox_field>) {
  using options::opt;
  using o = outbox_field;
  return options::describe(
      opt("column", &o::column, "Outbox column to copy.", options::required),
      opt("header", &o::header, "Header name; the column name when empty."),
      opt("partition", &o::partition, "Use the column's value as the partition number instead of a header."));
}

struct outbox_config {
  /// Outbox tables, "schema.table". Rows of other tables produce nothing.
  std::vector<std::string> tables;
  /// Column with the event id, sent in header `id`. Empty: the id is the
  /// binlog coordinates "file:offset/row", unique per row.
  std::string id_column = "id";
  std::string key_column = "aggregateid";
  std::string route_by_column = "aggregatetype";
  std::string payload_column = "payload";
  /// Column with the event type, sent in header `eventType`; empty: none.
  std::string type_column = "type";
  /// Column with the record timestamp; empty: the transaction's timestamp.
  std::string timestamp_column;
  /// Ordered routes; the first whose pattern matches the route-by value wins.
  std::vector<outbox_route> routes;
  /// Compiles the routes' patterns; required when there are routes
  /// (e.g. `tor::re2_patterns()` from <tor/mappers/re2_patterns.hpp>).
  pattern_engine patterns;
  /// Used when `routes` is empty: `${routedByValue}` is replaced by the route-by value.
  std::string topic_template = "outbox.event.${routedByValue}";
  /// With routes and no match: fail (default) or skip the row.
  on_invalid unrouted = on_invalid::fail;
  /// false: the first matching route wins. true: every matching route gets
  /// the message (the original Tor's behaviour with overlapping patterns).
  bool fan_out = false;
  std::vector<outbox_field> fields;
  on_update updates = on_update::warn;
  on_invalid invalid = on_invalid::fail;
  /// An empty or NULL payload becomes a tombstone (else an empty value).
  bool tombstone_on_empty_payload = false;
  /// Send the event id in header `id`. Consumers deduplicate with it.
  bool id_header = true;
  /// Send the row's binlog coordinates in headers `tor.binlog.file`,
  /// `tor.binlog.pos` and `tor.gtid`. Consumers deduplicate with them; each
  /// header costs the producer an allocation and its bytes on the wire.
  bool coordinate_headers = true;
  /// Receives warnings (skipped updates, skipped invalid rows); none by default.
  std::function<void(const std::string&)> warn;

  /// The original Tor's columns: `aggregate_id` key, `aggregate_type` route-by,
  /// `payload`; no id or type column (the id is the binlog coordinates).
  static outbox_config original_tor(std::string table) {
    outbox_config c;
    c.tables = {std::move(table)};
    c.id_column.clear();
    c.key_column = "aggregate_id";
    c.route_by_column = "aggregate_type";
    c.payload_column = "payload";
    c.type_column.clear();
    return c;
  }
};

/// The options a configuration file sets (the pattern engine and the
/// warning sink are the program's).
constexpr auto options_of(std::type_identity<outbox_config>) {
  using options::opt;
  using o = outbox_config;
  return options::describe(
      opt("tables", &o::tables, "Outbox tables as `schema.table`.", options::required),
      opt("id_column", &o::id_column,
          "Column with the event id, sent in header `id`. Empty: the id is the row's binlog coordinates "
          "`file:offset/row`."),
      opt("key_column", &o::key_column,
          "Column with the message key (usually the aggregate id); same key, same partition."),
      opt("route_by_column", &o::route_by_column,
          "Column whose value chooses the topic (usually the aggregate type)."),
      opt("payload_column", &o::payload_column, "Column with the message value."),
      opt("type_column", &o::type_column, "Column sent in header `eventType`; empty for none."),
      opt("timestamp_column", &o::timestamp_column,
          "Column with the record timestamp (TIMESTAMP, DATETIME or epoch milliseconds); empty: the transaction's "
          "commit time."),
      opt("routes", &o::routes,
          "Ordered routes, a list of `{pattern, topic}`; the first pattern matching the route-by value wins. Empty: "
          "`topic_template` is used."),
      opt("topic_template", &o::topic_template,
          "Topic when there are no routes; `${routedByValue}` is replaced by the route-by value."),
      opt("unrouted", &o::unrouted, "A row that matches no route: `fail` (stop) or `skip` it with a warning."),
      opt("fan_out", &o::fan_out,
          "Send the row to every route that matches (each topic once, in route order) instead of only the first; on "
          "for an original Tor configuration, which did that."),
      opt("fields", &o::fields, "Columns copied into each message, a list of `{column, header, partition}`."),
      opt("on_update", &o::updates,
          "An UPDATE of an outbox row (rows should only be inserted): `warn`, `skip` silently or `fail`."),
      opt("on_invalid", &o::invalid,
          "A row missing a configured column, or with a NULL key: `fail` (stop) or `skip` it with a warning."),
      opt("tombstone_on_empty_payload", &o::tombstone_on_empty_payload,
          "Send an empty or NULL payload as a tombstone (null value) instead of an empty value."),
      opt("id_header", &o::id_header, "Send the event id in header `id` (consumers deduplicate with it)."),
      opt("coordinate_headers", &o::coordinate_headers,
          "Send the row's binlog coordinates in headers `tor.binlog.file`, `tor.binlog.pos` and `tor.gtid` "
          "(consumers deduplicate with them). With `id_header` off and `type_column` empty too, messages carry no "
          "headers, which librdkafka sends about three times faster."));
}
constexpr auto set_in_code(std::type_identity<outbox_config>) {
  using o = outbox_config;
  return options::members(&o::patterns, &o::warn);
}

}  // namespace tor
