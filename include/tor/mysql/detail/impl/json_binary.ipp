// Definitions for tor/mysql/detail/json_binary.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <tor/mysql/detail/bytes.hpp>
#include <tor/mysql/detail/decimal.hpp>
#include <tor/mysql/detail/json_binary.hpp>

namespace tor::mysql::detail {

class json_binary_printer {
 public:
  explicit json_binary_printer(std::span<const std::uint8_t> doc) : doc_(doc) {
    budget_ = doc.size() * 16 + 1024;
  }

  std::string print() {
    // MySQL writes an empty document for a JSON NULL written into a NOT NULL
    // column under a lax sql_mode; print it as JSON null.
    if (doc_.empty()) return "null";
    value(doc_[0], 1, doc_.size() - 1, 0);
    return std::move(out_);
  }

 private:
  enum : std::uint8_t {
    small_object = 0, large_object, small_array, large_array, literal, int16, uint16, int32, uint32, int64, uint64,
    dbl, string, opaque = 15
  };
  static constexpr unsigned max_depth = 100;

  [[noreturn]] static void corrupt(const std::string& why) { fail("corrupt MySQL binary JSON: " + why); }

  void emit(std::string_view s) {
    if (out_.size() + s.size() > budget_) corrupt("text grows far beyond the document size (shared or looping offsets)");
    out_.append(s);
  }
  void emit(char c) { emit(std::string_view(&c, 1)); }

  std::uint64_t le(std::size_t at, std::size_t n) const {
    if (at > doc_.size() || n > doc_.size() - at) corrupt("value at offset " + std::to_string(at) + " runs past the end");
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(doc_[at + i]) << (8 * i);
    return v;
  }

  // Prints the value of type `t` stored at doc_[at, at + size).
  void value(std::uint8_t t, std::size_t at, std::size_t size, unsigned depth) {
    switch (t) {
      case small_object: return container(at, size, false, true, depth);
      case large_object: return container(at, size, true, true, depth);
      case small_array: return container(at, size, false, false, depth);
      case large_array: return container(at, size, true, false, depth);
      case literal:
        switch (le(at, 1)) {
          case 0: return emit("null");
          case 1: return emit("true");
          case 2: return emit("false");
          default: corrupt("unknown literal " + std::to_string(le(at, 1)));
        }
      case int16: return number(static_cast<std::int16_t>(le(at, 2)));
      case uint16: return number(static_cast<std::uint16_t>(le(at, 2)));
      case int32: return number(static_cast<std::int32_t>(le(at, 4)));
      case uint32: return number(static_cast<std::uint32_t>(le(at, 4)));
      case int64: return number(static_cast<std::int64_t>(le(at, 8)));
      case uint64: return number(le(at, 8));
      case dbl: {
        const auto bits = le(at, 8);
        double d;
        std::memcpy(&d, &bits, 8);
        return real(d);
      }
      case string: {
        std::size_t n = 0;
        const auto start = varlen(at, n, size);
        return quoted(text(start, n));
      }
      case opaque: return opaque_value(at, size);
      default: corrupt("unknown value type " + std::to_string(t));
    }
  }

  std::string_view text(std::size_t at, std::size_t n) const {
    if (at > doc_.size() || n > doc_.size() - at) corrupt("string at offset " + std::to_string(at) + " runs past the end");
    return {reinterpret_cast<const char*>(doc_.data() + at), n};
  }

  // Variable-length length: 7 bits per byte, low first, at most 5 bytes.
  std::size_t varlen(std::size_t at, std::size_t& n, std::size_t size) const {
    std::uint64_t len = 0;
    for (unsigned i = 0; i < 5; ++i) {
      if (i >= size) break;
      const auto b = le(at + i, 1);
      len |= (b & 0x7f) << (7 * i);
      if (!(b & 0x80)) {
        if (len > 0xffffffffu) break;
        n = static_cast<std::size_t>(len);
        return at + i + 1;
      }
    }
    corrupt("bad string length at offset " + std::to_string(at));
  }

  void container(std::size_t at, std::size_t size, bool large, bool object, unsigned depth) {
    if (depth >= max_depth) corrupt("nested deeper than " + std::to_string(max_depth) + " levels");
    const std::size_t w = large ? 4 : 2;
    if (size < 2 * w) corrupt("container header runs past the end");
    const auto count = static_cast<std::size_t>(le(at, w));
    const auto bytes = static_cast<std::size_t>(le(at + w, w));
    if (bytes > size) corrupt("container claims " + std::to_string(bytes) + " bytes, only " + std::to_string(size) + " left");
    const std::size_t key_entry = w + 2;
    const std::size_t value_entry = 1 + w;
    const std::size_t header = 2 * w + count * (value_entry + (object ? key_entry : 0));
    if (count > bytes || header > bytes) corrupt("container header larger than the container");
    emit(object ? '{' : '[');
    for (std::size_t i = 0; i < count; ++i) {
      if (i) emit(", ");
      if (object) {
        const auto ke = at + 2 * w + i * key_entry;
        const auto key_off = static_cast<std::size_t>(le(ke, w));
        const auto key_len = static_cast<std::size_t>(le(ke + w, 2));
        if (key_off < header || key_off > bytes || key_len > bytes - key_off) corrupt("key outside its object");
        quoted(text(at + key_off, key_len));
        emit(": ");
      }
      const auto ve = at + 2 * w + count * (object ? key_entry : 0) + i * value_entry;
      const auto t = static_cast<std::uint8_t>(le(ve, 1));
      const bool inline_value = t == literal || t == int16 || t == uint16 || (large && (t == int32 || t == uint32));
      if (inline_value) {
        value(t, ve + 1, w, depth + 1);
      } else {
        const auto off = static_cast<std::size_t>(le(ve + 1, w));
        if (off < header || off >= bytes) corrupt("value outside its container");
        value(t, at + off, bytes - off, depth + 1);
      }
    }
    emit(object ? '}' : ']');
  }

