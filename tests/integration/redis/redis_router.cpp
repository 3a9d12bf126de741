// The router the Redis tests run, instantiated once (see redis_router.hpp).
#include "redis_router.hpp"

#include <exception>
#include <thread>

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

struct running_router::impl {
  tor::router<testing::memory_source, testing::memory_dispatcher, redis::state_store, outbox_mapper> r;
  std::string failure;
  std::jthread thread;
  impl(testing::memory_source& src, testing::memory_dispatcher& disp, redis::state_store& store, outbox_mapper& mapper,
       router_options options)
      : r(src, disp, store, mapper, std::move(options)), thread([this](std::stop_token st) {
          try {
            r.run(st);
          } catch (const std::exception& e) {
            failure = e.what();
          }
        }) {}
};

running_router::running_router(testing::memory_source& src, testing::memory_dispatcher& disp,
                               redis::state_store& store, outbox_mapper& mapper, router_options options)
    : impl_(std::make_unique<impl>(src, disp, store, mapper, std::move(options))) {}

running_router::~running_router() = default;

void running_router::stop() {
  impl_->thread.request_stop();
  impl_->thread.join();
}

const std::string& running_router::failure() const { return impl_->failure; }

router_stats running_router::stats() const { return impl_->r.stats(); }

}  // namespace tor::redis_test
