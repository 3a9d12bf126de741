// A position in the binary log: a file name and a byte offset in it. This is
// the coordinate every server flavour understands, and the one carried in
// message headers so consumers can deduplicate. The file name is a
// shared_string: every event and checkpoint of one binlog file shares it.
#pragma once

#include <charconv>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include <tor/core/error.hpp>
#include <tor/core/shared_string.hpp>

namespace tor {

struct binlog_position {
  shared_string file;
  std::uint64_t offset = 0;

  [[nodiscard]] bool empty() const noexcept { return file.empty(); }

  /// "mysql-bin.000003:1234"
  [[nodiscard]] std::string to_string() const { return file + ':' + std::to_string(offset); }

  /// Parses "file:offset". Throws tor::error quoting the text when it is malformed
  /// (no colon, empty file name, negative or non-numeric offset).
  static binlog_position parse(std::string_view text) {
    auto bad = [&](const char* why) {
      return error(error_kind::invalid_argument,
                   "invalid binlog position \"" + std::string(text) + "\": " + why +
                       " (expected FILE:OFFSET, e.g. mysql-bin.000003:1234)");
    };
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) throw bad("missing ':'");
    const auto file = text.substr(0, colon);
    const auto num = text.substr(colon + 1);
    if (file.empty()) throw bad("empty file name");
    if (!num.empty() && num.front() == '-') throw bad("negative offset");
    std::uint64_t offset = 0;
    const auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), offset);
    if (num.empty() || ec != std::errc{} || end != num.data() + num.size()) throw bad("offset is not a number");
    return {shared_string(file), offset};
  }

  /// Orders positions in the log: by file sequence number (the numeric
  /// extension, so mysql-bin.999999 < mysql-bin.1000000), then offset.
  friend std::strong_ordering operator<=>(const binlog_position& a, const binlog_position& b) {
    if (a.file != b.file) {
      const auto seq = [](std::string_view f) -> std::uint64_t {
        const auto dot = f.rfind('.');
        std::uint64_t n = 0;
        if (dot != std::string_view::npos) std::from_chars(f.data() + dot + 1, f.data() + f.size(), n);
        return n;
      };
      if (auto c = seq(a.file) <=> seq(b.file); c != 0) return c;
      if (auto c = a.file.size() <=> b.file.size(); c != 0) return c;
      return a.file.view().compare(b.file.view()) <=> 0;
    }
    return a.offset <=> b.offset;
  }
  friend bool operator==(const binlog_position&, const binlog_position&) = default;
};

}  // namespace tor
