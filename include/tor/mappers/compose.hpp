// Compile-time composition of mapper stages. `tor::compose(stages...)` makes
// one mapper whose calls are unrolled at compile time (Boost.Hana): a row goes
// through the stages in order, and each stage is one of
//
//   filter:   bool accept(const row_change&, const transaction_info&)
//             a false stops the row: later stages do not see it;
//   producer: void map(const row_change&, const transaction_info&, std::vector<message>&)
//             (any tor::mapper, e.g. tor::outbox_mapper) appends messages;
//   enricher: void enrich(message&, const row_change&, const transaction_info&)
//             adjusts each message the earlier producers made for this row.
//
// filter_fn, map_fn and enrich_fn make a stage of a lambda; map_fn is also a
// mapper of its own, for tor::router.
//
//   auto m = tor::compose(tor::table_filter{{"app.outbox"}}, tor::outbox_mapper{cfg},
//                         tor::static_headers{{{"source", "orders-db"}}});
#pragma once

#include <boost/hana/for_each.hpp>
#include <boost/hana/integral_constant.hpp>
#include <boost/hana/tuple.hpp>

#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <tor/core/concepts.hpp>
#include <tor/core/detail/config.hpp>

namespace tor {

template <class S>
concept filter_stage = requires(S& s, const row_change& row, const transaction_info& tx) {
  { s.accept(row, tx) } -> std::convertible_to<bool>;
};

template <class S>
concept enricher_stage = requires(S& s, message& m, const row_change& row, const transaction_info& tx) {
  s.enrich(m, row, tx);
};

/// A mapper stage: a filter, a producer (any tor::mapper) or an enricher.
template <class S>
concept mapper_stage = filter_stage<S> || mapper<S> || enricher_stage<S>;

template <class... Stages>
class composed_mapper {
  static_assert(sizeof...(Stages) > 0, "tor::compose needs at least one stage");
  static_assert((mapper_stage<Stages> && ...),
                "every stage given to tor::compose must provide accept(row, tx) -> bool (a filter), "
                "map(row, tx, out) (a producer) or enrich(message&, row, tx) (an enricher)");

 public:
  explicit composed_mapper(Stages... stages) : stages_(std::move(stages)...) {}

  void map(const row_change& row, const transaction_info& tx, std::vector<message>& out) { run(row, nullptr, tx, out); }

  /// The same, but when the last stage is a producer it gets the row by
  /// rvalue, so it may move values out of it (no later stage reads them).
  void map(row_change&& row, const transaction_info& tx, std::vector<message>& out) { run(row, &row, tx, out); }

  /// The stages, for inspection (e.g. an outbox mapper's topics).
  template <std::size_t I>
  auto& stage() noexcept {
    return stages_[boost::hana::size_c<I>];
  }

 private:
  // `owned` is `row` itself when the caller gave it away, else nullptr.
  void run(const row_change& row, row_change* owned, const transaction_info& tx, std::vector<message>& out) {
    const std::size_t first = out.size();
    const void* last = &stages_[boost::hana::size_c<sizeof...(Stages) - 1>];
    bool accepted = true;
    boost::hana::for_each(stages_, [&](auto& stage) {
      using S = std::remove_cvref_t<decltype(stage)>;
      if (!accepted) return;
      if constexpr (filter_stage<S>) {
        accepted = stage.accept(row, tx);
      } else if constexpr (mapper<S>) {
        if constexpr (row_consuming_mapper<S>) {
          if (owned && static_cast<const void*>(&stage) == last) return stage.map(std::move(*owned), tx, out);
        }
        stage.map(row, tx, out);
      } else {
        // This row's messages: those after `first`.
        for (std::size_t i = first; i < out.size(); ++i) stage.enrich(out[i], row, tx);
      }
    });
  }

