// The router over the lease tests' source that breaks as a takeover breaks it.
#include <tor/testing.hpp>

#include "unit/support/lease_tests.hpp"
#include "unit/support/router_impl.hpp"

template class tor::test::compiled_router<tor::test::breaking_source, tor::testing::memory_dispatcher, tor::testing::memory_state_store, tor::outbox_mapper>;
