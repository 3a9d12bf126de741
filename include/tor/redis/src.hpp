// The definitions of the Redis adapter's non-template functions, for
// separate compilation (tor/core/detail/config.hpp): include this in exactly
// one translation unit built with TOR_SEPARATE_COMPILATION defined (the
// CMake target tor::redis_compiled does), next to the one that includes
// <tor/src.hpp>.
#pragma once

#ifndef TOR_SEPARATE_COMPILATION
#error "tor/redis/src.hpp is for separate compilation: define TOR_SEPARATE_COMPILATION in every translation unit"
#endif

#include <tor/redis/detail/impl/hiredis.ipp>
#include <tor/redis/detail/impl/tls_stream.ipp>
#include <tor/redis/impl/lease.ipp>
#include <tor/redis/impl/state_store.ipp>
