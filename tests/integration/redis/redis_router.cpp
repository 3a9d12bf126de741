// A router running on a thread, for the Redis tests (see redis_router.hpp).
#include "redis_router.hpp"

#include <exception>
#include <thread>

#include <tor/core/router.hpp>

namespace tor::redis_test {

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
