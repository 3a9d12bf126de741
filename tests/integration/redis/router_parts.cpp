// What the router runs over in the Redis tests (see router_parts.hpp).
#include "router_parts.hpp"

#include "unit/fixtures.hpp"

namespace tor::redis_test {

namespace {

outbox_config events_outbox() {
  outbox_config c;
  c.tables = {"app.outbox"};
  c.topic_template = "events";
  return c;
}

}  // namespace

router_parts::router_parts() : mapper(events_outbox()) {}

router_parts::~router_parts() = default;

checkpoint router_parts::append_outbox_row(const std::string& id, const std::string& type, const std::string& key,
                                           const std::string& payload) {
  return log.append({test::outbox_row(id, type, key, payload)});
}

}  // namespace tor::redis_test
