// Definitions for tor/mappers/outbox.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <range/v3/range/conversion.hpp>
#include <range/v3/view/transform.hpp>

#include <algorithm>
#include <charconv>
#include <exception>

#include <tor/mappers/outbox.hpp>

namespace tor {

TOR_DECL outbox_mapper::outbox_mapper(outbox_config config) : cfg_(std::move(config)) {
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

TOR_DECL outbox_mapper::~outbox_mapper() = default;

TOR_DECL std::vector<std::string> outbox_mapper::static_topics() const {
  std::vector<std::string> t;
  for (const auto& r : cfg_.routes) t.push_back(r.topic);
  return t;
}

TOR_DECL void outbox_mapper::produce(const row_change& row, row_image* owned, const transaction_info& tx,
                                     std::vector<message>& out) {
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

TOR_DECL std::string outbox_mapper::take_text(value& v) {
  if (auto* s = std::get_if<std::string>(&v)) return std::move(*s);
  if (auto* b = std::get_if<bytes_value>(&v)) return std::move(b->data);
  if (auto* j = std::get_if<json_value>(&v)) return std::move(j->text);
  if (auto* d = std::get_if<decimal_value>(&v)) return std::move(d->text);
  return to_text(v);
}

TOR_DECL const outbox_mapper::columns* outbox_mapper::resolve(const row_change& row) {
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

TOR_DECL std::string outbox_mapper::quoted(std::string_view text) {
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

TOR_DECL std::string outbox_mapper::where(const row_change& row) {
  return row.position.to_string() + " row " + std::to_string(row.row_index);
}

TOR_DECL std::size_t outbox_mapper::offset_and_row(const row_change& row, char (&buf)[offset_and_row_size]) {
  char* p = std::to_chars(buf, buf + 24, row.position.offset).ptr;
  *p++ = '/';
  p = std::to_chars(p, buf + offset_and_row_size, row.row_index).ptr;
  return static_cast<std::size_t>(p - buf);
}

TOR_DECL std::string outbox_mapper::coordinates(const row_change& row) {
  char buf[offset_and_row_size];
  const auto n = offset_and_row(row, buf);
  std::string s;
  s.reserve(row.position.file.size() + 1 + n);
  s.append(row.position.file).append(1, ':').append(buf, n);
  return s;
}

TOR_DECL const value* outbox_mapper::required(const row_change& row, const row_image& img,
                                              const std::optional<std::size_t>& idx, const std::string& column) {
  if (idx && img.has(*idx)) return &img.values[*idx];
  invalid(row, "column \"" + column + "\" is " + (idx ? "not in the row image" : "missing"));
  return nullptr;
}

TOR_DECL void outbox_mapper::invalid(const row_change& row, const std::string& what) {
  const std::string msg = "outbox table " + row.table_name() + " at binlog " + where(row) + ": " + what;
  if (cfg_.invalid == on_invalid::fail)
    throw error(error_kind::mapping, msg + " (fix the table or the column configuration, or set the invalid-row "
                                           "policy to skip)");
  if (cfg_.warn) cfg_.warn("skipping row: " + msg);
}

TOR_DECL const std::vector<shared_string>* outbox_mapper::route_topics(std::string_view by_view, const row_change& row) {
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

TOR_DECL std::optional<std::int32_t> outbox_mapper::partition_number(const value& v, const row_change& row,
                                                                     const std::string& column) {
  std::int32_t p = -1;
  const std::string text = to_text(v);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
  if (ec == std::errc{} && end == text.data() + text.size() && p >= 0) return p;
  invalid(row, "partition column \"" + column + "\" holds " + quoted(text) + ", not a partition number");
  return std::nullopt;
}

TOR_DECL std::optional<clock::time_point> outbox_mapper::time_of(const value& v) {
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

}  // namespace tor
