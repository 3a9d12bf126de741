// The router over the in-memory doubles and the outbox mapper, which most of
// the core's tests run.
#include <tor/mappers/outbox.hpp>
#include <tor/testing.hpp>

#include "unit/support/router_impl.hpp"

template class tor::test::compiled_router<tor::testing::memory_source, tor::testing::memory_dispatcher,
                                          tor::testing::memory_state_store, tor::outbox_mapper>;
