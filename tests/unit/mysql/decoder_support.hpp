// What the row decoder's tests (row_decoder*_test.cpp) share: decoding a
// rows event against a table map, built with event_builder.hpp. Compiled
// once, in decoder_support.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <tor/core/event.hpp>
#include <tor/mysql/table_map.hpp>

#include "event_builder.hpp"

namespace tor::mysql::testing {

/// Bytes from hexadecimal text (as captured from a server).
bytes from_hex(std::string_view h);

/// The before and after images of a rows event's rows.
struct decoded {
  std::vector<tor::row_image> before, after;
};

/// Parses a rows event of `type` and decodes its rows against `t`.
decoded decode(const table_map& t, std::uint8_t type, const bytes& data);

/// Table map + one inserted row, from column specs and the row's encoded values.
tor::row_image insert_one(const table_map_spec& spec, const bytes& row, table_map* out = nullptr);

/// A null bitmap with no column null.
bytes no_nulls(std::size_t columns);

}  // namespace tor::mysql::testing
