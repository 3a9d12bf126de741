// The router the Redis tests run: tor::router over the in-memory source and
// dispatcher, the Redis state store and the outbox mapper, instantiated in
// redis_lease_wiring.cpp (behind a lease) and redis_router.cpp (on a
// thread); the test files see these functions only.
#pragma once

#include <memory>
#include <stop_token>
#include <string>

#include <tor/core/router_options.hpp>
#include <tor/mappers/outbox.hpp>
#include <tor/redis/config.hpp>
#include <tor/redis/state_store.hpp>
#include <tor/testing/memory_dispatcher.hpp>
#include <tor/testing/memory_source.hpp>

namespace tor::redis_test {

/// The documented wiring (docs/state-stores.md): a router behind a Redis
/// lease on the checkpoint's key. Waits for the lease, runs the router until
/// `stop`, then gives the lease up; throws error_kind::fenced if the lease
/// is lost.
void run_behind_lease(testing::memory_source& source, testing::memory_dispatcher& dispatcher, outbox_mapper& mapper,
                      const redis::state_store_config& store_config, std::stop_token stop);

/// Runs a router over these on a thread until stop(); failure() holds the
/// error text when it failed.
class running_router {
 public:
  running_router(testing::memory_source& src, testing::memory_dispatcher& disp, redis::state_store& store,
                 outbox_mapper& mapper, router_options options);
  ~running_router();
  running_router(const running_router&) = delete;
  running_router& operator=(const running_router&) = delete;

  void stop();
  /// After stop(): the error that ended the run, empty when none.
  [[nodiscard]] const std::string& failure() const;
  [[nodiscard]] router_stats stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tor::redis_test
