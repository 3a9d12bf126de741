// The outbox mapper: turns rows inserted into outbox tables into messages,
// with the semantics of Debezium's Outbox Event Router. Each outbox row names
// its event id, its key (usually the aggregate id), the field to route by
// (usually the aggregate type) and its payload; the message goes to a topic
// chosen by an ordered list of pattern routes or by a topic template, with
// configured columns copied into headers, and the binlog coordinates added
// so consumers can deduplicate.
//
// Route patterns are compiled by a pattern engine the configuration names
// (`outbox_config::patterns`); the core has none of its own, so a user of the
// core links no regular expression library. `tor::re2_patterns()` from
// <tor/mappers/re2_patterns.hpp> (CMake target tor::re2) is the engine Tor
// ships: RE2 syntax, the syntax of Go's regexp and so of the original Tor.
#pragma once

#include <range/v3/range/conversion.hpp>
#include <range/v3/view/transform.hpp>

#include <algorithm>
#include <charconv>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <tor/core/error.hpp>
#include <tor/core/event.hpp>
#include <tor/core/message.hpp>
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
static_assert(options::every_member_described<outbox_config>(),
              "describe each member of tor::outbox_config in options_of, or list it in set_in_code");
static_assert(options::every_member_described<outbox_route>());
static_assert(options::every_member_described<outbox_field>());

class outbox_mapper {
 public:
  explicit outbox_mapper(outbox_config config) : cfg_(std::move(config)) {
    for (const auto& t : cfg_.tables) {
      if (t.find('.') == std::string::npos)
        throw error(error_kind::invalid_argument,
                    "outbox table \"" + t + "\" must be written as schema.table (e.g. app.outbox)");
      tables_.insert(t);
    }
    if (!cfg_.routes.empty() && !cfg_.patterns)
      throw error(error_kind::invalid_argument,
                  "outbox routes need a pattern engine: set outbox_config::patterns, e.g. to tor::re2_patterns() "
                  "from <tor/mappers/re2_patterns.hpp> (CMake target tor::re2)");
    for (const auto& r : cfg_.routes) {
      try {
        matchers_.push_back(cfg_.patterns(r));
        route_topic_.emplace_back(r.topic);  // one shared name per route, referenced by its messages
      } catch (const std::exception& e) {
        throw error(error_kind::invalid_argument,
                    "bad route pattern \"" + r.pattern + "\" for topic " + r.topic + ": " + e.what());
      }
    }
  }

  [[nodiscard]] const outbox_config& config() const noexcept { return cfg_; }

  /// Topics this mapper can route to without seeing data (the routes'
  /// topics); with a template the topics depend on the rows.
  [[nodiscard]] std::vector<std::string> static_topics() const {
    std::vector<std::string> t;
    for (const auto& r : cfg_.routes) t.push_back(r.topic);
    return t;
  }

  void map(const row_change& row, const transaction_info& tx, std::vector<message>& out) {
    produce(row, nullptr, tx, out);
  }

  /// The same messages, but the key, payload and id are moved out of the
  /// row's after image instead of copied (the router hands rows over this
  /// way). Only those values are touched, and only once the row is known to
  /// map; the row's table, position and index stay as they are.
  void map(row_change&& row, const transaction_info& tx, std::vector<message>& out) {
    produce(row, &row.after, tx, out);
  }

 private:
  // Column indexes of one outbox table, resolved once per table shape.
  struct columns {
    std::shared_ptr<const table_info> table;  // keeps the cache key alive
    std::optional<std::size_t> id, key, route_by, payload, type, timestamp;
    std::vector<std::optional<std::size_t>> fields;
    // Whether the key, payload or id column is read by no other role, so its
    // value may be moved into the message.
    bool own_key = false, own_payload = false, own_id = false;
  };