  boost::hana::tuple<Stages...> stages_;
};

/// Chains mapper stages into one tor::mapper, resolved at compile time.
template <class... Stages>
auto compose(Stages&&... stages) {
  return composed_mapper<std::decay_t<Stages>...>(std::forward<Stages>(stages)...);
}

// ---- ready-made stages -------------------------------------------------------

/// Keeps rows of tables whose "schema.table" matches one of the patterns (ECMAScript regex, whole name).
/// Each table is matched once: the answer is kept with the table's `table_info`, which a source shares
/// between the rows of a table, so a row costs a pointer comparison, not a match. Like a mapper, a filter
/// is used from one thread at a time; each copy keeps its own answers.
class table_filter {
 public:
  TOR_DECL explicit table_filter(const std::vector<std::string>& patterns);
  TOR_DECL bool accept(const row_change& row, const transaction_info&) const;

 private:
  TOR_DECL bool matches(const std::string& name) const;

  // The compiled patterns (std::regex, whose header stays out of this one);
  // never modified once built, so copies of the filter share them.
  struct impl;
  std::shared_ptr<const impl> patterns_;
  // The answer for each table seen lately, holding the table so that its address is not reused.
  mutable std::vector<std::pair<std::shared_ptr<const table_info>, bool>> answers_;
};

/// Keeps rows with the given operations.
struct op_filter {
  bool inserts = true, updates = true, deletes = true;
  bool accept(const row_change& row, const transaction_info&) const {
    return row.op == row_op::insert ? inserts : row.op == row_op::update ? updates : deletes;
  }
};

/// Adds fixed headers to every message.
struct static_headers {
  std::vector<header> headers;
  TOR_DECL void enrich(message& m, const row_change&, const transaction_info&) const;
};

/// Wraps a callable as a filter stage: `bool(const row_change&, const transaction_info&)`.
template <class F>
struct filter_fn {
  F f;
  bool accept(const row_change& row, const transaction_info& tx) { return f(row, tx); }
};
template <class F>
filter_fn(F) -> filter_fn<F>;

/// Wraps a callable as an enricher stage: `void(message&, const row_change&, const transaction_info&)`.
template <class F>
struct enrich_fn {
  F f;
  void enrich(message& m, const row_change& row, const transaction_info& tx) { f(m, row, tx); }
};
template <class F>
enrich_fn(F) -> enrich_fn<F>;

/// Wraps a callable as a mapper (a tor::mapper, usable with tor::router and
/// as a producer stage of tor::compose). The callable takes
/// `(const row_change&, const transaction_info&)` and returns what the row
/// becomes: `std::optional<message>` (none or one), `std::vector<message>`
/// (any number), or it takes a third `std::vector<message>&` and appends.
///
///   tor::map_fn mapper{[](const tor::row_change& row, const tor::transaction_info&) {
///     return std::optional<tor::message>(...);
///   }};
template <class F>
struct map_fn {
  static_assert(std::is_invocable_v<F&, const row_change&, const transaction_info&> ||
                    std::is_invocable_v<F&, const row_change&, const transaction_info&, std::vector<message>&>,
                "tor::map_fn: the callable must take (const tor::row_change&, const tor::transaction_info&) and "
                "return std::optional<tor::message> or std::vector<tor::message>, or take a third "
                "std::vector<tor::message>& and append to it");
  F f;
  void map(const row_change& row, const transaction_info& tx, std::vector<message>& out) {
    if constexpr (std::is_invocable_v<F&, const row_change&, const transaction_info&, std::vector<message>&>) {
      f(row, tx, out);
    } else {
      using R = std::invoke_result_t<F&, const row_change&, const transaction_info&>;
      static_assert(std::is_convertible_v<R, std::optional<message>> || std::is_same_v<std::remove_cvref_t<R>, std::vector<message>>,
                    "tor::map_fn: the callable must return std::optional<tor::message> or std::vector<tor::message>");
      if constexpr (std::is_same_v<std::remove_cvref_t<R>, std::vector<message>>) {
        auto produced = f(row, tx);
        out.insert(out.end(), std::make_move_iterator(produced.begin()), std::make_move_iterator(produced.end()));
      } else {
        std::optional<message> m = f(row, tx);
        if (m) out.push_back(std::move(*m));
      }
    }
  }
};
template <class F>
map_fn(F) -> map_fn<F>;

}  // namespace tor

#ifdef TOR_HEADER_ONLY
#include <tor/mappers/impl/compose.ipp>
#endif
