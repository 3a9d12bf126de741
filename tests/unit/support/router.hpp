// tor::router for the unit tests, compiled once. A test file that makes a
// tor::router<...> pays seconds of compile time for each combination of
// policies it instantiates; compiled_router holds the same router behind a
// pointer, and its members are instantiated in router_*.cpp here, once for
// each combination the tests use (the linker names a missing one).
#pragma once

#include <memory>
#include <stop_token>

#include <tor/core/router.hpp>

namespace tor::test {

template <class Source, class Dispatcher, class StateStore, class Mapper>
class compiled_router {
 public:
  compiled_router(Source& source, Dispatcher& dispatcher, StateStore& store, Mapper& mapper,
                  router_options options = {});
  compiled_router(const compiled_router&) = delete;
  compiled_router& operator=(const compiled_router&) = delete;
  ~compiled_router();

  /// tor::router::run.
  void run(std::stop_token stop = {});
  /// tor::router::stats.
  [[nodiscard]] router_stats stats() const;

 private:
  std::unique_ptr<router<Source, Dispatcher, StateStore, Mapper>> router_;
};

}  // namespace tor::test
