// The laws every tor::source model keeps (see tor/core/concepts.hpp), as one
// generic Catch2 check run against the in-memory source and the binlog source.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <tor/core/concepts.hpp>
#include "laws/deref.hpp"

namespace tor::laws {

/// A transaction as the laws compare it: its rows' table, op and values.
struct observed_transaction {
  std::vector<std::string> rows;  // "schema.table op v1|v2|..."
  checkpoint end;
  begin_event begin;
  std::optional<checkpoint> before;  // the commit checkpoint read just before it, if any
};

template <class S>
std::vector<observed_transaction> read_transactions(S& s, std::size_t want,
                                                    std::chrono::milliseconds budget = std::chrono::seconds(60)) {
  using namespace std::chrono_literals;
  std::vector<observed_transaction> out;
  std::optional<observed_transaction> open;
  std::optional<checkpoint> last_commit;
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
    auto ev = s.next(100ms);
    if (!ev) continue;
    if (auto* b = std::get_if<begin_event>(&*ev)) {
      INFO("law 1: begin inside an open transaction");
      REQUIRE_FALSE(open.has_value());
      open.emplace();
      open->begin = *b;
      open->before = last_commit;
    } else if (auto* r = std::get_if<row_change>(&*ev)) {
      INFO("law 1: row outside a transaction");
      REQUIRE(open.has_value());
      std::string text = r->table_name() + ' ' + std::string(to_string(r->op));
      for (const auto& v : r->image().values) text += '|' + to_text(v);
      open->rows.push_back(std::move(text));
    } else if (auto* c = std::get_if<commit_event>(&*ev)) {
      INFO("law 1: commit without begin");
      REQUIRE(open.has_value());
      open->end = c->after;
      last_commit = c->after;
      if (!out.empty() || !open->rows.empty()) {
        if (!out.empty()) {
          INFO("law 2: commit checkpoints increase: " << out.back().end.to_string() << " then "
                                                      << open->end.to_string());
          REQUIRE(out.back().end.position < open->end.position);
        }
      }
      if (!open->rows.empty()) out.push_back(std::move(*open));  // DDL/empty transactions are framing only
      open.reset();
    } else {
      INFO("law 1: heartbeat inside a transaction");
      REQUIRE_FALSE(open.has_value());
    }
  }
  return out;
}

/// `make()` returns a new, unopened source (by value or pointer) over the
/// same log; `write(n)` commits n transactions, each with at least one row the
/// source captures, with distinct values. The log must hold no captured rows
/// after the current end when this is called. A model that reports where it
/// opened (tor::start_reporting_source) is checked for that too.
template <class Make, class Write>
void check_source_laws(Make make, Write write) {
  using namespace std::chrono_literals;
  auto first = make();
  auto& a = deref(first);
  static_assert(tor::source<std::remove_cvref_t<decltype(a)>>);
  a.open(std::nullopt);
  write(5);
  const auto all = read_transactions(a, 5);
  REQUIRE(all.size() == 5);

  INFO("law 3: replay after the second transaction gives exactly the last three");
  auto second = make();
  auto& b = deref(second);
  b.open(all[1].end);
  const auto replay = read_transactions(b, 3);
  REQUIRE(replay.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(replay[i].rows == all[i + 2].rows);
    CHECK(replay[i].end.position == all[i + 2].end.position);
  }

  {
    INFO("law 3: opening inside the third transaction gives it again from its begin, then the last two");
    REQUIRE(all[2].before.has_value());
    checkpoint inside{all[2].begin.position, all[2].before->gtids, all[2].before->server_id};
    inside.skip_rows = 1;
    inside.transaction_gtid = all[2].begin.gtid;
    auto fourth = make();
    auto& d = deref(fourth);
    d.open(inside);
    const auto again = read_transactions(d, 3);
    REQUIRE(again.size() == 3);
    CHECK(again[0].begin.position == all[2].begin.position);
    CHECK(again[0].begin.gtid == all[2].begin.gtid);
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(again[i].rows == all[i + 2].rows);
      CHECK(again[i].end.position == all[i + 2].end.position);
      CHECK(again[i].end.gtids == all[i + 2].end.gtids);
    }
  }

  if constexpr (tor::start_reporting_source<std::remove_cvref_t<decltype(a)>>) {
    INFO("start resolution: opened_at() names the start, and opening there gives the same transactions");
    REQUIRE(a.opened_at().has_value());
    CHECK(b.opened_at() == std::optional<checkpoint>(all[1].end));
    auto third = make();
    auto& c = deref(third);
    c.open(*a.opened_at());
    const auto again = read_transactions(c, 5);
    REQUIRE(again.size() == 5);
    for (std::size_t i = 0; i < 5; ++i) {
      CHECK(again[i].rows == all[i].rows);
      CHECK(again[i].end.position == all[i].end.position);
    }
  }

  INFO("law 4: next() returns within about its wait when the log is idle");
  for (int i = 0; i < 3; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto ev = b.next(200ms);
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(took < 2s);
    if (ev) CHECK_FALSE(std::holds_alternative<row_change>(*ev));
  }
  INFO("law 4: and an empty answer comes no sooner than its wait, even a wait of 1 ms (a caller polling "
       "every millisecond must sleep, not spin)");
  for (int i = 0; i < 20; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto ev = b.next(1ms);
    const auto took = std::chrono::steady_clock::now() - t0;
    if (!ev) CHECK(took >= 1ms);
  }
}

}  // namespace tor::laws