  // `owned` is the row's after image when the caller gave the row away (the
  // same object as row.after), else nullptr.
  void produce(const row_change& row, row_image* owned, const transaction_info& tx, std::vector<message>& out) {
    const columns* cols = resolve(row);
    if (!cols) return;  // not an outbox table
    if (row.op == row_op::erase) return;  // outbox rows are often deleted right after insert
    if (row.op == row_op::update) {
      if (cfg_.updates == on_update::fail)
        throw error(error_kind::mapping, "UPDATE of outbox table " + row.table_name() + " at binlog " +
                                             where(row) + ": outbox rows must only be inserted "
                                             "(set the update policy to warn or skip to ignore updates)");
      if (cfg_.updates == on_update::warn && cfg_.warn)
        cfg_.warn("ignoring UPDATE of outbox table " + row.table_name() + " at binlog " + where(row));
      return;
    }
    const row_image& img = row.after;

    const value* key = required(row, img, cols->key, cfg_.key_column);
    const value* route = key ? required(row, img, cols->route_by, cfg_.route_by_column) : nullptr;
    const value* payload = route ? required(row, img, cols->payload, cfg_.payload_column) : nullptr;
    const value* id = payload && !cfg_.id_column.empty() ? required(row, img, cols->id, cfg_.id_column) : nullptr;
    const value* ts =
        payload && !cfg_.timestamp_column.empty() ? required(row, img, cols->timestamp, cfg_.timestamp_column) : nullptr;
    if (!payload || (!cfg_.id_column.empty() && !id) || (!cfg_.timestamp_column.empty() && !ts)) return;  // skipped
    if (is_null(*key)) {
      invalid(row, "key column \"" + cfg_.key_column + "\" is NULL");
      return;
    }

    const auto route_text = text_view(*route);
    const auto* topics = route_text ? route_topics(*route_text, row) : route_topics(to_text(*route), row);
    if (!topics) return;

    message m;
    m.topic = topics->front();
    m.headers.reserve(5 + cfg_.fields.size());
    // Headers are built in place, no temporary moved in: this runs for every message.
    const auto add = [&m](const std::string& name) -> std::string& {
      header& h = m.headers.emplace_back();
      h.name = name;
      return h.value;
    };
    if (cfg_.id_header) add(names_.id);  // its value is set last: it may be moved out of the row
    if (cols->type && img.has(*cols->type)) add(names_.event_type) = to_text(img.values[*cols->type]);
    for (std::size_t i = 0; i < cfg_.fields.size(); ++i) {
      const auto& f = cfg_.fields[i];
      const value* v = required(row, img, cols->fields[i], f.column);
      if (!v) return;
      if (f.partition) {
        m.partition = partition_number(*v, row, f.column);
        if (!m.partition) return;
      } else {
        add(f.header.empty() ? f.column : f.header) = to_text(*v);
      }
    }
    if (cfg_.coordinate_headers) {
      add(names_.binlog_file) = row.position.file;
      char buf[offset_and_row_size];
      add(names_.binlog_pos).assign(buf, offset_and_row(row, buf));
      if (!tx.gtid.empty()) add(names_.gtid) = tx.gtid;
    }
    m.timestamp = tx.timestamp;
    if (ts) {
      const auto t = time_of(*ts);
      if (!t) {
        invalid(row, "timestamp column \"" + cfg_.timestamp_column + "\" holds " + quoted(to_text(*ts)) +
                         ", not a TIMESTAMP, DATETIME or epoch milliseconds");
        return;
      }
      m.timestamp = *t;
    }

    // The row maps: only now may its values be taken.
    const auto take = [&](const value* v, std::optional<std::size_t> idx, bool own) {
      return owned && own ? take_text(owned->values[*idx]) : to_text(*v);
    };
    m.key = take(key, cols->key, cols->own_key);
    if (!is_null(*payload)) {
      std::string text = take(payload, cols->payload, cols->own_payload);
      if (!text.empty() || !cfg_.tombstone_on_empty_payload) m.value = std::move(text);
    } else if (!cfg_.tombstone_on_empty_payload) {
      m.value.emplace();
    }
    if (cfg_.id_header) m.headers.front().value = id ? take(id, cols->id, cols->own_id) : coordinates(row);

    for (std::size_t i = 1; i < topics->size(); ++i) {  // fan-out: every matching route gets a copy
      out.push_back(m);
      out.back().topic = (*topics)[i];
    }
    out.push_back(std::move(m));
    if (topics->size() > 1) std::rotate(out.end() - static_cast<std::ptrdiff_t>(topics->size()), out.end() - 1, out.end());
  }

  // A value's text, moved out of it when it holds a string (to_text otherwise).
  static std::string take_text(value& v) {
    if (auto* s = std::get_if<std::string>(&v)) return std::move(*s);
    if (auto* b = std::get_if<bytes_value>(&v)) return std::move(b->data);
    if (auto* j = std::get_if<json_value>(&v)) return std::move(j->text);
    if (auto* d = std::get_if<decimal_value>(&v)) return std::move(d->text);
    return to_text(v);
  }

