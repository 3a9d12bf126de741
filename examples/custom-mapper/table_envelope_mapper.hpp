// A user's own mapper policy: every row of the captured tables becomes one
// message on a topic named after its table, keyed by its first column, with a
// small JSON envelope {"op":..,"table":..,"after":{..}}. Composed with Tor's
// ready stages: a table filter before it and a static header after it.
#pragma once

#include <string>
#include <vector>

#include <tor/tor.hpp>

namespace example {

// Minimal JSON string escaping for the envelope.
inline void append_json_string(std::string& out, const std::string& s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

struct table_envelope_mapper {
  std::string topic_prefix = "cdc.";

  void map(const tor::row_change& row, const tor::transaction_info&, std::vector<tor::message>& out) const {
    const tor::row_image& image = row.image();
    std::string json = "{\"op\":\"" + std::string(tor::to_string(row.op)) + "\",\"table\":";
    append_json_string(json, row.table_name());
    json += ",\"row\":{";
    for (std::size_t i = 0; i < row.table->columns.size(); ++i) {
      if (!image.has(i)) continue;
      if (json.back() != '{') json += ',';
      append_json_string(json, row.table->columns[i]);
      json += ':';
      if (tor::is_null(image.values[i])) {
        json += "null";
      } else {
        append_json_string(json, tor::to_text(image.values[i]));
      }
    }
    json += "}}";

    tor::message m;
    m.topic = topic_prefix + row.table->table;
    m.key = image.has(0) ? tor::to_text(image.values[0]) : std::string();
    m.value = std::move(json);
    m.headers.push_back({"tor.binlog.pos", row.position.to_string() + '/' + std::to_string(row.row_index)});
    out.push_back(std::move(m));
  }
};

/// The full mapper: only the shop's tables, the envelope, and a source header.
inline auto make_shop_mapper() {
  return tor::compose(tor::table_filter({"shop\\.(orders|customers)"}), table_envelope_mapper{},
                      tor::static_headers{{{"source", "shop-db"}}});
}

}  // namespace example
