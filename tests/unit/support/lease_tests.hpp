// What the lease tests share (lease_*_test.cpp in tests/unit/core), compiled
// once in lease_tests.cpp: a source and a dispatcher that break as another
// instance's takeover would break them, and a way to run a router on a thread.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <tor/core/lease_keeper.hpp>
#include <tor/mappers/outbox.hpp>
#include <tor/testing.hpp>

#include "unit/support/router.hpp"

namespace tor::test {

// Long enough that a loaded machine (or a sanitizer) does not delay a
// renewal past it; the bounds of the tests leave a TTL of slack for scheduling.
constexpr auto ttl = std::chrono::milliseconds(400);

/// Acquires `l`, which must be free; the lease and when it was asked for.
taken_lease take(testing::memory_lease& l);

inline constexpr const char* dump_ended =
    "the binlog dump ended: A slave with the same server_uuid/server_id as this slave has connected to the master";

// A source over a memory_binlog whose stream ends with an error once
// `broken()` holds, as MariaDB ends a binlog dump when another replica
// connects with the same server id. Checked before and after each read, so
// a break during a wait surfaces before the router looks at anything else.
// `on_event`, when set, runs on the router thread when a read yields an event.
class breaking_source {
 public:
  breaking_source(const testing::memory_binlog& log, std::function<bool()> broken,
                  std::function<void()> on_event = {});
  void open(const std::optional<checkpoint>& from);
  [[nodiscard]] const std::optional<checkpoint>& opened_at() const noexcept;
  std::optional<change_event> next(std::chrono::milliseconds wait);

 private:
  void check() const;
  testing::memory_source inner_;
  std::function<bool()> broken_;
  std::function<void()> on_event_;
};

inline constexpr const char* producer_failed = "the producer failed: Local: Fatal error";

// A dispatcher whose delivery reports fail once `broken()` holds (checked
// before and after each poll, as breaking_source does).
class breaking_dispatcher {
 public:
  breaking_dispatcher(testing::memory_dispatcher& inner, std::function<bool()> broken);
  void send(message&& m, std::uint64_t token);
  std::size_t poll(std::vector<delivery>& out, std::chrono::milliseconds wait);
  bool flush(std::chrono::milliseconds deadline);

 private:
  void check() const;
  testing::memory_dispatcher& inner_;
  std::function<bool()> broken_;
};

// A state store that counts its loads: a store that fences by an owner epoch
// claims the checkpoint when it first loads.
struct counting_store {
  testing::memory_state_store inner;
  int loads = 0;
  std::optional<checkpoint> load();
  void save(const checkpoint& c);
};

// How run() ended: the error's kind and a copy of its text (a copied
// tor::error would share its text with the thrower's, which ThreadSanitizer
// cannot follow), or the text "returned" when run() returned.
struct ending {
  error_kind kind{};
  std::string text;
};

/// Runs `run` on `thread` until `stopper` (or the thread's own stop) asks it to stop.
std::future<ending> run_on(std::function<void(std::stop_token)> run, std::jthread& thread,
                           std::stop_source stopper = {});

// Runs `r` on `thread` until `stopper` (or the thread's own stop) asks it to stop.
template <class Router>
std::future<ending> run_router(Router& r, std::jthread& thread, std::stop_source stopper = {}) {
  return run_on([&r](std::stop_token st) { r.run(st); }, thread, std::move(stopper));
}

}  // namespace tor::test
