// The typical outbox row the benchmarks decode: CHAR(36) id, VARCHAR type,
// VARCHAR key, a 256-byte payload (MariaDB JSON, i.e. LONGTEXT) and a
// TIMESTAMP(6), all utf8mb4, as MariaDB logs them with FULL metadata.
#pragma once

#include <string>

#include "unit/mysql/event_builder.hpp"

namespace tor::mysql::bench {

using namespace tor::mysql::testing;

inline table_map_spec outbox_table() {
  table_map_spec spec;
  spec.schema = "shop";
  spec.table = "outbox";
  spec.columns = {{254, {0xfe, 0x90}, false},   // id CHAR(36)
                  {15, {0xfc, 0x03}, false},    // aggregatetype VARCHAR(255)
                  {15, {0xfc, 0x03}, false},    // aggregateid VARCHAR(255)
                  {252, {4}, false},            // payload LONGTEXT (JSON)
                  {17, {6}, false}};            // created_at TIMESTAMP(6)
  spec.optional = column_charset_tlv({45, 45, 45, 46});
  const auto names = names_tlv({"id", "aggregatetype", "aggregateid", "payload", "created_at"});
  spec.optional.insert(spec.optional.end(), names.begin(), names.end());
  return spec;
}

/// One encoded row image with distinct values for row `i`.
inline void append_outbox_row(writer& w, int i) {
  char id[40];
  std::snprintf(id, sizeof id, "%08x-0000-4000-8000-%012x", static_cast<unsigned>(i), static_cast<unsigned>(i * 7));
  const std::string key = "order-" + std::to_string(i);
  std::string payload = R"({"orderId":)" + std::to_string(i) + R"(,"status":"created","items":[)";
  while (payload.size() < 254) payload += "1,";
  payload.resize(254);
  payload += "]}";
  w.u8(0);
  w.u8(36).raw(std::string_view(id, 36));
  w.le(5, 2).raw("Order");
  w.le(key.size(), 2).raw(key);
  w.le(payload.size(), 4).raw(payload);
  w.raw(encode_timestamp2(1706702400u + static_cast<unsigned>(i), 123456, 6));
}

}  // namespace tor::mysql::bench
