// An immutable string whose copies share one buffer: what a name repeated
// in every event or message is stored as (the binlog file name of each row
// and checkpoint, a message's topic). Copying one costs an atomic increment,
// not an allocation and a copy, so a name read once per binlog file or per
// route is not copied again per row. It reads like a std::string_view:
// compare it with any string, pass it where a view is taken, and make a
// std::string of it with `std::string(s)` when one is needed.
#pragma once

#include <atomic>
#include <compare>
#include <cstddef>
#include <cstring>
#include <functional>
#include <new>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace tor {

class shared_string {
 public:
  shared_string() noexcept = default;
  shared_string(std::string_view text) : rep_(make(text)) {}  // NOLINT: implicit, as std::string's
  shared_string(const std::string& text) : rep_(make(text)) {}  // NOLINT
  shared_string(const char* text) : rep_(make(text)) {}  // NOLINT

  shared_string(const shared_string& o) noexcept : rep_(o.rep_) { retain(); }
  shared_string(shared_string&& o) noexcept : rep_(std::exchange(o.rep_, nullptr)) {}
  shared_string& operator=(const shared_string& o) noexcept {
    if (rep_ != o.rep_) shared_string(o).swap(*this);
    return *this;
  }
  shared_string& operator=(shared_string&& o) noexcept {
    shared_string(std::move(o)).swap(*this);
    return *this;
  }
  ~shared_string() { drop(); }

  void swap(shared_string& o) noexcept { std::swap(rep_, o.rep_); }

  [[nodiscard]] const char* data() const noexcept { return rep_ ? rep_->text() : ""; }
  /// Null-terminated, for C APIs.
  [[nodiscard]] const char* c_str() const noexcept { return data(); }
  [[nodiscard]] std::size_t size() const noexcept { return rep_ ? rep_->size : 0; }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  [[nodiscard]] std::string_view view() const noexcept { return {data(), size()}; }
  operator std::string_view() const noexcept { return view(); }  // NOLINT: reads as a view
  [[nodiscard]] const char* begin() const noexcept { return data(); }
  [[nodiscard]] const char* end() const noexcept { return data() + size(); }
  /// True when both share one buffer (then they are equal without comparing bytes).
  [[nodiscard]] bool shares_with(const shared_string& o) const noexcept { return rep_ == o.rep_; }

  friend bool operator==(const shared_string& a, const shared_string& b) noexcept {
    return a.rep_ == b.rep_ || a.view() == b.view();
  }
  friend bool operator==(const shared_string& a, std::string_view b) noexcept { return a.view() == b; }
  friend bool operator==(const shared_string& a, const std::string& b) noexcept { return a.view() == b; }
  friend bool operator==(const shared_string& a, const char* b) noexcept { return a.view() == b; }
  friend std::strong_ordering operator<=>(const shared_string& a, const shared_string& b) noexcept {
    return a.view().compare(b.view()) <=> 0;
  }
  friend std::strong_ordering operator<=>(const shared_string& a, std::string_view b) noexcept {
    return a.view().compare(b) <=> 0;
  }

  friend std::string operator+(const shared_string& a, std::string_view b) { return concat(a.view(), b); }
  friend std::string operator+(std::string_view a, const shared_string& b) { return concat(a, b.view()); }
  friend std::string operator+(const shared_string& a, const std::string& b) { return concat(a.view(), b); }
  friend std::string operator+(const std::string& a, const shared_string& b) { return concat(a, b.view()); }
  friend std::string operator+(std::string&& a, const shared_string& b) { return std::move(a.append(b.view())); }
  friend std::string operator+(const shared_string& a, const char* b) { return concat(a.view(), b); }
  friend std::string operator+(const char* a, const shared_string& b) { return concat(a, b.view()); }
  friend std::string operator+(const shared_string& a, char b) { return concat(a.view(), std::string_view(&b, 1)); }

  friend std::ostream& operator<<(std::ostream& os, const shared_string& s) { return os << s.view(); }

 private:
  struct rep {
    std::atomic<std::size_t> refs{1};
    std::size_t size = 0;
    [[nodiscard]] char* text() noexcept { return reinterpret_cast<char*>(this + 1); }
  };

  static rep* make(std::string_view text) {
    if (text.empty()) return nullptr;
    void* p = ::operator new(sizeof(rep) + text.size() + 1);
    rep* r = ::new (p) rep;
    r->size = text.size();
    std::memcpy(r->text(), text.data(), text.size());
    r->text()[text.size()] = '\0';
    return r;
  }
  void retain() const noexcept {
    if (rep_) rep_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void drop() noexcept {
    if (rep_ && rep_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      rep_->~rep();
      ::operator delete(rep_);
    }
    rep_ = nullptr;
  }
  static std::string concat(std::string_view a, std::string_view b) {
    std::string s;
    s.reserve(a.size() + b.size());
    return std::move(s.append(a).append(b));
  }

  rep* rep_ = nullptr;
};

}  // namespace tor

template <>
struct std::hash<tor::shared_string> {
  std::size_t operator()(const tor::shared_string& s) const noexcept { return std::hash<std::string_view>{}(s.view()); }
};
