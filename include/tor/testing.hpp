// The in-memory policies for users' tests: a scripted binlog and source, a
// recording dispatcher and a recording state store.
//
// Compiled separately (TOR_SEPARATE_COMPILATION, tor::compiled), the router
// over these doubles and tor::outbox_mapper, the combination tests use most,
// is compiled once with the library, as the standard library compiles
// std::string: a test file that makes one instantiates nothing of it. A
// router over other policies is instantiated where it is used, as always.
#pragma once

#include <tor/testing/memory_dispatcher.hpp>
#include <tor/testing/memory_lease.hpp>
#include <tor/testing/memory_source.hpp>
#include <tor/testing/memory_state_store.hpp>

#ifdef TOR_SEPARATE_COMPILATION
#include <tor/core/router.hpp>
#include <tor/mappers/outbox.hpp>

namespace tor {
extern template class router<testing::memory_source, testing::memory_dispatcher, testing::memory_state_store,
                             outbox_mapper>;
}  // namespace tor
#endif
