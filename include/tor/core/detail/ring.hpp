// A growable ring buffer: a FIFO with indexed access whose slots are reused,
// so a steady flow of push_back/pop_front allocates nothing. std::deque
// allocates a block per element for elements as large as a transaction record.
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace tor::detail {

template <class T>
class ring {
 public:
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  /// Slots allocated (a power of two, or 0): what the ring takes is this many
  /// elements, whatever its size now, since slots are reused, never freed.
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }

  T& push_back(T value) {
    T& slot = emplace_back();
    slot = std::move(value);
    return slot;
  }
  /// Appends a default-constructed element and returns it. Free slots are
  /// kept default-constructed, so this constructs nothing: fill the fields
  /// in place instead of moving a temporary in.
  T& emplace_back() {
    if (size_ == slots_.size()) grow();
    ++size_;
    return back();
  }
  /// Resets the front slot (so it releases what it holds) and drops it.
  void pop_front() {
    T& slot = slots_[head_];
    if constexpr (std::is_nothrow_default_constructible_v<T>) {
      std::destroy_at(&slot);  // cheaper than assigning a temporary: nothing is moved, one destructor runs
      std::construct_at(&slot);
    } else {
      slot = T{};
    }
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
  }
  T& front() noexcept { return slots_[head_]; }
  T& back() noexcept { return (*this)[size_ - 1]; }
  T& operator[](std::size_t i) noexcept { return slots_[(head_ + i) & (slots_.size() - 1)]; }
  const T& operator[](std::size_t i) const noexcept { return slots_[(head_ + i) & (slots_.size() - 1)]; }

 private:
  void grow() {
    std::vector<T> bigger(slots_.empty() ? 16 : slots_.size() * 2);  // a power of two, for the masks
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = std::move((*this)[i]);
    slots_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace tor::detail
