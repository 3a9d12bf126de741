// The router over the lease tests' state store that counts its loads.
#include <tor/testing.hpp>

#include "unit/support/lease_tests.hpp"
#include "unit/support/router_impl.hpp"

template class tor::test::compiled_router<tor::testing::memory_source, tor::testing::memory_dispatcher, tor::test::counting_store, tor::outbox_mapper>;