  template <class Int>
  void number(Int v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    emit(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
  }

  void real(double d) {
    char buf[40];
    const auto r = std::to_chars(buf, buf + sizeof buf, d);
    std::string s(buf, r.ptr);
    // MySQL prints 1e300 (no '+') and keeps a ".0" on whole numbers.
    if (const auto e = s.find("e+"); e != std::string::npos) s.erase(e + 1, 1);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    emit(s);
  }

  void quoted(std::string_view s) {
    emit('"');
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      const char* esc = nullptr;
      char u[7];
      switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
          if (c < 0x20) {
            constexpr char hexd[] = "0123456789abcdef";
            u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0'; u[4] = hexd[c >> 4]; u[5] = hexd[c & 15]; u[6] = 0;
            esc = u;
          }
      }
      if (esc) {
        emit(s.substr(run, i - run));
        emit(esc);
        run = i + 1;
      }
    }
    emit(s.substr(run));
    emit('"');
  }

  void opaque_value(std::size_t at, std::size_t size) {
    if (size < 1) corrupt("opaque value without a type");
    const auto field_type = static_cast<std::uint8_t>(le(at, 1));
    std::size_t n = 0;
    const auto start = varlen(at + 1, n, size - 1);
    const auto data = text(start, n);
    byte_reader r(as_bytes(data));
    try {
      switch (field_type) {
        case 246: {  // NEWDECIMAL: precision, scale, binary decimal
          const unsigned precision = r.u8();
          const unsigned scale = r.u8();
          if (!valid_decimal(precision, scale)) corrupt("bad DECIMAL shape in opaque value");
          return emit(read_decimal(r, precision, scale));
        }
        case 10:   // DATE
        case 11:   // TIME
        case 12:   // DATETIME
        case 7:    // TIMESTAMP
        case 14: { // NEWDATE
          if (n != 8) corrupt("temporal opaque value is not 8 bytes");
          return emit(packed_temporal(static_cast<std::int64_t>(r.u64()), field_type));
        }
        default: break;
      }
    } catch (const truncated&) {
      corrupt("opaque value of type " + std::to_string(field_type) + " is too short");
    }
    // Anything else is printed the way MySQL does: "base64:typeNN:<data>".
    emit("\"base64:type" + std::to_string(field_type) + ':');
    base64(data);
    emit('"');
  }

  static std::string packed_temporal(std::int64_t packed, std::uint8_t field_type) {
    const bool negative = packed < 0;
    // The magnitude, unsigned: a corrupt value may be INT64_MIN, whose
    // negation does not fit an int64.
    const std::uint64_t v = negative ? 0 - static_cast<std::uint64_t>(packed) : static_cast<std::uint64_t>(packed);
    const auto intpart = v >> 24;
    const auto frac = static_cast<unsigned>(v & 0xffffff);
    char buf[64];
    if (field_type == 11) {
      const auto hms = intpart;
      std::snprintf(buf, sizeof buf, "\"%s%02u:%02u:%02u.%06u\"", negative ? "-" : "",
                    static_cast<unsigned>((hms >> 12) & 0x3ff), static_cast<unsigned>((hms >> 6) & 63),
                    static_cast<unsigned>(hms & 63), frac % 1000000u);
      return buf;
    }
    const auto ymd = intpart >> 17;
    const auto ym = ymd >> 5;
    const auto hms = intpart & 0x1ffff;
    if (field_type == 10 || field_type == 14) {
      std::snprintf(buf, sizeof buf, "\"%04u-%02u-%02u\"", static_cast<unsigned>(ym / 13 % 10000),
                    static_cast<unsigned>(ym % 13), static_cast<unsigned>(ymd & 31));
      return buf;
    }
    std::snprintf(buf, sizeof buf, "\"%04u-%02u-%02u %02u:%02u:%02u.%06u\"", static_cast<unsigned>(ym / 13 % 10000),
                  static_cast<unsigned>(ym % 13), static_cast<unsigned>(ymd & 31), static_cast<unsigned>(hms >> 12),
                  static_cast<unsigned>((hms >> 6) & 63), static_cast<unsigned>(hms & 63), frac % 1000000u);
    return buf;
  }

  void base64(std::string_view data) {
    constexpr char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string s;
    s.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
      const auto n = (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8) |
                     static_cast<unsigned char>(data[i + 2]);
      s += a[(n >> 18) & 63]; s += a[(n >> 12) & 63]; s += a[(n >> 6) & 63]; s += a[n & 63];
    }
    if (i + 1 == data.size()) {
      const auto n = static_cast<unsigned char>(data[i]) << 16;
      s += a[(n >> 18) & 63]; s += a[(n >> 12) & 63]; s += "==";
    } else if (i + 2 == data.size()) {
      const auto n = (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8);
      s += a[(n >> 18) & 63]; s += a[(n >> 12) & 63]; s += a[(n >> 6) & 63]; s += '=';
    }
    emit(s);
  }

  std::span<const std::uint8_t> doc_;
  std::string out_;
  std::size_t budget_;
};

TOR_DECL std::string json_binary_to_text(std::span<const std::uint8_t> doc) { return json_binary_printer(doc).print(); }

}  // namespace tor::mysql::detail
