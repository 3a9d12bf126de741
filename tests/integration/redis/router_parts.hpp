// What the router runs over in the Redis tests (router_parts.cpp): an
// in-memory binlog, a source reading it, an in-memory dispatcher, and the
// outbox mapper for table app.outbox and topic "events". Made, filled and
// destroyed out of line, so the test files do not compile them.
#pragma once

#include <string>

#include <tor/core/checkpoint.hpp>
#include <tor/mappers/outbox.hpp>
#include <tor/testing/memory_dispatcher.hpp>
#include <tor/testing/memory_source.hpp>

namespace tor::redis_test {

struct router_parts {
  router_parts();
  ~router_parts();
  router_parts(const router_parts&) = delete;
  router_parts& operator=(const router_parts&) = delete;

  /// Appends a transaction of one insert into app.outbox (id, aggregatetype
  /// `type`, aggregateid `key`, type "created", payload); the checkpoint
  /// after it.
  checkpoint append_outbox_row(const std::string& id, const std::string& type, const std::string& key,
                               const std::string& payload);

  testing::memory_binlog log;
  testing::memory_source source{log};
  testing::memory_dispatcher dispatcher;
  outbox_mapper mapper;
};

}  // namespace tor::redis_test
