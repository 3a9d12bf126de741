// The router over generated_source (the memory bound test's million transactions).
#include <tor/testing.hpp>

#include "unit/support/router_impl.hpp"
#include "unit/support/router_tests.hpp"

template class tor::test::compiled_router<tor::test::generated_source, tor::testing::memory_dispatcher,
                                          tor::testing::memory_state_store, tor::outbox_mapper>;
