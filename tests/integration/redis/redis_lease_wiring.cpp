// The documented wiring of a router behind a Redis lease (see
// redis_router.hpp), quoted in docs/state-stores.md.
#include "redis_router.hpp"

#include <chrono>

#include <tor/core/lease_keeper.hpp>
#include <tor/core/router.hpp>
#include <tor/redis/lease.hpp>

namespace tor::redis_test {

void run_behind_lease(testing::memory_source& source, testing::memory_dispatcher& dispatcher, outbox_mapper& mapper,
                      const redis::state_store_config& store_config, std::stop_token stop) {
  tor::redis::lease_config lease_config;
  lease_config.server = store_config;                  // the checkpoint's Redis and key
  lease_config.ttl = std::chrono::seconds(10);
  tor::redis::lease lease{lease_config};
  auto taken = tor::wait_for_lease(lease, stop);      // a standby until here
  tor::lease_keeper keeper{lease, *taken};             // active
  tor::router_options o;
  o.gate = &keeper.gate();
  tor::redis::state_store store{store_config};         // claims the checkpoint key when it loads
  tor::router r{source, dispatcher, store, mapper, o};
  r.run(stop);                                         // throws error_kind::fenced if the lease is lost
  keeper.release();                                    // after a clean stop: a standby takes over at once
}

}  // namespace tor::redis_test
