// The router over the in-memory source and state store, the Kafka dispatcher
// and the outbox mapper (transactions_router_test.cpp), compiled once here so
// that the test file does not instantiate it.
#include <tor/kafka/dispatcher.hpp>
#include <tor/mappers/outbox.hpp>
#include <tor/testing.hpp>

#include "unit/support/router_impl.hpp"

template class tor::test::compiled_router<tor::testing::memory_source, tor::kafka::dispatcher,
                                          tor::testing::memory_state_store, tor::outbox_mapper>;
