// Tor's core: the router, its policy concepts, the vocabulary types, the
// outbox mapper and mapper composition. No MySQL, Kafka or Redis header is
// included here; those adapters live in tor/mysql, tor/kafka and tor/redis.
#pragma once

#include <tor/core/checkpoint.hpp>
#include <tor/core/checkpoint_tracker.hpp>
#include <tor/core/concepts.hpp>
#include <tor/core/error.hpp>
#include <tor/core/event.hpp>
#include <tor/core/gtid.hpp>
#include <tor/core/lease.hpp>
#include <tor/core/lease_keeper.hpp>
#include <tor/core/message.hpp>
#include <tor/core/position.hpp>
#include <tor/core/router.hpp>
#include <tor/core/router_options.hpp>
#include <tor/core/shared_string.hpp>
#include <tor/core/value.hpp>
#include <tor/mappers/compose.hpp>
#include <tor/mappers/outbox.hpp>
