// The router over the lease tests' dispatcher that breaks as a takeover breaks it.
#include <tor/testing.hpp>

#include "unit/support/lease_tests.hpp"
#include "unit/support/router_impl.hpp"

template class tor::test::compiled_router<tor::testing::memory_source, tor::test::breaking_dispatcher, tor::testing::memory_state_store, tor::outbox_mapper>;
