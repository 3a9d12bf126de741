// MySQL's binary JSON (the JSON column type of MySQL 5.7+) -> JSON text, in
// the layout MySQL itself prints (`{"a": 1, "b": [true, null]}`). MariaDB
// stores JSON as text and never reaches this code.
//
// The binary form is a tree of objects and arrays whose entries hold small
// scalars inline and everything else by offset from the start of their
// container. Offsets are checked against the container, nesting is limited
// to MySQL's own maximum, and the output is capped relative to the input so
// a corrupt document whose offsets share sub-trees cannot blow up.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include <tor/core/detail/config.hpp>

namespace tor::mysql::detail {

/// MySQL binary JSON -> JSON text. Throws tor::error on a corrupt document.
TOR_DECL std::string json_binary_to_text(std::span<const std::uint8_t> doc);

}  // namespace tor::mysql::detail

#ifdef TOR_HEADER_ONLY
#include <tor/mysql/detail/impl/json_binary.ipp>
#endif
