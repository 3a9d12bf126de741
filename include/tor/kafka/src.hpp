// The definitions of the Kafka adapter's non-template functions, for
// separate compilation (tor/core/detail/config.hpp): include this in exactly
// one translation unit built with TOR_SEPARATE_COMPILATION defined (the
// CMake target tor::kafka_compiled does), next to the one that includes
// <tor/src.hpp>.
#pragma once

#ifndef TOR_SEPARATE_COMPILATION
#error "tor/kafka/src.hpp is for separate compilation: define TOR_SEPARATE_COMPILATION in every translation unit"
#endif

#include <tor/kafka/impl/config.ipp>
#include <tor/kafka/detail/impl/checkpoint_topic.ipp>
#include <tor/kafka/detail/impl/describe.ipp>
#include <tor/kafka/detail/impl/producer.ipp>
#include <tor/kafka/detail/impl/topics.ipp>
