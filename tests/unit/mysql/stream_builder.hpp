// What the change decoder's tests (change_decoder*_test.cpp) share: a binlog
// stream built event by event, tracking positions like a server, and the
// outbox table's events. Compiled once, in decoder_support.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <tor/mysql/change_decoder.hpp>

#include "event_builder.hpp"

namespace tor::mysql::testing {

bytes operator+(bytes a, const bytes& b);

/// Builds a binlog stream event by event, tracking positions like a server.
struct stream {
  bool checksums = true;
  std::string file = "binlog.000001";
  std::uint32_t pos = 4;
  std::vector<bytes> events;

  bytes add(std::uint8_t type, const bytes& data, std::uint16_t flags = 0);
  void format(std::string_view version);
  void rotate_to(std::string_view name, bool artificial);
  void query(std::string_view sql, std::string_view schema = "shop");
  void xid(std::uint64_t x = 1);
  void mariadb_gtid(std::uint64_t seq, std::uint8_t flags = mariadb_gtid_event::transactional);
  void mysql_gtid(std::uint64_t gno, bool anonymous = false);
  void table_map(const table_map_spec& spec);
  void insert(std::uint64_t table_id, std::size_t columns, const bytes& rows, int version = 1);
};

/// The outbox table's map: id BIGINT NOT NULL, payload VARCHAR(64).
table_map_spec outbox(std::uint64_t id = 42, std::string table = "outbox");

/// One outbox row.
bytes row(std::int64_t id, std::string_view payload);

struct collected {
  std::vector<tor::change_event> events;
  std::string shape() const;  // B begin, R row, C commit, H heartbeat
  template <class T>
  std::vector<const T*> all() const {
    std::vector<const T*> out;
    for (const auto& e : events)
      if (auto* p = std::get_if<T>(&e)) out.push_back(p);
    return out;
  }
};

/// Feeds the whole stream to the decoder.
collected run(change_decoder& d, const stream& s);

/// Options that capture only `table`.
change_decoder_options only(std::string table);

}  // namespace tor::mysql::testing
