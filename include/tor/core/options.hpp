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
//
// Where a file's layout is flatter than the struct, an option can name a
// member of a part: `opt("create_topics", &config::topics,
// &topic_options::create_missing, "...")`. Members a program sets in code
// (callbacks, handles, what another setting decides) are listed by
// `set_in_code(std::type_identity<T>)`. Then
//
//   static_assert(tor::options::every_member_described<retry_options>());
//
// fails to compile when a member is in neither list, so a new member cannot
// go undocumented. The framework's own structs are checked this way in one
// test file (tests/unit/core/options_test.cpp), not next to each
// description: the check is template work that every file including the
// header would otherwise repeat.
#pragma once

#include <boost/hana/concat.hpp>
#include <boost/hana/filter.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/transform.hpp>
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

/// An option held by a member of a part of Owner (`owner.*part.*member`),
/// for a file layout flatter than the struct. Same interface as `option`.
template <class Owner, class Part, class Member>
struct part_option {
  using owner_type = Owner;
  using part_type = Part;
  using value_type = Member;

  std::string_view key;
  Part Owner::*part;
  Member Part::*member;
  std::string_view doc;
  unsigned flags = none;

  [[nodiscard]] constexpr Member& of(Owner& o) const noexcept { return (o.*part).*member; }
  [[nodiscard]] constexpr const Member& of(const Owner& o) const noexcept { return (o.*part).*member; }
  [[nodiscard]] constexpr bool is(flag f) const noexcept { return (flags & f) != 0; }
};

template <class Owner, class Part, class Member>
constexpr part_option<Owner, Part, Member> opt(std::string_view key, Part Owner::*part, Member Part::*member,
                                               std::string_view doc, unsigned flags = none) {
  return {key, part, member, doc, flags};
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

/// The members of a struct that a program sets in code, never a
/// configuration file: `set_in_code(std::type_identity<T>)`, declared next
/// to T, returns `tor::options::members(&T::callback, ...)`.
template <class... Members>
constexpr auto members(Members... m) {
  return boost::hana::make_tuple(m...);
}

namespace detail {

/// Converts to any member type, to count an aggregate's members by how
/// many of it brace-initialize one (`const&&`, so it does not also make a
/// constructor template of the member's type viable).
struct any_member {
  template <class T>
  operator T&() const&& noexcept;  // NOLINT: never called, only named in unevaluated contexts
};

template <class T, class... A>
constexpr std::size_t member_count() {
  if constexpr (requires { T{std::declval<A>()..., std::declval<any_member>()}; })
    return member_count<T, A..., any_member>();
  else
    return sizeof...(A);
}

template <class T>
constexpr auto in_code_of() {
  if constexpr (requires { set_in_code(std::type_identity<T>{}); })
    return set_in_code(std::type_identity<T>{});
  else
    return boost::hana::make_tuple();
}

/// What an entry of T's description or in-code list occupies of T: its
/// member, or (for an option of a base of T) the base.
template <class T, class Entry>
constexpr auto slot_of(const Entry& e) {
  if constexpr (std::is_member_object_pointer_v<Entry>) {
    return e;
  } else if constexpr (!std::is_same_v<typename Entry::owner_type, T>) {
    return std::type_identity<typename Entry::owner_type>{};  // a base of T: one member of the aggregate
  } else if constexpr (requires { e.part; }) {
    return e.part;
  } else {
    return e.member;
  }
}

template <class A>
constexpr bool same_slot(const A& a, const A& b) {
  if constexpr (std::is_member_object_pointer_v<A>) return a == b;
  else return true;  // the same base
}

template <class Tuple>
constexpr std::size_t distinct_slots(const Tuple& slots) {
  std::size_t n = 0, i = 0;
  boost::hana::for_each(slots, [&](const auto& a) {
    bool earlier = false;
    std::size_t j = 0;
    boost::hana::for_each(slots, [&](const auto& b) {
      if constexpr (std::is_same_v<decltype(a), decltype(b)>)
        if (j < i && same_slot(a, b)) earlier = true;
      ++j;
    });
    if (!earlier) ++n;
    ++i;
  });
  return n;
}

/// Whether the options of T through parts of type P describe each member of P.
template <class T, class P>
constexpr bool part_described() {
  constexpr auto through = boost::hana::filter(options_of(std::type_identity<T>{}), [](const auto& x) {
    using X = std::remove_cvref_t<decltype(x)>;
    if constexpr (requires { x.part; }) return boost::hana::bool_c<std::is_same_v<typename X::part_type, P>>;
    else return boost::hana::false_c;
  });
  constexpr auto inner = boost::hana::transform(through, [](const auto& x) { return x.member; });
  return distinct_slots(inner) == member_count<P>();
}

}  // namespace detail

/// True when every member of T is described (options_of) or set in code
/// (set_in_code), each once, and every part an option reaches into
/// (part_option) has each of its members described. Bases of T are
/// counted as one member each (describe a base next to it and check it
/// there).
template <described T>
constexpr bool every_member_described() {
  static_assert(std::is_aggregate_v<T>, "every_member_described counts the members of an aggregate");
  constexpr auto entries = boost::hana::concat(options_of(std::type_identity<T>{}), detail::in_code_of<T>());
  constexpr auto slots = boost::hana::transform(entries, [](const auto& e) { return detail::slot_of<T>(e); });
  if (detail::distinct_slots(slots) != detail::member_count<T>()) return false;
  bool parts = true;
  boost::hana::for_each(entries, [&](const auto& e) {
    using E = std::remove_cvref_t<decltype(e)>;
    if constexpr (!std::is_member_object_pointer_v<E>)
      if constexpr (requires { e.part; })
        if (!detail::part_described<T, typename E::part_type>()) parts = false;
  });
  return parts;
}

template <class E, std::size_t N>
using enum_names = std::array<std::pair<E, std::string_view>, N>;

}  // namespace tor::options
