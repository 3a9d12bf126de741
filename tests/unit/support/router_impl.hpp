// The members of compiled_router, for the files that instantiate it
// (router_*.cpp), and only those.
#pragma once

#include <utility>

#include "unit/support/router.hpp"

namespace tor::test {

template <class Source, class Dispatcher, class StateStore, class Mapper>
compiled_router<Source, Dispatcher, StateStore, Mapper>::compiled_router(Source& source, Dispatcher& dispatcher,
                                                                         StateStore& store, Mapper& mapper,
                                                                         router_options options)
    : router_(std::make_unique<router<Source, Dispatcher, StateStore, Mapper>>(source, dispatcher, store, mapper,
                                                                                std::move(options))) {}

template <class Source, class Dispatcher, class StateStore, class Mapper>
compiled_router<Source, Dispatcher, StateStore, Mapper>::~compiled_router() = default;

template <class Source, class Dispatcher, class StateStore, class Mapper>
void compiled_router<Source, Dispatcher, StateStore, Mapper>::run(std::stop_token stop) {
  router_->run(std::move(stop));
}

template <class Source, class Dispatcher, class StateStore, class Mapper>
router_stats compiled_router<Source, Dispatcher, StateStore, Mapper>::stats() const {
  return router_->stats();
}

}  // namespace tor::test
