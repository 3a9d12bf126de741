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

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <tor/core/detail/config.hpp>
#include <tor/core/error.hpp>
#include <tor/core/event.hpp>
#include <tor/core/message.hpp>
#include <tor/core/options.hpp>
#include <tor/mappers/outbox_config.hpp>

namespace tor {

class outbox_mapper {
 public:
  TOR_DECL explicit outbox_mapper(outbox_config config);
  TOR_DECL ~outbox_mapper();
  outbox_mapper(const outbox_mapper&) = default;
  outbox_mapper(outbox_mapper&&) = default;
  outbox_mapper& operator=(const outbox_mapper&) = default;
  outbox_mapper& operator=(outbox_mapper&&) = default;

  [[nodiscard]] const outbox_config& config() const noexcept { return cfg_; }

  /// Topics this mapper can route to without seeing data (the routes'
  /// topics); with a template the topics depend on the rows.
  [[nodiscard]] TOR_DECL std::vector<std::string> static_topics() const;

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
  TOR_DECL void produce(const row_change& row, row_image* owned, const transaction_info& tx, std::vector<message>& out);

  // A value's text, moved out of it when it holds a string (to_text otherwise).
  TOR_DECL static std::string take_text(value& v);

  TOR_DECL const columns* resolve(const row_change& row);

  // A column's text as an error or warning quotes it: in quotes when it is
  // printable UTF-8, else as hex, so a log line stays valid text (and JSON)
  // whatever bytes a binary column holds; long values are cut short.
  TOR_DECL static std::string quoted(std::string_view text);

  TOR_DECL static std::string where(const row_change& row);
  // "OFFSET/ROW" into `buf`, returning its length: formatted without a
  // string, as this runs for every message.
  static constexpr std::size_t offset_and_row_size = 48;
  TOR_DECL static std::size_t offset_and_row(const row_change& row, char (&buf)[offset_and_row_size]);
  TOR_DECL static std::string coordinates(const row_change& row);

  // The column's value, or nullptr after reporting it missing (fail throws; skip warns).
  TOR_DECL const value* required(const row_change& row, const row_image& img, const std::optional<std::size_t>& idx,
                                 const std::string& column);

  TOR_DECL void invalid(const row_change& row, const std::string& what);

  // The topics a route-by value goes to (in route order), or nullptr to skip the row.
  TOR_DECL const std::vector<shared_string>* route_topics(std::string_view by_view, const row_change& row);

  TOR_DECL std::optional<std::int32_t> partition_number(const value& v, const row_change& row,
                                                        const std::string& column);

  TOR_DECL static std::optional<clock::time_point> time_of(const value& v);

  // A pointer into this mapper's own caches that remembers the last lookup.
  // A copy or a move of the mapper starts without it, and the moved-from
  // mapper forgets its own, so no mapper points into another's caches.
  template <class T>
  class cache_hint {
   public:
    cache_hint() = default;
    cache_hint(const cache_hint&) noexcept {}
    cache_hint(cache_hint&& other) noexcept { other.p_ = nullptr; }
    cache_hint& operator=(const cache_hint&) noexcept {
      p_ = nullptr;
      return *this;
    }
    cache_hint& operator=(cache_hint&& other) noexcept {
      p_ = other.p_ = nullptr;
      return *this;
    }
    cache_hint& operator=(T* p) noexcept {
      p_ = p;
      return *this;
    }
    operator T*() const noexcept { return p_; }
    T* operator->() const noexcept { return p_; }

   private:
    T* p_ = nullptr;
  };

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
  cache_hint<const table_info> last_table_;
  cache_hint<const columns> last_;
  // Transparent hashing: look up by string_view without building a string.
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::vector<shared_string>, text_hash, std::equal_to<>> topic_cache_;
  cache_hint<const std::pair<const std::string, std::vector<shared_string>>> last_route_;  // in topic_cache_
};

}  // namespace tor

#ifdef TOR_HEADER_ONLY
#include <tor/mappers/impl/outbox.ipp>
#endif