  const columns* resolve(const row_change& row) {
    if (!row.table) return nullptr;
    if (last_ && last_table_ == row.table.get()) return last_;
    auto it = cache_.find(row.table.get());
    if (it == cache_.end()) {
      std::optional<columns> c;
      if (tables_.count(row.table->qualified_name())) {
        const auto& t = *row.table;
        c.emplace();
        c->table = row.table;
        const auto idx = [&](const std::string& name) {
          return name.empty() ? std::nullopt : t.column_index(name);
        };
        c->id = idx(cfg_.id_column);
        c->key = idx(cfg_.key_column);
        c->route_by = idx(cfg_.route_by_column);
        c->payload = idx(cfg_.payload_column);
        c->type = idx(cfg_.type_column);
        c->timestamp = idx(cfg_.timestamp_column);
        c->fields = cfg_.fields | ranges::views::transform([&](const outbox_field& f) { return idx(f.column); }) |
                    ranges::to<std::vector>();
        // A column read by two roles (say key and id) is copied for each, never moved.
        std::vector<std::optional<std::size_t>> roles = {c->id, c->key, c->route_by, c->payload, c->type, c->timestamp};
        roles.insert(roles.end(), c->fields.begin(), c->fields.end());
        const auto alone = [&](const std::optional<std::size_t>& i) {
          return i && std::count(roles.begin(), roles.end(), i) == 1;
        };
        c->own_key = alone(c->key);
        c->own_payload = alone(c->payload);
        c->own_id = alone(c->id);
      }
      if (cache_.size() > 1024) {  // tables change shape rarely; bound the cache anyway
        cache_.clear();
        non_outbox_.clear();
      }
      it = cache_.emplace(row.table.get(), std::move(c)).first;
      if (!it->second) non_outbox_.push_back(row.table);  // keep the pointer valid as a key
    }
    last_table_ = row.table.get();
    last_ = it->second ? &*it->second : nullptr;
    return last_;
  }

