// Bounds-checked reads of the little- and big-endian integers the binary log
// is made of. Every parser in tor/mysql reads through `byte_reader`, so a
// short or corrupt event can never read past its buffer: a read beyond the
// end throws `detail::truncated`, which the public parsers turn into a
// tor::error naming the event, table and column being read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include <tor/core/error.hpp>

namespace tor::mysql::detail {

/// Thrown by byte_reader on a read past the end; never escapes the public API.
struct truncated {
  std::size_t offset;  ///< where the read started, from the reader's first byte
  std::size_t needed;
  std::size_t left;
};

[[noreturn]] inline void fail(const std::string& what) { throw tor::error(tor::error_kind::source, what); }

[[nodiscard]] inline std::string describe(const truncated& t) {
  return "data ends early: needed " + std::to_string(t.needed) + " byte(s) at offset " + std::to_string(t.offset) +
         ", only " + std::to_string(t.left) + " left";
}

class byte_reader {
 public:
  byte_reader() = default;
  byte_reader(const std::uint8_t* data, std::size_t size) noexcept : begin_(data), p_(data), end_(data + size) {}
  explicit byte_reader(std::span<const std::uint8_t> s) noexcept : byte_reader(s.data(), s.size()) {}

  [[nodiscard]] std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  [[nodiscard]] std::size_t offset() const noexcept { return static_cast<std::size_t>(p_ - begin_); }
  [[nodiscard]] bool empty() const noexcept { return p_ == end_; }
  [[nodiscard]] const std::uint8_t* current() const noexcept { return p_; }
  [[nodiscard]] std::span<const std::uint8_t> rest() const noexcept { return {p_, remaining()}; }

  void need(std::size_t n) const {
    if (n > remaining()) [[unlikely]]
      short_read(n);
  }
  void skip(std::size_t n) {
    need(n);
    p_ += n;
  }
  std::span<const std::uint8_t> bytes(std::size_t n) {
    need(n);
    const auto* at = p_;
    p_ += n;
    return {at, n};
  }
  std::string_view text(std::size_t n) {
    const auto b = bytes(n);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }

  std::uint8_t u8() {
    need(1);
    return *p_++;
  }
  /// Little-endian unsigned integer of n bytes (1..8).
  std::uint64_t le(std::size_t n) {
    if (n > 8) [[unlikely]]
      fail("a " + std::to_string(n) + "-byte integer is wider than 64 bits");
    need(n);
    std::uint64_t v = 0;
    if (remaining() >= 8) {  // one unaligned load, masked: no loop on the hot path
      std::memcpy(&v, p_, 8);
      if (n < 8) v &= (std::uint64_t{1} << (8 * n)) - 1;
    } else {
      for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(p_[i]) << (8 * i);
    }
    p_ += n;
    return v;
  }
  /// Big-endian unsigned integer of n bytes (1..8).
  std::uint64_t be(std::size_t n) {
    if (n > 8) [[unlikely]]
      fail("a " + std::to_string(n) + "-byte integer is wider than 64 bits");
    need(n);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p_[i];
    p_ += n;
    return v;
  }
  std::uint16_t u16() { return static_cast<std::uint16_t>(le(2)); }
  std::uint32_t u24() { return static_cast<std::uint32_t>(le(3)); }
  std::uint32_t u32() {
    need(4);
    std::uint32_t v;
    std::memcpy(&v, p_, 4);  // the binlog is little-endian, like every platform Tor builds for
    p_ += 4;
    return v;
  }
  std::uint64_t u48() { return le(6); }
  std::uint64_t u64() {
    need(8);
    std::uint64_t v;
    std::memcpy(&v, p_, 8);
    p_ += 8;
    return v;
  }

  /// The protocol's length-encoded integer. 0xfb (NULL) and 0xff are not
  /// valid here and are reported as corrupt data.
  std::uint64_t lenenc() {
    const auto first = u8();
    if (first < 0xfb) return first;
    switch (first) {
      case 0xfc: return le(2);
      case 0xfd: return le(3);
      case 0xfe: return le(8);
      default: fail("corrupt length-encoded integer (first byte 0x" + hex(first) + ") at offset " +
                    std::to_string(offset() - 1));
    }
  }
  /// A length-encoded string.
  std::string_view lenenc_text() {
    const auto n = lenenc();
    if (n > remaining()) throw truncated{offset(), static_cast<std::size_t>(n < SIZE_MAX ? n : SIZE_MAX), remaining()};
    return text(static_cast<std::size_t>(n));
  }

  [[noreturn, gnu::cold, gnu::noinline]] void short_read(std::size_t n) const {
    throw truncated{offset(), n, remaining()};
  }

  static std::string hex(std::uint8_t b) {
    constexpr char digits[] = "0123456789abcdef";
    return {digits[b >> 4], digits[b & 15]};
  }

 private:
  const std::uint8_t* begin_ = nullptr;
  const std::uint8_t* p_ = nullptr;
  const std::uint8_t* end_ = nullptr;
};

/// Bit i of a little-endian-ordered bitmap (bit 0 is the low bit of byte 0),
/// the order of the row events' column and NULL bitmaps.
[[nodiscard]] inline bool bit(const std::uint8_t* bitmap, std::size_t i) noexcept {
  return (bitmap[i >> 3] >> (i & 7)) & 1u;
}

inline std::span<const std::uint8_t> as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace tor::mysql::detail
