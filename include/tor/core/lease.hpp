// The lease that makes one of several identical Tor instances the active
// one (hot standby): the `lease` concept a store of leases models, and the
// `publish_gate` the router checks before it hands messages to the
// dispatcher. tor/core/lease_keeper.hpp acquires and renews a lease on a
// thread of its own and keeps the gate open only while the lease surely
// holds.
//
// Why a time-based gate and not only a flag: a process paused (SIGSTOP, a
// long GC-like stall, a VM migration) does not know that time passed. The
// gate stores the steady-clock instant until which the lease is known to be
// held — measured from *before* the request that took or renewed it, so it
// ends before the store lets the lease expire — and the router compares
// the clock with it before each row's messages go out. A paused active that
// wakes up after its lease expired finds the gate shut without having to
// ask anybody. The checkpoint is protected separately, by the state store's
// owner epoch (a new active claims it when it loads), so a stale active can
// never move the checkpoint either.
//
// At least once, a paused active may still deliver what it had handed to
// its producer before the pause (docs/guarantees.md, hot standby). With a
// transactional dispatcher (exactly once) the lease still decides who is
// active: the new active's init_transactions fences the old producer at the
// broker (its open transaction is aborted, so nothing of it becomes visible
// to read_committed consumers), and the router checks the gate before each
// commit as before each row, and aborts its open transaction once the gate
// is shut. The lease term is available (lease_grant::term) to tag
// the checkpoint records written into the transaction, should a consumer of
// that topic need to tell terms apart.
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace tor {

/// What a successful acquisition returns.
struct lease_grant {
  /// Grows by one each time the lease passes to a new holder (a fencing
  /// token: a later term always means a later holder).
  std::uint64_t term = 0;
  /// Who held the lease before this term, empty when nobody did (or it was
  /// this same holder renewing).
  std::string previous_holder;
  friend bool operator==(const lease_grant&, const lease_grant&) = default;
};

/// The lease can be taken: `l.acquire() -> std::optional<lease_grant>`; the
/// grant when this instance holds the lease now (newly taken, or already
/// held: then it is also extended), nullopt while another holder's lease
/// has not expired.
template <class L>
concept lease_acquirer = requires(L& l) {
  { l.acquire() } -> std::same_as<std::optional<lease_grant>>;
};

/// The lease can be kept: `l.renew() -> bool` extends it by the TTL when
/// this instance still holds it, and returns false when it does not any more
/// (expired, taken by another, released).
template <class L>
concept lease_renewer = requires(L& l) {
  { l.renew() } -> std::same_as<bool>;
};

/// The lease can be given up: `l.release()`, so a standby need not wait for
/// the TTL (a clean stop). Releasing a lease not held does nothing.
template <class L>
concept lease_releaser = requires(L& l) { l.release(); };

/// The lease says how long it lasts: `l.ttl() -> std::chrono::milliseconds`.
template <class L>
concept lease_duration = requires(const L& l) {
  { l.ttl() } -> std::convertible_to<std::chrono::milliseconds>;
};

/// **lease** — exclusive, expiring ownership shared by several instances.
///
/// Minimal complete definition: `acquire()`, `renew()`, `release()`, `ttl()`
/// as above. Each instance stands for one holder. Failures to reach the
/// store throw tor::error of kind `transient` (the caller retries); a store
/// that holds something else than a lease throws kind `state`.
///
/// Laws (tests/laws/lease_laws.hpp checks them against every model):
/// 1. Exclusion: while A's lease has not expired, B's `acquire()` returns
///    nullopt.
/// 2. Renewal: A's `renew()` before expiry returns true and keeps B out for
///    another TTL; `acquire()` by the holder itself returns the same term.
/// 3. Expiry: when A neither renews nor releases for a TTL, B's `acquire()`
///    succeeds, and A's `renew()` then returns false.
/// 4. Terms: each acquisition by a new holder has a larger term than every
///    one before it, and names the holder before it.
/// 5. Release: after A's `release()`, B acquires at once and A's `renew()`
///    returns false.
/// 6. Safety in time: when `acquire()` or `renew()` returns success, the
///    store keeps the lease for at least the TTL counted from the moment the
///    call was made (so a holder that counts from before its call never
///    believes it holds a lease the store let go).
///
/// Models: tor::redis::lease, tor::testing::memory_lease.
template <class L>
concept lease = lease_acquirer<L> && lease_renewer<L> && lease_releaser<L> && lease_duration<L>;

/// Open while this instance may publish: until an instant of the steady
/// clock, or never once shut. Written by the lease keeper, read by the
/// router thread (lock-free; one relaxed atomic).
class publish_gate {
 public:
  using steady = std::chrono::steady_clock;

  /// True while now is before the instant the gate was opened until.
  [[nodiscard]] bool open(steady::time_point now = steady::now()) const noexcept {
    return now.time_since_epoch().count() < until_.load(std::memory_order_acquire);
  }

  /// Opens (or extends) the gate until `t`.
  void open_until(steady::time_point t) noexcept {
    until_.store(t.time_since_epoch().count(), std::memory_order_release);
  }

  /// Shuts the gate at once.
  void shut() noexcept { until_.store(std::numeric_limits<steady::rep>::min(), std::memory_order_release); }

  /// The instant the gate was last opened until; nullopt once shut (or never opened).
  [[nodiscard]] std::optional<steady::time_point> until() const noexcept {
    const auto t = until_.load(std::memory_order_acquire);
    if (t == std::numeric_limits<steady::rep>::min()) return std::nullopt;
    return steady::time_point(steady::duration(t));
  }

 private:
  std::atomic<steady::rep> until_{std::numeric_limits<steady::rep>::min()};
};

}  // namespace tor
