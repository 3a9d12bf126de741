// Lets the laws take models by value, reference or (smart) pointer.
#pragma once
#include <type_traits>

namespace tor::laws {
template <class T>
decltype(auto) deref(T& x) {
  if constexpr (requires { *x; } && !std::is_arithmetic_v<T>) return (*x);
  else return (x);
}
}  // namespace tor::laws
