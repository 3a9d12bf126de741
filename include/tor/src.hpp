// The definitions of the core's non-template functions, for separate
// compilation (tor/core/detail/config.hpp): include this in exactly one
// translation unit built with TOR_SEPARATE_COMPILATION defined.
#pragma once

#ifndef TOR_SEPARATE_COMPILATION
#error "tor/src.hpp is for separate compilation: define TOR_SEPARATE_COMPILATION in every translation unit"
#endif

#include <tor/core/impl/checkpoint_tracker.ipp>
#include <tor/core/impl/gtid.ipp>
#include <tor/core/impl/router.ipp>
#include <tor/core/impl/value.ipp>
#include <tor/mappers/impl/compose.ipp>
#include <tor/mappers/impl/outbox.ipp>
#include <tor/state/impl/checkpoint_json.ipp>
#include <tor/state/impl/file_state_store.ipp>
#include <tor/testing/impl/memory_dispatcher.ipp>
#include <tor/testing/impl/memory_lease.ipp>
#include <tor/testing/impl/memory_source.ipp>
#include <tor/testing/impl/memory_state_store.ipp>

#include <tor/testing.hpp>

// The router over the doubles and the outbox mapper (tor/testing.hpp).
template class tor::router<tor::testing::memory_source, tor::testing::memory_dispatcher,
                           tor::testing::memory_state_store, tor::outbox_mapper>;