  // A column's text as an error or warning quotes it: in quotes when it is
  // printable UTF-8, else as hex, so a log line stays valid text (and JSON)
  // whatever bytes a binary column holds; long values are cut short.
  static std::string quoted(std::string_view text) {
    constexpr std::size_t limit = 64;
    bool printable = true;
    for (std::size_t i = 0; i < text.size() && printable;) {
      const auto c = static_cast<unsigned char>(text[i]);
      const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
      if (n == 0 || i + n > text.size() || (n == 1 && (c < 0x20 || c == 0x7f)) || (n == 2 && c < 0xc2)) printable = false;
      for (std::size_t k = 1; printable && k < n; ++k)
        if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) printable = false;
      i += n ? n : 1;
    }
    std::string out;
    if (printable) {
      auto cut = std::min(text.size(), limit);
      while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;  // whole characters
      out.append(1, '"').append(text.substr(0, cut)).append(1, '"');
    } else {
      static constexpr char digits[] = "0123456789abcdef";
      out = "0x";
      for (const auto ch : text.substr(0, limit)) {
        out += digits[static_cast<unsigned char>(ch) >> 4];
        out += digits[static_cast<unsigned char>(ch) & 0xf];
      }
    }
    if (text.size() > limit) out += "... (" + std::to_string(text.size()) + " bytes)";
    return out;
  }

  static std::string where(const row_change& row) {
    return row.position.to_string() + " row " + std::to_string(row.row_index);
  }
  // "OFFSET/ROW" into `buf`, returning its length: formatted without a
  // string, as this runs for every message.
  static constexpr std::size_t offset_and_row_size = 48;
  static std::size_t offset_and_row(const row_change& row, char (&buf)[offset_and_row_size]) {
    char* p = std::to_chars(buf, buf + 24, row.position.offset).ptr;
    *p++ = '/';
    p = std::to_chars(p, buf + offset_and_row_size, row.row_index).ptr;
    return static_cast<std::size_t>(p - buf);
  }
  static std::string coordinates(const row_change& row) {
    char buf[offset_and_row_size];
    const auto n = offset_and_row(row, buf);
    std::string s;
    s.reserve(row.position.file.size() + 1 + n);
    s.append(row.position.file).append(1, ':').append(buf, n);
    return s;
  }

  // The column's value, or nullptr after reporting it missing (fail throws; skip warns).
  const value* required(const row_change& row, const row_image& img, const std::optional<std::size_t>& idx,
                        const std::string& column) {
    if (idx && img.has(*idx)) return &img.values[*idx];
    invalid(row, "column \"" + column + "\" is " + (idx ? "not in the row image" : "missing"));
    return nullptr;
  }

  void invalid(const row_change& row, const std::string& what) {
    const std::string msg = "outbox table " + row.table_name() + " at binlog " + where(row) + ": " + what;
    if (cfg_.invalid == on_invalid::fail)
      throw error(error_kind::mapping, msg + " (fix the table or the column configuration, or set the invalid-row "
                                             "policy to skip)");
    if (cfg_.warn) cfg_.warn("skipping row: " + msg);
  }

  // The topics a route-by value goes to (in route order), or nullptr to skip the row.
  const std::vector<shared_string>* route_topics(std::string_view by_view, const row_change& row) {
    // Consecutive rows usually share their route-by value: skip hashing then.
    if (last_route_ && last_route_->first == by_view) return last_route_->second.empty() ? nullptr : &last_route_->second;
    if (auto it = topic_cache_.find(by_view); it != topic_cache_.end()) {
      last_route_ = &*it;
      return it->second.empty() ? nullptr : &it->second;
    }
    const std::string by(by_view);
    std::vector<shared_string> topics;
    if (cfg_.routes.empty()) {
      std::string t = cfg_.topic_template;
      static constexpr std::string_view var = "${routedByValue}";
      for (auto p = t.find(var); p != std::string::npos; p = t.find(var, p + by.size())) t.replace(p, var.size(), by);
      topics.push_back(std::move(t));
    } else {
      for (std::size_t i = 0; i < matchers_.size() && (topics.empty() || cfg_.fan_out); ++i)
        if (matchers_[i](by) &&
            std::find(topics.begin(), topics.end(), route_topic_[i]) == topics.end())
          topics.push_back(route_topic_[i]);
      if (topics.empty()) {
        const std::string msg = "outbox table " + row.table_name() + " at binlog " + where(row) +
                                ": no route matches " + cfg_.route_by_column + " " + quoted(by);
        if (cfg_.unrouted == on_invalid::fail)
          throw error(error_kind::mapping, msg + " (add a route for it, or set the unrouted policy to skip)");
        if (cfg_.warn) cfg_.warn("skipping row: " + msg);
      }
    }
    if (topic_cache_.size() > 4096) topic_cache_.clear();
    last_route_ = &*topic_cache_.emplace(by, std::move(topics)).first;  // elements stay put until clear()
    const auto& slot = last_route_->second;
    return slot.empty() ? nullptr : &slot;
  }

  std::optional<std::int32_t> partition_number(const value& v, const row_change& row, const std::string& column) {
    std::int32_t p = -1;
    const std::string text = to_text(v);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
    if (ec == std::errc{} && end == text.data() + text.size() && p >= 0) return p;
    invalid(row, "partition column \"" + column + "\" holds " + quoted(text) + ", not a partition number");
    return std::nullopt;
  }

  static std::optional<clock::time_point> time_of(const value& v) {
    using namespace std::chrono;
    if (const auto* t = std::get_if<timestamp_value>(&v))
      return clock::time_point(duration_cast<clock::duration>(seconds(t->seconds) + microseconds(t->microseconds)));
    if (const auto* d = std::get_if<datetime_value>(&v)) {  // a DATETIME is read as UTC
      const auto days = sys_days(year_month_day(year(d->date.year), month(d->date.month), day(d->date.day)));
      return clock::time_point(duration_cast<clock::duration>(days.time_since_epoch() + hours(d->hour) +
                                                               minutes(d->minute) + seconds(d->second) +
                                                               microseconds(d->microsecond)));
    }
    if (const auto* i = std::get_if<std::int64_t>(&v))  // epoch milliseconds
      return clock::time_point(duration_cast<clock::duration>(milliseconds(*i)));
    if (const auto* u = std::get_if<std::uint64_t>(&v))
      return clock::time_point(duration_cast<clock::duration>(milliseconds(static_cast<std::int64_t>(*u))));
    return std::nullopt;
  }

  outbox_config cfg_;
  // Header names as strings, so a header's name is a plain string copy.
  struct header_names {
    std::string id{headers::id}, event_type{"eventType"}, binlog_file{headers::binlog_file},
        binlog_pos{headers::binlog_pos}, gtid{headers::gtid};
  } names_;
  std::unordered_set<std::string> tables_;
  std::vector<route_matcher> matchers_;
  std::vector<shared_string> route_topic_;  // cfg_.routes[i].topic, shared by the messages of route i
  std::unordered_map<const table_info*, std::optional<columns>> cache_;
  std::vector<std::shared_ptr<const table_info>> non_outbox_;
  const table_info* last_table_ = nullptr;
  const columns* last_ = nullptr;
  // Transparent hashing: look up by string_view without building a string.
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::vector<shared_string>, text_hash, std::equal_to<>> topic_cache_;
  const std::pair<const std::string, std::vector<shared_string>>* last_route_ = nullptr;  // in topic_cache_
};

}  // namespace tor
