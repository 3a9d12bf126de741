// Options described once, next to the struct that holds them. An options
// struct of the framework (router_options, the binlog source's, the Kafka
// dispatcher's, the Redis store's) keeps each default as its member's
// initializer, and right after the struct a description names each option's
// key, its member and one line of documentation:
//
//   struct retry_options {
//     std::chrono::milliseconds backoff{100};
//     int attempts = 3;
//   };
//   constexpr auto options_of(std::type_identity<retry_options>) {
//     using tor::options::opt;
//     return tor::options::describe(
//         opt("backoff", &retry_options::backoff, "First wait before a retry."),
//         opt("attempts", &retry_options::attempts, "Attempts before giving up."));
//   }
//
// Anything that reads, prints or documents options (the service's YAML and
// environment loader, `tor --print-config`, `tor --print-reference`) walks
// the description with Boost.Hana, so an option is declared once. The
// framework itself reads no file format: this header needs Hana's tuple and
// nothing else. Enums name their values the same way, with
// `option_names(std::type_identity<E>)`.
#pragma once

#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>

#include <array>
#include <concepts>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace tor::options {

/// What an option's C++ type does not say about how it is written.
enum flag : unsigned {
  none = 0,
  required = 1u << 0,  ///< must not be empty once loaded
  secret = 1u << 1,    ///< never printed; may be given as the content of a file instead
  bytes = 1u << 2,     ///< an integer count of bytes, written with units: 1048576, 512KiB, 64MiB
  list = 1u << 3,      ///< a string holding a comma-separated list, also written as a list
};

/// One option: its key, the member that holds it (and its default), one
/// line of documentation.
template <class Owner, class Member>
struct option {
  using owner_type = Owner;
  using value_type = Member;

  std::string_view key;
  Member Owner::*member;
  std::string_view doc;
  unsigned flags = none;

  [[nodiscard]] constexpr Member& of(Owner& o) const noexcept { return o.*member; }
  [[nodiscard]] constexpr const Member& of(const Owner& o) const noexcept { return o.*member; }
  [[nodiscard]] constexpr bool is(flag f) const noexcept { return (flags & f) != 0; }
};

template <class Owner, class Member>
constexpr option<Owner, Member> opt(std::string_view key, Member Owner::*member, std::string_view doc,
                                    unsigned flags = none) {
  return {key, member, doc, flags};
}

/// A struct's options in the order they are printed and documented.
template <class... Options>
constexpr auto describe(Options... o) {
  return boost::hana::make_tuple(o...);
}

/// T is described when `options_of(std::type_identity<T>)`, declared next to
/// T (found by argument-dependent lookup), returns its description.
template <class T>
concept described = requires { options_of(std::type_identity<T>{}); };

/// Calls `f` with each option of T, in order.
template <described T, class F>
constexpr void for_each_option(F&& f) {
  boost::hana::for_each(options_of(std::type_identity<T>{}), f);
}

/// E's values are named when `option_names(std::type_identity<E>)` returns
/// a std::array of (value, name) pairs.
template <class E>
concept named_enum = std::is_enum_v<E> && requires { option_names(std::type_identity<E>{}); };

template <named_enum E>
constexpr auto names_of() {
  return option_names(std::type_identity<E>{});
}

/// The name of `e`, or "?" for a value without one.
template <named_enum E>
constexpr std::string_view name_of(E e) {
  for (const auto& [value, name] : names_of<E>())
    if (value == e) return name;
  return "?";
}

/// Sets `out` to the value named `name`; false when no value has that name.
template <named_enum E>
constexpr bool value_of(std::string_view name, E& out) {
  for (const auto& [value, n] : names_of<E>())
    if (n == name) {
      out = value;
      return true;
    }
  return false;
}

/// T is written as one string when `parse_option(std::string_view, T&)`
/// (false when the text names no value), `format_option(const T&)` and
/// `option_syntax(std::type_identity<T>)` (what a value looks like, for
/// messages) are declared next to T.
template <class T>
concept text_option = requires(std::string_view text, T& out, const T& in) {
  { parse_option(text, out) } -> std::same_as<bool>;
  { format_option(in) } -> std::convertible_to<std::string>;
  { option_syntax(std::type_identity<T>{}) } -> std::convertible_to<std::string_view>;
};

template <class E, std::size_t N>
using enum_names = std::array<std::pair<E, std::string_view>, N>;

}  // namespace tor::options
