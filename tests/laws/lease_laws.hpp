// The laws every tor::lease model keeps (see tor/core/lease.hpp), as one
// generic Catch2 check run against each model: the in-memory double and the
// Redis lease. Expiry is waited for with a bounded wait-until, never a sleep
// of a guessed length.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <thread>

#include <tor/core/lease.hpp>
#include "laws/deref.hpp"

namespace tor::laws {

/// Polls `pred` every few milliseconds until it holds or `limit` passes; true when it held.
template <class Pred>
bool eventually(std::chrono::milliseconds limit, Pred pred) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

/// `make(name)` returns a new lease instance (a new holder) over the same,
/// initially free lease, by value or pointer; its TTL should be short
/// (a few hundred milliseconds) to keep the check quick.
template <class Make>
void check_lease_laws(Make make) {
  using steady = std::chrono::steady_clock;
  auto ha = make("a");
  auto hb = make("b");
  auto& a = deref(ha);
  auto& b = deref(hb);
  static_assert(tor::lease<std::remove_cvref_t<decltype(a)>>);
  const auto ttl = std::chrono::milliseconds(a.ttl());

  INFO("a free lease is taken");
  const auto asked = steady::now();
  auto g1 = a.acquire();
  REQUIRE(g1.has_value());
  CHECK(g1->previous_holder.empty());

  INFO("exclusion: another holder cannot take it");
  CHECK_FALSE(b.acquire().has_value());

  INFO("the holder acquiring again keeps its term");
  auto again = a.acquire();
  REQUIRE(again.has_value());
  CHECK(again->term == g1->term);

  INFO("renewal keeps the others out for another TTL");
  // Renew well past the first TTL: if renewals did not extend, b would get in.
  const auto until = asked + ttl * 2;
  while (steady::now() < until) {
    REQUIRE(a.renew());
    REQUIRE_FALSE(b.acquire().has_value());
    std::this_thread::sleep_for(ttl / 5);
  }

  INFO("expiry: without renewals another holder takes it, with a larger term, naming the one before");
  std::optional<lease_grant> g2;
  const auto last_renewal = steady::now();
  REQUIRE(a.renew());
  REQUIRE(eventually(ttl * 4, [&] { return (g2 = b.acquire()).has_value(); }));
  INFO("safety in time: not before the TTL counted from the last renewal");
  CHECK(steady::now() - last_renewal >= ttl);
  CHECK(g2->term > g1->term);
  CHECK_FALSE(g2->previous_holder.empty());
  INFO("the old holder's renewal now fails, and it cannot take the lease back");
  CHECK_FALSE(a.renew());
  CHECK_FALSE(a.acquire().has_value());

  INFO("release: the next holder gets it at once, the releaser's renewal fails");
  b.release();
  CHECK_FALSE(b.renew());
  auto g3 = a.acquire();
  REQUIRE(g3.has_value());
  CHECK(g3->term > g2->term);
  INFO("releasing a lease one does not hold changes nothing");
  b.release();
  CHECK(a.renew());
  CHECK_FALSE(b.acquire().has_value());
  a.release();
}

}  // namespace tor::laws
